/**
 * Lambda entry: SQS batch of S3 events → one Step Functions execution per object event.
 * Env: STATE_MACHINE_ARN (required), SKIP_PATTERNS (optional JSON array of globs). Read once at cold start.
 * Wire the SQS event source with ReportBatchItemFailures; the queue needs a DLQ (see workflows/backup/start-executions.ts).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readStartExecutionsConfig, startExecutionsForBatch } from '../workflows/backup/start-executions';
import { logger } from '../workflows/logger';

const config = readStartExecutionsConfig(process.env);
// maxAttempts 1: the policy's bounded full-jitter loop is the one layer that retries StartExecution.
const sfn = new SFNClient({ maxAttempts: 1 });

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return startExecutionsForBatch(
    event,
    { sfn, logger, stateMachineArn: config.stateMachineArn, skipReason: config.skipReason },
    context,
  );
};
