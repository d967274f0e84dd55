/**
 * Container main of the heavy tier (Fargate), started by "Copy the object with the heavy task" with TASK_TOKEN and
 * COPY_REQUEST in its environment. Same engine as the Lambdas, with more memory and parallelism (PART_SIZE_BYTES,
 * CONCURRENCY from the task definition). Reports through the task token — SendTaskSuccess with the outcome,
 * SendTaskFailure with the error NAME — and exits non-zero on failure. Its lifecycle (workflows/backup/heavy-task.ts):
 * the first heartbeat at start; SIGTERM (StopTask, Fargate maintenance) aborts the copy and reports TransientError
 * "the task was stopped" within the container's stopTimeout; a success report is retried, never turned into a failure.
 * The task definition runs it under an init process (initProcessEnabled), which forwards SIGTERM and reaps children.
 * Env: TASK_TOKEN, COPY_REQUEST (per run); DEST_BUCKET, DEST_PREFIX, DEST_LAYOUT, STORAGE_CLASS, PART_SIZE_BYTES, CONCURRENCY,
 * GCS_AUTH_MODE + its parameter/secret NAME, HEARTBEAT_INTERVAL_SECONDS (Default: 60), DEADLINE_SECONDS (optional).
 * A copy that moved bytes prints the same EMF line as the Lambdas (workflows/metrics.ts); the awslogs driver does not
 * extract EMF, so the task's log group has metric filters reading that line's fields (infra/constructs/dashboard.ts).
 * The main itself is workflows/handlers/heavy-task.ts, which local runs call too.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { destinationStorage, sourceS3Client } from '../workflows/backup/clients';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS, readHeavyTaskToken, sfnTaskTokenReporter, taskStopped } from '../workflows/backup/heavy-task';
import { readCopierConfig } from '../workflows/backup/settings';
import { applyCopierV8Flags } from '../workflows/copy/copier-gc';
import { copier } from '../workflows/handlers/copy-object';
import { heavyTaskHandler } from '../workflows/handlers/heavy-task';
import { logger } from '../workflows/logger';

const sfn = new SFNClient({});

/**
 * Runs one copy and reports it; true when it reported success. Rejects only when it could not report at all (the
 * token was refused or Step Functions stayed unreachable): the state's heartbeat timeout and Retry take over.
 */
export async function main(env: NodeJS.ProcessEnv, stop?: AbortSignal): Promise<boolean> {
  const reporter = sfnTaskTokenReporter(sfn, readHeavyTaskToken(env));
  const run = heavyTaskHandler({
    copier: () => copier({ config: readCopierConfig(env, 'heavy'), s3: sourceS3Client(env), storage: () => destinationStorage(env) }),
    heartbeatMs: Number(env['HEARTBEAT_INTERVAL_SECONDS'] ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS) * 1000,
    ...(env['DEADLINE_SECONDS'] ? { deadlineMs: Number(env['DEADLINE_SECONDS']) * 1000 } : {}),
  });
  return run(env, reporter, stop);
}

/** Aborted on the first SIGTERM, with the reason the task reports (ECS sends SIGKILL after the stopTimeout). */
export function stopOnSigterm(proc: { once(event: 'SIGTERM', listener: () => void): unknown }): AbortSignal {
  const stop = new AbortController();
  proc.once('SIGTERM', () => {
    logger.warn('SIGTERM: stopping the copy and reporting the task as stopped');
    stop.abort(taskStopped('SIGTERM: StopTask or Fargate maintenance'));
  });
  return stop.signal;
}

// Run when started as the container's entry point (node heavy-task.js), not when imported by a test.
if (require.main === module) {
  applyCopierV8Flags(); // before any copy (copier-gc.ts)
  const stop = stopOnSigterm(process);
  main(process.env, stop).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      logger.error('heavy task could not report its result; exiting without reporting anything else', { error: err as Error });
      process.exitCode = 2;
    },
  ).finally(() => {
    // Stopped: leave now rather than wait for sockets of the aborted copy to close (SIGKILL follows the stopTimeout).
    if (stop.aborted) process.exit();
  });
}
