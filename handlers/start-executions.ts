/**
 * Lambda entry: SQS batch of S3 events → one Step Functions execution per object event.
 * Env: STATE_MACHINE_ARN (required), SKIP_PATTERNS (optional JSON array of globs). Read once at cold start.
 * Wire the SQS event source with ReportBatchItemFailures; the queue needs a DLQ (see workflows/backup/start-executions.ts).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { readStartExecutionsConfig } from '../workflows/backup/start-executions';
import { startExecutionsHandler } from '../workflows/handlers/start-executions';
import { logger } from '../workflows/logger';

// maxAttempts 1: the policy's bounded full-jitter loop is the one layer that retries StartExecution.
export const handler = startExecutionsHandler({ config: readStartExecutionsConfig(process.env), sfn: new SFNClient({ maxAttempts: 1 }), logger });
