import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isTransient } from './classify-error';
import { ConfigurationError, TransientError } from './errors';
import { executionName } from './execution-name';
import { InFlightLimitReached, type InFlightGate } from './in-flight-gate';
import { executionInputsFromMessage, normalizeExecutionInput, objectEventInput } from './normalize';
import { compileSkipRules, parseSkipPatterns } from './skip-rules';

/**
 * The start-executions policy: SQS messages (S3→SQS, S3→SNS→SQS, EventBridge→SQS) → object events → one
 * StartExecution each, under a deterministic name so duplicate deliveries dedupe.
 *
 * Failure model: a message is acknowledged only when every event it carries was started, was already started
 * (ExecutionAlreadyExists), or was skipped by a rule. Anything else reports the message in batchItemFailures, so
 * SQS delivers it again; events of the message that did start are then deduped by name, so retrying whole messages
 * is safe. A message that can never succeed (malformed body, unsupported event) is still reported failed rather than
 * acknowledged: after the queue's maxReceiveCount SQS moves it to the dead-letter queue, where it is visible (alarm),
 * can be inspected and redriven. Acknowledging it would drop an event silently.
 */

export interface StartExecutionsConfig {
  stateMachineArn: string;
  skipPatterns: string[];
  /** The matching skip pattern for a key, or undefined. */
  skipReason: (key: string) => string | undefined;
  /** The bound on executions in flight (./in-flight-gate.ts) and the queue a message waits in; none: unbounded. */
  inFlight?: { maxInFlight: number; starters: number; queueUrl: string; countedStateMachineArn?: string };
}

/** Reads STATE_MACHINE_ARN and SKIP_PATTERNS once; fails fast naming the variable. */
export function readStartExecutionsConfig(env: NodeJS.ProcessEnv = process.env): StartExecutionsConfig {
  const stateMachineArn = env['STATE_MACHINE_ARN'];
  if (!stateMachineArn) throw new ConfigurationError('STATE_MACHINE_ARN is not set: the ARN of the backup-object state machine');
  if (!/^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(stateMachineArn)) {
    throw new ConfigurationError(`STATE_MACHINE_ARN is not a state machine ARN: ${JSON.stringify(stateMachineArn)}`);
  }
  const skipPatterns = parseSkipPatterns(env['SKIP_PATTERNS'], 'SKIP_PATTERNS');
  const inFlight = readInFlightConfig(env);
  let skipReason: StartExecutionsConfig['skipReason'];
  try {
    skipReason = compileSkipRules(skipPatterns);
  } catch (err) {
    throw new ConfigurationError(`SKIP_PATTERNS: ${(err as Error).message}`, { cause: err });
  }
  return { stateMachineArn, skipPatterns, skipReason, ...(inFlight ? { inFlight } : {}) };
}

/** MAX_EXECUTIONS_IN_FLIGHT, INTAKE_MAX_CONCURRENCY and INTAKE_QUEUE_URL: all three or none. */
function readInFlightConfig(env: NodeJS.ProcessEnv): StartExecutionsConfig['inFlight'] {
  const names = ['MAX_EXECUTIONS_IN_FLIGHT', 'INTAKE_MAX_CONCURRENCY', 'INTAKE_QUEUE_URL'] as const;
  const set = names.filter((n) => env[n] !== undefined && env[n] !== '');
  if (set.length === 0) return undefined;
  if (set.length < names.length) throw new ConfigurationError(`${names.filter((n) => !set.includes(n)).join(', ')} not set: the in-flight bound needs ${names.join(', ')}`);
  const integer = (name: (typeof names)[number], max: number): number => {
    const value = Number(env[name]);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new ConfigurationError(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(env[name])}`);
    return value;
  };
  const maxInFlight = integer('MAX_EXECUTIONS_IN_FLIGHT', 1000);
  const starters = integer('INTAKE_MAX_CONCURRENCY', 1000);
  if (starters > maxInFlight) throw new ConfigurationError(`INTAKE_MAX_CONCURRENCY (${starters}) must not exceed MAX_EXECUTIONS_IN_FLIGHT (${maxInFlight}): each starter needs a share of at least one`);
  // The machine whose RUNNING executions are counted, when not the one started (an Express machine cannot be listed).
  const counted = env['COUNTED_STATE_MACHINE_ARN'];
  if (counted !== undefined && counted !== '' && !/^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(counted)) {
    throw new ConfigurationError(`COUNTED_STATE_MACHINE_ARN is not a state machine ARN: ${JSON.stringify(counted)}`);
  }
  return { maxInFlight, starters, queueUrl: env['INTAKE_QUEUE_URL']!, ...(counted ? { countedStateMachineArn: counted } : {}) };
}

/** The slice of Powertools Logger used here (also handed to the BatchProcessor). */
export type StartLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * In-place retry of throttling and 5xx. This loop is the only layer that retries StartExecution: build the SFN
 * client with `maxAttempts: 1`. Full jitter: delay = random × min(maxDelayMs, baseDelayMs × 2^(attempt−1)).
 * Defaults bound the extra wait per event to ~6 s (worst case), well inside the function's timeout.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}
export const DEFAULT_START_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface StartExecutionsDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  skipReason: (key: string) => string | undefined;
  logger: StartLogger;
  retry?: RetryPolicy;
  /** Injected by tests to avoid real waits. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * The bound on executions in flight: each start waits for a permit of `gate` until `deadline` (epoch ms); a message
   * whose events could not all get one by then is handed to `requeue` (sent back to the queue, delayed) and
   * acknowledged, so waiting for capacity never counts towards the queue's maxReceiveCount.
   */
  inFlight?: { gate: InFlightGate; deadline: number; requeue: (record: SQSRecord) => Promise<void> };
}

export type StartResult =
  | { status: 'started'; name: string; executionArn: string | undefined }
  | { status: 'already-exists'; name: string }
  | { status: 'skipped'; pattern: string };

/** Processes one SQS batch and reports failed messages so nothing is dropped. */
export async function startExecutionsForBatch(
  event: SQSEvent,
  deps: StartExecutionsDeps,
  context?: Context,
): Promise<SQSBatchResponse> {
  const tally = { messages: event.Records.length, started: 0, alreadyExists: 0, skipped: 0, testEvents: 0, requeued: 0, failedMessages: 0 };
  const processor = new BatchProcessor(EventType.SQS, { logger: deps.logger });
  const count = (r: StartResult): void => {
    if (r.status === 'started') tally.started++;
    else if (r.status === 'already-exists') tally.alreadyExists++;
    else tally.skipped++;
  };
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    try {
      const results = await startExecutionsForMessage(record, deps, count);
      if (results.length === 0) tally.testEvents++;
    } catch (err) {
      if (err instanceof InFlightLimitReached && deps.inFlight && (await requeued(record, err, deps))) {
        tally.requeued++;
        return;
      }
      tally.failedMessages++;
      deps.logger.error('Message failed; SQS will deliver it again (then to the DLQ after maxReceiveCount)', {
        messageId: record.messageId,
        receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
        eventSourceARN: record.eventSourceARN,
        reason: (err as Error).message,
        errorName: (err as Error).name,
      });
      throw err;
    }
  };
  // throwOnFullBatchFailure: false — a batch where every message failed is reported the same way (all items failed)
  // instead of as a Lambda error, so the logs and the SQS retry behaviour are the same in both cases.
  const response = await processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
  deps.logger.info('Batch processed', tally);
  return response;
}

/** Sends `record` back to the queue for later; false (the message then fails as usual) when that fails too. */
async function requeued(record: SQSRecord, reason: InFlightLimitReached, deps: StartExecutionsDeps): Promise<boolean> {
  try {
    await deps.inFlight!.requeue(record);
    deps.logger.info('Executions in flight at the bound: message sent back to the queue for later', { messageId: record.messageId, reason: reason.message });
    return true;
  } catch (err) {
    deps.logger.warn('Could not send the message back to the queue; it fails and SQS delivers it again', { messageId: record.messageId, error: (err as Error).message });
    return false;
  }
}

/**
 * One SQS message → its events → StartExecution each (in parallel). Resolves with one result per event ([] for the
 * S3 TestEvent); rejects if the message is malformed or any of its events could not be started. `onResult` sees each
 * event that did succeed, also when a sibling fails.
 */
export async function startExecutionsForMessage(
  record: SQSRecord,
  deps: StartExecutionsDeps,
  onResult: (result: StartResult) => void = () => undefined,
): Promise<StartResult[]> {
  const inputs = executionInputsFromMessage(record.body);
  if (inputs.length === 0) {
    deps.logger.info('S3 TestEvent acknowledged: not an object event, nothing to start', { messageId: record.messageId });
    return [];
  }
  const settled = await Promise.allSettled(
    inputs.map(async (input) => {
      const result = await startExecutionForInput(input, deps);
      onResult(result);
      return result;
    }),
  );
  const [only] = settled;
  if (settled.length === 1 && only?.status === 'rejected') throw only.reason; // keep its name (InvalidInput, TransientError, …)
  const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
  // Only waiting for capacity: the whole message waits (its started events dedupe by name when it comes back).
  if (rejected.length > 0 && rejected.every((e) => e instanceof InFlightLimitReached)) throw rejected[0]!;
  const reasons = settled.flatMap((s, i) => (s.status === 'rejected' ? [`event #${i + 1}: ${(s.reason as Error).message}`] : []));
  if (reasons.length > 0) {
    throw new Error(`${reasons.length} of ${inputs.length} event(s) in message ${record.messageId} failed: ${reasons.join('; ')}`);
  }
  return settled.map((s) => (s as PromiseFulfilledResult<StartResult>).value);
}

/**
 * Normalize, apply skip rules, start. The state machine receives the normalized event (objectEventInput), not the raw
 * record/event: an Express execution logs its input several times, and the raw shape is three times larger.
 */
export async function startExecutionForInput(input: unknown, deps: StartExecutionsDeps): Promise<StartResult> {
  const ev = normalizeExecutionInput(input);
  const where = { bucket: ev.bucket, key: ev.key, versionId: ev.versionId, action: ev.action, origin: ev.origin };
  const pattern = deps.skipReason(ev.key);
  if (pattern !== undefined) {
    deps.logger.info('Skipped by skip rule: no execution started', { ...where, pattern });
    return { status: 'skipped', pattern };
  }
  const name = executionName(ev);
  const params = { stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(objectEventInput(ev)) };
  if (deps.inFlight) await deps.inFlight.gate.admit(deps.inFlight.deadline);
  const retry = deps.retry ?? DEFAULT_START_RETRY;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await deps.sfn.send(new StartExecutionCommand(params));
      // DEBUG: the execution records its own start (Standard history, the Express log); at INFO this line was most of
      // the Lambda log bytes a successful copy ships. The batch tally below stays INFO.
      deps.logger.debug('Execution started', { ...where, executionName: name, executionArn: out.executionArn, attempt });
      return { status: 'started', name, executionArn: out.executionArn };
    } catch (err) {
      if (errorName(err) === 'ExecutionAlreadyExists') {
        // Same name = same object version/event: a duplicate delivery, already handled (or being handled).
        deps.logger.info('Execution already exists: duplicate delivery deduped', { ...where, executionName: name });
        return { status: 'already-exists', name };
      }
      const detail = `${errorName(err)}: ${(err as Error).message}`;
      if (!isTransient(err)) {
        throw new Error(`StartExecution ${name} for s3://${ev.bucket}/${ev.key} failed: ${detail}`, { cause: err });
      }
      if (attempt >= retry.maxAttempts) {
        throw new TransientError(
          `StartExecution ${name} for s3://${ev.bucket}/${ev.key} still failing after ${attempt} attempts: ${detail}`,
          { cause: err },
        );
      }
      const delayMs = Math.round(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      deps.logger.warn('StartExecution failed transiently; retrying', { ...where, executionName: name, attempt, delayMs, error: detail });
      await sleep(delayMs);
    }
  }
}

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as Error).name === 'string' ? (err as Error).name : 'Error';
}
