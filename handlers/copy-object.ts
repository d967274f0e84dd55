/**
 * Lambda entry for the small and large copiers ("Copy the object with the small/large Lambda") and the mirror-policy
 * delete ("Delete the backup copy"): the normalized event → the engine → the outcome (the execution's output).
 * Named errors propagate untouched: Step Functions reports errorType = error.name, which the ASL's Retry/Catch match.
 * Env: TIER (small|large), DEST_BUCKET, DEST_PREFIX, DEST_LAYOUT, STORAGE_CLASS, PART_SIZE_BYTES, CONCURRENCY,
 * SINGLE_REQUEST_MAX_BYTES, GCS_AUTH_MODE + its parameter/secret NAME. Read once at cold start.
 * A copy that moved bytes publishes BytesCopied/CopyDuration (workflows/metrics.ts); one that ends source-gone,
 * SourceGone; a failed one publishes nothing.
 */
import type { Context } from 'aws-lambda';
import { destinationStorage, sourceS3Client } from '../workflows/backup/clients';
import { parseBackupEvent, runCopyStep, tierDeadline } from '../workflows/backup/copy-step';
import { readCopierConfig } from '../workflows/backup/settings';
import { copyObject, deleteBackup } from '../workflows/copy/engine';
import type { CopyOutcome } from '../workflows/copy/types';
import { metrics, publishCopyMetrics } from '../workflows/metrics';

const config = readCopierConfig(process.env);
const s3 = sourceS3Client(process.env);

export const handler = async (payload: unknown, context?: Context): Promise<CopyOutcome> => {
  const event = parseBackupEvent(payload);
  const storage = await destinationStorage(process.env);
  const signal = tierDeadline(config.tier, context?.getRemainingTimeInMillis());
  const outcome = await runCopyStep(
    event,
    { s3, storage, target: config.target, options: config.engine, tier: config.tier, ...(signal ? { signal } : {}) },
    { copyObject, deleteBackup },
    metrics,
  );
  publishCopyMetrics(outcome, config.tier);
  return outcome;
};
