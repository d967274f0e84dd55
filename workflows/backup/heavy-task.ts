import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { CopyOutcome } from '../copy/types';
import { parseBackupEvent } from './copy-step';
import { ConfigurationError, InvalidInput } from './errors';
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
  /** How often to heartbeat; keep well under the state's HeartbeatSeconds. */
  heartbeatMs: number;
}

/**
 * Runs the copy and reports its result through the token. Returns true when it reported success.
 * Heartbeat failures are not fatal (the copy may still finish); a failing final report is thrown, so the container
 * exits non-zero and the state's heartbeat timeout takes over.
 */
export async function runHeavyTask(
  env: NodeJS.ProcessEnv,
  copy: (event: BackupEvent) => Promise<CopyOutcome>,
  reporter: TaskTokenReporter,
  options: HeavyTaskOptions,
): Promise<boolean> {
  const timer = setInterval(() => void reporter.heartbeat().catch(() => undefined), options.heartbeatMs);
  try {
    const outcome = await copy(readHeavyTaskRequest(env));
    await reporter.success(outcome);
    return true;
  } catch (err) {
    const { error, cause } = errorReport(err);
    await reporter.failure(error, cause);
    return false;
  } finally {
    clearInterval(timer);
  }
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
