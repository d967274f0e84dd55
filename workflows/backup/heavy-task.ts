import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CopyOutcome } from '../copy/types';
import { logger } from '../logger';
import { errorFacts, isTransient } from './classify-error';
import { parseBackupEvent } from './copy-step';
import { ConfigurationError, InvalidInput, TransientError } from './errors';
import type { BackupEvent } from './normalize';

/**
 * The heavy tier runs as a container started by "Copy the object with the heavy task"
 * (ecs:runTask.waitForTaskToken). It reads its request and the task token from its environment, heartbeats while it
 * copies, and reports back: SendTaskSuccess with the outcome, or SendTaskFailure with the error's NAME (what the ASL's
 * Catch matches) and its message as the cause.
 */
export interface TaskTokenReporter {
  success(output: CopyOutcome): Promise<void>;
  failure(error: string, cause: string): Promise<void>;
  heartbeat(): Promise<void>;
}

export interface HeavyTaskRequest {
  taskToken: string;
  event: BackupEvent;
}

/** Step Functions limits: error name <= 256 characters, cause <= 32,768. */
const MAX_ERROR_CHARS = 256;
const MAX_CAUSE_CHARS = 32_768;

/**
 * What Step Functions answers a token it no longer waits on: the state timed out (HeartbeatSeconds, TimeoutSeconds),
 * the execution ended, or the token was already used (SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat "Errors").
 * Nothing sent with that token can reach the state machine any more, and retrying cannot change that.
 */
const TOKEN_GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** The state machine no longer waits on this task's token: whatever the task does now, it cannot report it. */
export class TaskTokenGone extends Error {
  override readonly name = 'TaskTokenGone';
}

/**
 * The final report (SendTaskSuccess, SendTaskFailure) is retried on transient failures, full jitter: attempt n waits
 * random × min(maxDelayMs, baseDelayMs × 2^(n−1)). The defaults wait at most 0.5+1+2+4 = 7.5 s in all (plus the SDK's
 * own 3 attempts per call), well inside the container's 30 s stopTimeout, so a SIGTERM during the report cannot cut it.
 */
export interface ReportRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}
export const REPORT_RETRY: Readonly<ReportRetry> = { attempts: 5, baseDelayMs: 500, maxDelayMs: 4_000 };

/**
 * Heartbeat every minute by default (HEARTBEAT_INTERVAL_SECONDS). The state's HeartbeatSeconds (asl/README.md) must
 * cover the task's start — provisioning, image pull — before the first one, and several lost ones after it.
 */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 60;

/** The reason the copy is aborted with when the container is asked to stop (SIGTERM). */
export function taskStopped(detail: string): TransientError {
  return new TransientError(`the task was stopped (${detail}) before the copy finished; nothing partial was committed, so a retry copies it again.`);
}

/** TASK_TOKEN and COPY_REQUEST, as the ASL's container override sets them. Without a token nothing can be reported. */
export function readHeavyTaskToken(env: NodeJS.ProcessEnv): string {
  const token = env['TASK_TOKEN'];
  if (!token) throw new ConfigurationError('TASK_TOKEN is not set; the heavy task must be started by the state machine');
  return token;
}

export function readHeavyTaskRequest(env: NodeJS.ProcessEnv): BackupEvent {
  const text = env['COPY_REQUEST'];
  if (!text) throw new InvalidInput('COPY_REQUEST is not set; it must hold the normalized event as JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidInput(`COPY_REQUEST is not JSON: ${JSON.stringify(text.slice(0, 120))}`, { cause: err });
  }
  return parseBackupEvent(parsed);
}

export interface HeavyTaskOptions {
  /** How often to heartbeat after the first one, sent at start; keep well under the state's HeartbeatSeconds. */
  heartbeatMs: number;
  /** Aborted when the container is asked to stop (SIGTERM); its reason is what the task reports. */
  stop?: AbortSignal;
  /** (Default: REPORT_RETRY.) */
  reportRetry?: ReportRetry;
}

/**
 * Runs the copy and reports its result through the token. Returns true when it reported success, false when it
 * reported a failure. Rejects when it could not report at all (the container then exits non-zero):
 * - The first heartbeat goes out at once: HeartbeatSeconds has been running since RunTask, through provisioning and
 *   the image pull. A failing heartbeat is not fatal (the copy may still finish), except TaskTokenGone: the state gave
 *   up on this task (heartbeat timeout) and may already have started another, so the copy is aborted at once.
 * - `stop` (SIGTERM) aborts the copy and reports TransientError "the task was stopped", so the state retries now
 *   instead of waiting for the heartbeat timeout.
 * - A copy that succeeded is reported as a success, retried (REPORT_RETRY), and never turned into a SendTaskFailure:
 *   if Step Functions will not take it, the task exits non-zero and the state's retry finds the copy already current.
 */
export async function runHeavyTask(
  env: NodeJS.ProcessEnv,
  copy: (event: BackupEvent, signal: AbortSignal) => Promise<CopyOutcome>,
  reporter: TaskTokenReporter,
  options: HeavyTaskOptions,
): Promise<boolean> {
  const retry = options.reportRetry ?? REPORT_RETRY;
  const tokenLost = new AbortController();
  const signal = options.stop ? AbortSignal.any([options.stop, tokenLost.signal]) : tokenLost.signal;
  const heartbeat = (): void =>
    void reporter.heartbeat().catch((err: unknown) => {
      if (!isTokenGone(err) || tokenLost.signal.aborted) return;
      logger.warn('Step Functions no longer waits on this task (its heartbeat was refused); stopping the copy', { error: err as Error });
      tokenLost.abort(new TaskTokenGone(`SendTaskHeartbeat was refused with ${errorFacts(err).name}: the state gave up on this task`, { cause: err }));
    });
  heartbeat();
  const timer = setInterval(heartbeat, options.heartbeatMs);
  let outcome: CopyOutcome;
  try {
    outcome = await copy(readHeavyTaskRequest(env), signal);
  } catch (err) {
    if (tokenLost.signal.aborted) throw tokenLost.signal.reason;
    // Stopped: report why, whatever the aborted copy threw on its way out.
    const { error, cause } = errorReport(options.stop?.aborted ? options.stop.reason : err);
    await reportWithRetry('SendTaskFailure', () => reporter.failure(error, cause), retry);
    return false;
  } finally {
    clearInterval(timer);
  }
  await reportWithRetry('SendTaskSuccess', () => reporter.success(outcome), retry);
  return true;
}

/**
 * One final report, retried while its failure is transient (classify-error.ts). A refused token (TaskTokenGone) or
 * any other failure is thrown as it is: the caller exits non-zero and reports nothing else.
 */
async function reportWithRetry(what: string, send: () => Promise<void>, retry: ReportRetry): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      if (isTokenGone(err)) {
        throw new TaskTokenGone(`${what} was refused with ${errorFacts(err).name}: the state no longer waits on this task`, { cause: err });
      }
      if (!isTransient(err) || attempt >= retry.attempts) throw err;
      logger.warn(`${what} failed transiently; retrying`, { attempt, error: err as Error });
      await sleep(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}

function isTokenGone(err: unknown): boolean {
  return TOKEN_GONE.has(errorFacts(err).name);
}

/** The (error, cause) pair Step Functions shows, from a thrown value: the error's name is the contract. */
export function errorReport(err: unknown): { error: string; cause: string } {
  const error = err instanceof Error ? err.name : 'Error';
  const cause = err instanceof Error ? err.message : String(err);
  return { error: error.slice(0, MAX_ERROR_CHARS), cause: cause.slice(0, MAX_CAUSE_CHARS) };
}

/** The reporter the container uses: Step Functions' task-token API. */
export function sfnTaskTokenReporter(sfn: SFNClient, taskToken: string): TaskTokenReporter {
  return {
    success: async (output) => {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    },
    failure: async (error, cause) => {
      await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    },
    heartbeat: async () => {
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
    },
  };
}
