/** The Slack notifier, as a factory of its settings and logger (see ./copy-object.ts for why factories). */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SNSEvent } from 'aws-lambda';
import { formatSlackMessage, postToSlack } from '../alerting/slack';
import { loadSlackWebhookUrl, type SlackWebhookSettings } from '../alerting/slack-webhook';

export function slackNotifierHandler(deps: { settings: SlackWebhookSettings; logger: Logger }): (event: SNSEvent) => Promise<{ posted: number }> {
  const { settings, logger } = deps;
  return async (event) => {
    const webhookUrl = await loadSlackWebhookUrl(settings);
    for (const { Sns } of event.Records) {
      await postToSlack(webhookUrl, formatSlackMessage({ subject: Sns.Subject, message: Sns.Message }));
      logger.info('Alert posted to Slack', { messageId: Sns.MessageId, subject: Sns.Subject });
    }
    return { posted: event.Records.length };
  };
}
