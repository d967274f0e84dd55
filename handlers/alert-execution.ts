/**
 * Lambda entry of the alert function, the target of the EventBridge rule on this state machine's "Step Functions
 * Execution Status Change" events (FAILED, TIMED_OUT, ABORTED). Env: ALERT_TOPIC_ARN, FLOOD_MAX_ALERTS,
 * FLOOD_WINDOW_SECONDS.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { alertExecutionHandler } from '../workflows/handlers/alert-execution';
import { logger } from '../workflows/logger';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return value;
};

export const handler = alertExecutionHandler({
  sfn: new SFNClient({}),
  sns: new SNSClient({}),
  topicArn: process.env['ALERT_TOPIC_ARN'] ?? '',
  flood: { maxAlerts: positive('FLOOD_MAX_ALERTS', 20), windowSeconds: positive('FLOOD_WINDOW_SECONDS', 300) },
  logger,
});
