/**
 * Container main of the heavy tier (Fargate), started by "Copy the object with the heavy task" with TASK_TOKEN and
 * COPY_REQUEST in its environment. Same engine as the Lambdas, with more memory and parallelism (PART_SIZE_BYTES,
 * CONCURRENCY from the task definition). Reports through the task token — SendTaskSuccess with the outcome,
 * SendTaskFailure with the error NAME — and exits non-zero on failure.
 * Env: TASK_TOKEN, COPY_REQUEST (per run); DEST_BUCKET, DEST_PREFIX, DEST_LAYOUT, STORAGE_CLASS, PART_SIZE_BYTES, CONCURRENCY,
 * GCS_AUTH_MODE + its parameter/secret NAME, HEARTBEAT_INTERVAL_SECONDS (Default: 60), DEADLINE_SECONDS (optional).
 * A copy that moved bytes prints the same EMF line as the Lambdas (workflows/metrics.ts); the awslogs driver does not
 * extract EMF, so the task's log group has metric filters reading that line's fields (infra/constructs/dashboard.ts).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { destinationStorage, sourceS3Client } from '../workflows/backup/clients';
import { runCopyStep, tierDeadline } from '../workflows/backup/copy-step';
import { readHeavyTaskToken, runHeavyTask, sfnTaskTokenReporter } from '../workflows/backup/heavy-task';
import { readCopierConfig } from '../workflows/backup/settings';
import { copyObject, deleteBackup } from '../workflows/copy/engine';
import { logger } from '../workflows/logger';
import { metrics, publishCopyMetrics } from '../workflows/metrics';

const sfn = new SFNClient({});

/** Runs one copy and reports it; true when it reported success. Rejects only when it could not report at all. */
export async function main(env: NodeJS.ProcessEnv): Promise<boolean> {
  const reporter = sfnTaskTokenReporter(sfn, readHeavyTaskToken(env));
  const heartbeatMs = Number(env['HEARTBEAT_INTERVAL_SECONDS'] ?? 60) * 1000;
  return runHeavyTask(
    env,
    async (event) => {
      // Inside the reported part: a configuration error reaches the state machine by name instead of a silent exit.
      const config = readCopierConfig(env, 'heavy');
      const signal = tierDeadline('heavy', env['DEADLINE_SECONDS'] ? Number(env['DEADLINE_SECONDS']) * 1000 : undefined);
      const ctx = { s3: sourceS3Client(env), storage: await destinationStorage(env), target: config.target };
      const outcome = await runCopyStep(event, { ...ctx, options: config.engine, tier: config.tier, ...(signal ? { signal } : {}) }, { copyObject, deleteBackup }, metrics);
      publishCopyMetrics(outcome, config.tier);
      return outcome;
    },
    reporter,
    { heartbeatMs },
  );
}

// Run when started as the container's entry point (node heavy-task.js), not when imported by a test.
if (require.main === module) {
  main(process.env).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      logger.error('heavy task could not report its result', { error: err as Error });
      process.exitCode = 2;
    },
  );
}
