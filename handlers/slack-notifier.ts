/**
 * Lambda entry of the optional Slack notifier, subscribed to the alert topic: each SNS message (an object that was not
 * backed up, or an alarm changing state) → a Slack message posted to the incoming webhook. A post Slack refuses
 * throws, so Lambda's asynchronous retries try again. Env: SLACK_WEBHOOK_PARAMETER or SLACK_WEBHOOK_SECRET — the NAME
 * of where the URL is kept; the URL itself is fetched (cached) and never logged.
 */
import { readSlackWebhookSettings } from '../workflows/alerting/slack-webhook';
import { slackNotifierHandler } from '../workflows/handlers/slack-notifier';
import { logger } from '../workflows/logger';

export const handler = slackNotifierHandler({ settings: readSlackWebhookSettings(process.env), logger });
