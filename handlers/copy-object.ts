/**
 * Lambda entry for the small and large copiers ("Copy the object with the small/large Lambda") and the mirror-policy
 * delete ("Delete the backup copy"): the normalized event → the engine → the outcome (the execution's output).
 * Named errors propagate untouched: Step Functions reports errorType = error.name, which the ASL's Retry/Catch match.
 * Env: TIER (small|large), DEST_BUCKET, DEST_PREFIX, DEST_LAYOUT, STORAGE_CLASS, PART_SIZE_BYTES, CONCURRENCY,
 * SINGLE_REQUEST_MAX_BYTES, GCS_AUTH_MODE + its parameter/secret NAME. Read once at cold start.
 * A copy that moved bytes publishes BytesCopied/CopyDuration (workflows/metrics.ts); one that ends source-gone,
 * SourceGone; a failed one publishes nothing. The handler itself (tier deadline, metrics) is
 * workflows/handlers/copy-object.ts, which local runs call too.
 */
import { destinationStorage, sourceS3Client } from '../workflows/backup/clients';
import { readCopierConfig } from '../workflows/backup/settings';
import { applyCopierV8Flags } from '../workflows/copy/copier-gc';
import { copier, copyObjectHandler } from '../workflows/handlers/copy-object';

applyCopierV8Flags(); // at cold start, before any copy (copier-gc.ts)

export const handler = copyObjectHandler(
  copier({ config: readCopierConfig(process.env), s3: sourceS3Client(process.env), storage: () => destinationStorage(process.env) }),
);
