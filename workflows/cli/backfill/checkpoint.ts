import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a backfill stands, so an interrupted one resumes instead of starting over. */
export interface Checkpoint {
  version: 1;
  stateMachineArn: string;
  /** What is being backfilled: `s3://bucket/prefix` or the manifest's URL. */
  scope: string;
  /** Resume after this position (listing: the last key of the last finished page; manifest: `file:row`). */
  position?: string;
  done: boolean;
  counts: { listed: number; started: number; alreadyExists: number; failed: number };
  /** Objects whose start failed; retried first by the next run. */
  failed: { bucket: string; key: string; etag: string; versionId?: string; error: string }[];
  updatedAt: string;
}

export function newCheckpoint(stateMachineArn: string, scope: string): Checkpoint {
  return { version: 1, stateMachineArn, scope, done: false, counts: { listed: 0, started: 0, alreadyExists: 0, failed: 0 }, failed: [], updatedAt: new Date().toISOString() };
}

export function readCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  if (parsed.version !== 1 || typeof parsed.scope !== 'string') throw new Error(`${path} is not a backfill checkpoint`);
  return parsed;
}

/** Atomic (write + rename): a crash never leaves half a checkpoint. */
export function writeCheckpoint(path: string, checkpoint: { updatedAt: string }): void {
  mkdirSync(dirname(path), { recursive: true });
  checkpoint.updatedAt = new Date().toISOString();
  writeFileSync(`${path}.tmp`, `${JSON.stringify(checkpoint, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
