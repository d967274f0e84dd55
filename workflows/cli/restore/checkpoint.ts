import { existsSync, readFileSync } from 'node:fs';
export { writeCheckpoint } from '../backfill/checkpoint';

/** Where a restore stands, so an interrupted one resumes instead of starting over (as a backfill does). */
export interface RestoreCheckpoint {
  version: 1;
  kind: 'restore';
  /** What is restored where, with every option that changes the selection: a checkpoint is only reused for the same. */
  scope: string;
  /** Resume after this GCS name (the last name of the last finished page). */
  position?: string;
  done: boolean;
  counts: RestoreCounts;
  /** Source buckets seen so far (two of them under one prefix could map two backups to one key). */
  sourceBuckets: string[];
  /** Objects whose restore failed; retried first by the next run. */
  failed: { name: string; generation: string; error: string }[];
  /** Backups without provenance, listed and skipped (first 1,000). */
  unproven: { name: string; reason: string }[];
  /** Keys that exist in the target with other content, left alone by --overwrite never (first 1,000). */
  existsDifferent: string[];
  updatedAt: string;
}

export interface RestoreCounts {
  listed: number;
  restored: number;
  alreadyRestored: number;
  existsDifferent: number;
  unproven: number;
  filtered: number;
  failed: number;
  /** Bytes written by restores. */
  bytes: number;
  /** How the restored objects were proven: S3's full-object CRC32C, or every byte read back and hashed. */
  verifiedByS3Checksum: number;
  verifiedByReadBack: number;
}

export const LISTED_SAMPLE = 1000;

export function newRestoreCheckpoint(scope: string): RestoreCheckpoint {
  return {
    version: 1,
    kind: 'restore',
    scope,
    done: false,
    counts: { listed: 0, restored: 0, alreadyRestored: 0, existsDifferent: 0, unproven: 0, filtered: 0, failed: 0, bytes: 0, verifiedByS3Checksum: 0, verifiedByReadBack: 0 },
    sourceBuckets: [],
    failed: [],
    unproven: [],
    existsDifferent: [],
    updatedAt: new Date().toISOString(),
  };
}

export function readRestoreCheckpoint(path: string): RestoreCheckpoint | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as RestoreCheckpoint;
  if (parsed.version !== 1 || parsed.kind !== 'restore' || typeof parsed.scope !== 'string') throw new Error(`${path} is not a restore checkpoint`);
  return parsed;
}
