/**
 * Lambda entry of the optional Slack notifier, subscribed to the alert topic: each SNS message (an object that was not
 * backed up, or an alarm changing state) → a Slack message posted to the incoming webhook. A post Slack refuses
 * throws, so Lambda's asynchronous retries try again. Env: SLACK_WEBHOOK_PARAMETER or SLACK_WEBHOOK_SECRET — the NAME
 * of where the URL is kept; the URL itself is fetched (cached) and never logged.
 */
import type { SNSEvent } from 'aws-lambda';
import { formatSlackMessage, postToSlack } from '../workflows/alerting/slack';
import { loadSlackWebhookUrl, readSlackWebhookSettings } from '../workflows/alerting/slack-webhook';
import { logger } from '../workflows/logger';

const settings = readSlackWebhookSettings(process.env);

export const handler = async (event: SNSEvent): Promise<{ posted: number }> => {
  const webhookUrl = await loadSlackWebhookUrl(settings);
  for (const { Sns } of event.Records) {
    await postToSlack(webhookUrl, formatSlackMessage({ subject: Sns.Subject, message: Sns.Message }));
    logger.info('Alert posted to Slack', { messageId: Sns.MessageId, subject: Sns.Subject });
  }
  return { posted: event.Records.length };
};
