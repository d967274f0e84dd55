import type { Storage } from '@google-cloud/storage';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../../backup/errors';
import { listBackups, readBackup, stateAt, type Backup } from '../../restore/backups';
import { planRestore, type RestoreItem, type RestoreSelection } from '../../restore/plan';
import { restoreObject, type RestoreContext, type RestoreOutcome } from '../../restore/restore-object';
import { TargetChanged } from '../../restore/s3-writer';
import type { RateLimiter } from '../backfill/rate-limiter';
import { mapLimit } from '../sfn-ops';
import { LISTED_SAMPLE, writeCheckpoint, type RestoreCheckpoint } from './checkpoint';

/** A page of backups and the GCS name to resume after once all of them are done. */
export interface RestorePage {
  backups: Backup[];
  position?: string;
}

/** The backups under gs://bucket/prefix after `position`: the live ones, or with `asOf` those live at that time. */
export async function* restorePages(storage: Storage, bucket: string, prefix: string, asOf: Date | undefined, position?: string): AsyncGenerator<RestorePage> {
  // startOffset is inclusive; name + NUL is the first name after it in byte order.
  const startOffset = position === undefined ? undefined : `${position}\u0000`;
  const pages = listBackups(storage, bucket, prefix, { ...(asOf ? { versions: true } : {}), ...(startOffset ? { startOffset } : {}) });
  if (asOf) {
    for await (const page of stateAt(pages, asOf)) yield { backups: page.backups, ...(page.lastName !== undefined ? { position: page.lastName } : {}) };
    return;
  }
  for await (const backups of pages) yield { backups, ...(backups.length > 0 ? { position: backups.at(-1)!.name } : {}) };
}

/** Two source buckets under the prefix restored without --source-bucket: two backups could become one key. */
export class SeveralSourceBuckets extends Error {
  override readonly name = 'SeveralSourceBuckets';
  constructor(readonly buckets: string[]) {
    super(`the backups under this prefix come from several source buckets (${buckets.map((b) => `s3://${b}`).join(', ')})`);
  }
}

export interface RestoreRunDeps {
  ctx: RestoreContext;
  selection: RestoreSelection;
  limiter: RateLimiter;
  /** Objects restored at once. */
  concurrency: number;
  checkpointPath: string;
  /** Set by Ctrl-C: finish the objects in flight, save the checkpoint, stop. */
  stopped: () => boolean;
  onListed?: (n: number) => void;
  onDone?: (kind: RestoreOutcome['outcome'] | 'failed' | 'unproven' | 'filtered', bytes: number) => void;
}

/** Attempts per object for failures that may pass (network, throttling, a target that changed under us). */
const ATTEMPTS = 3;

/**
 * Restores page by page; after each page the checkpoint moves past it. Failed objects are remembered and retried first
 * on the next run; objects restored before an interruption are found identical and counted as already restored.
 */
export async function runRestore(pages: AsyncIterable<RestorePage>, checkpoint: RestoreCheckpoint, deps: RestoreRunDeps): Promise<'done' | 'interrupted'> {
  const retry = checkpoint.failed.splice(0);
  if (retry.length > 0) {
    checkpoint.counts.failed -= retry.length;
    const backups = await mapLimit(retry, deps.concurrency, async (f) => {
      try {
        return await readBackup(deps.ctx.storage, deps.ctx.gcsBucket, f.name, f.generation);
      } catch (err) {
        checkpoint.counts.failed++;
        checkpoint.failed.push({ ...f, error: (err as Error).message });
        return undefined;
      }
    });
    await restoreAll(backups.filter((b): b is Backup => b !== undefined), checkpoint, deps);
    writeCheckpoint(deps.checkpointPath, checkpoint);
  }
  for await (const page of pages) {
    if (deps.stopped()) return 'interrupted';
    deps.onListed?.(page.backups.length);
    checkpoint.counts.listed += page.backups.length;
    await restoreAll(page.backups, checkpoint, deps);
    if (deps.stopped()) {
      // The page may be incomplete: keep the previous position (what was restored is found identical on resume).
      writeCheckpoint(deps.checkpointPath, checkpoint);
      return 'interrupted';
    }
    if (page.position !== undefined) checkpoint.position = page.position;
    writeCheckpoint(deps.checkpointPath, checkpoint);
  }
  checkpoint.done = true;
  writeCheckpoint(deps.checkpointPath, checkpoint);
  return 'done';
}

async function restoreAll(backups: Backup[], checkpoint: RestoreCheckpoint, deps: RestoreRunDeps): Promise<void> {
  const c = checkpoint.counts;
  const items: RestoreItem[] = [];
  for (const backup of backups) {
    const planned = planRestore(backup, deps.selection);
    if (planned.kind === 'filtered') {
      c.filtered++;
      deps.onDone?.('filtered', 0);
    } else if (planned.kind === 'unproven') {
      c.unproven++;
      if (checkpoint.unproven.length < LISTED_SAMPLE) checkpoint.unproven.push({ name: backup.name, reason: planned.reason });
      deps.onDone?.('unproven', 0);
    } else {
      items.push(planned.item);
    }
  }
  noteSourceBuckets(items, checkpoint, deps.selection);
  await mapLimit(items, deps.concurrency, async (item) => {
    if (deps.stopped()) return;
    await deps.limiter.acquire();
    try {
      const done = await withRetries(() => restoreObject(item, deps.ctx));
      if (done.outcome === 'restored') {
        c.restored++;
        c.bytes += done.bytes;
        if (done.verifiedBy === 'read-back') c.verifiedByReadBack++;
        else c.verifiedByS3Checksum++;
      } else if (done.outcome === 'already-restored') {
        c.alreadyRestored++;
      } else {
        c.existsDifferent++;
        if (checkpoint.existsDifferent.length < LISTED_SAMPLE) checkpoint.existsDifferent.push(item.targetKey);
      }
      deps.onDone?.(done.outcome, done.bytes);
    } catch (err) {
      if (deps.ctx.signal?.aborted) throw err;
      c.failed++;
      checkpoint.failed.push({ name: item.backup.name, generation: item.backup.generation, error: `${(err as Error).name}: ${(err as Error).message}` });
      deps.onDone?.('failed', 0);
    }
  });
}

function noteSourceBuckets(items: RestoreItem[], checkpoint: RestoreCheckpoint, selection: RestoreSelection): void {
  for (const item of items) {
    if (item.sourceBucket !== undefined && !checkpoint.sourceBuckets.includes(item.sourceBucket)) checkpoint.sourceBuckets.push(item.sourceBucket);
  }
  if (selection.sourceBucket === undefined && checkpoint.sourceBuckets.length > 1) throw new SeveralSourceBuckets(checkpoint.sourceBuckets);
}

async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof TransientError || err instanceof TargetChanged;
      if (!retriable || attempt >= ATTEMPTS) throw err;
      await sleep(Math.random() * Math.min(2_000, 200 * 2 ** attempt));
    }
  }
}
