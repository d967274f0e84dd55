/**
 * Lambda entry: SQS batch of S3 events → one Step Functions execution per object event.
 * Env: STATE_MACHINE_ARN (required), SKIP_PATTERNS (optional JSON array of globs), and for the bound on executions in
 * flight MAX_EXECUTIONS_IN_FLIGHT, INTAKE_MAX_CONCURRENCY, INTAKE_QUEUE_URL (all or none), and COUNTED_STATE_MACHINE_ARN
 * (the machine whose RUNNING executions are counted; Default: STATE_MACHINE_ARN). Read once at cold start.
 * Wire the SQS event source with ReportBatchItemFailures; the queue needs a DLQ (see workflows/backup/start-executions.ts).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { InFlightGate, sfnRunningExecutionCounter, sqsRequeue } from '../workflows/backup/in-flight-gate';
import { readStartExecutionsConfig } from '../workflows/backup/start-executions';
import { startExecutionsHandler } from '../workflows/handlers/start-executions';
import { logger } from '../workflows/logger';

const config = readStartExecutionsConfig(process.env);
// maxAttempts 1: the policy's bounded full-jitter loop is the one layer that retries StartExecution.
const sfn = new SFNClient({ maxAttempts: 1 });
// One gate per instance: it remembers the executions this instance started while ListExecutions may not show them.
const inFlight = config.inFlight && {
  gate: new InFlightGate(sfnRunningExecutionCounter(new SFNClient({}), config.inFlight.countedStateMachineArn ?? config.stateMachineArn), config.inFlight),
  requeue: sqsRequeue(new SQSClient({}), config.inFlight.queueUrl),
};
export const handler = startExecutionsHandler({ config, sfn, logger, ...(inFlight ? { inFlight } : {}) });
