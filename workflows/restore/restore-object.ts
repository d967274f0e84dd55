import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { IntegrityError, InvalidDestinationName } from '../backup/errors';
import { StreamHasher } from '../copy/checksums';
import { gsUrl } from '../copy/gcs-sink';
import { orderedParts } from '../copy/ordered-parts';
import { getRange } from '../copy/s3-source';
import { readRange } from './gcs-reader';
import { s3KeyProblem, type RestoredHeaders, type RestoreItem } from './plan';
import { deleteTarget, headTarget, putWhole, startMultipart, type TargetObject, type WriteCondition } from './s3-writer';

/**
 * Restores one backup generation to one S3 key: the copy engine's principles run backwards. Parallel ranged reads of
 * the pinned generation, hashed in order (CRC32C), into one PutObject or a multipart upload whose parts and whole
 * carry S3's own CRC32C; the bytes must hash to the CRC32C recorded at backup time before S3 may commit them (a
 * multipart upload is aborted otherwise), and what S3 then holds is checked again. Memory: at most 2 × concurrency
 * parts (being read, being uploaded), whatever the object's size.
 */

export interface RestoreOptions {
  /** Objects up to this size go in one PutObject (Default: 8 MiB, as the copy engine's single-request limit). */
  singleRequestMaxBytes: number;
  /** Ranged-read and multipart part size (Default: 8 MiB; grown so no object needs more than 10,000 parts). */
  partSizeBytes: number;
  /** Parts read, and parts uploaded, at once per object (Default: 4). */
  concurrency: number;
}

export const DEFAULT_RESTORE_OPTIONS: Readonly<RestoreOptions> = { singleRequestMaxBytes: 8 * 1024 * 1024, partSizeBytes: 8 * 1024 * 1024, concurrency: 4 };

export type Overwrite = 'never' | 'if-different';

export interface RestoreContext {
  s3: S3Client;
  storage: Storage;
  gcsBucket: string;
  targetBucket: string;
  overwrite: Overwrite;
  options?: Partial<RestoreOptions>;
  signal?: AbortSignal;
}

export type RestoreOutcomeName = 'restored' | 'already-restored' | 'exists-different';

export interface RestoreOutcome {
  outcome: RestoreOutcomeName;
  key: string;
  /** Bytes written to S3 (0 unless restored). */
  bytes: number;
  /** How the stored bytes were proven: S3's full-object CRC32C, or every byte read back and hashed. */
  verifiedBy?: 'full-object-crc32c' | 'read-back';
}

const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;

export async function restoreObject(item: RestoreItem, ctx: RestoreContext): Promise<RestoreOutcome> {
  const o = { ...DEFAULT_RESTORE_OPTIONS, ...ctx.options };
  const { backup, targetKey: key } = item;
  const where = `${gsUrl(ctx.gcsBucket, backup.name)}#${backup.generation}`;
  const problem = s3KeyProblem(key);
  if (problem) throw new InvalidDestinationName(`Cannot restore ${where} to s3://${ctx.targetBucket}/${key}: ${problem}.`);
  if (backup.crc32c !== item.expectedCrc32c) {
    throw new IntegrityError(`${where} holds bytes with CRC32C ${backup.crc32c ?? 'unknown'}, not the ${item.expectedCrc32c} recorded when it was backed up; not restored.`);
  }

  const existing = await headTarget(ctx.s3, ctx.targetBucket, key, ctx.signal);
  let condition: WriteCondition = { ifNoneMatch: '*' };
  if (existing) {
    if (existing.size === backup.size && sameHeaders(existing.headers, item.headers) && (await holdsContent(ctx, key, existing, item.expectedCrc32c, o))) {
      return { outcome: 'already-restored', key, bytes: 0 };
    }
    if (ctx.overwrite === 'never') return { outcome: 'exists-different', key, bytes: 0 };
    condition = { ifMatch: existing.etag };
  }

  const at = { bucket: ctx.gcsBucket, name: backup.name, generation: backup.generation };
  const mismatch = (ours: string): IntegrityError =>
    new IntegrityError(`${where} read back with CRC32C ${ours}, not the recorded ${item.expectedCrc32c}; nothing was written to s3://${ctx.targetBucket}/${key}.`);
  if (backup.size <= o.singleRequestMaxBytes) {
    const body =
      backup.size === 0 ? Buffer.alloc(0) : await readRange(ctx.storage, at, 0, backup.size - 1, Buffer.allocUnsafe(backup.size), ctx.signal ?? new AbortController().signal);
    const hasher = new StreamHasher({ md5: false });
    hasher.update(body);
    const ours = hasher.digest().crc32c;
    if (ours !== item.expectedCrc32c) throw mismatch(ours);
    await putWhole(ctx.s3, ctx.targetBucket, key, body, ours, item.headers, condition, ctx.signal);
  } else {
    await uploadParts(ctx, item, at, partSizeFor(backup.size, o.partSizeBytes), o.concurrency, condition, mismatch);
  }

  const stored = await headTarget(ctx.s3, ctx.targetBucket, key, ctx.signal);
  const proof = stored && stored.size === backup.size ? await storedProof(ctx, key, stored, item.expectedCrc32c, o) : undefined;
  if (!stored || !proof) {
    if (stored) await deleteTarget(ctx.s3, ctx.targetBucket, key, stored.etag);
    throw new IntegrityError(`s3://${ctx.targetBucket}/${key} does not hold the ${backup.size} bytes with CRC32C ${item.expectedCrc32c} just restored from ${where}; it was removed.`);
  }
  return { outcome: 'restored', key, bytes: backup.size, verifiedBy: proof };
}

/** Parts read in parallel and in order, hashed, uploaded `concurrency` at a time; completed only if the hash matches. */
async function uploadParts(
  ctx: RestoreContext,
  item: RestoreItem,
  at: { bucket: string; name: string; generation: string },
  partSize: number,
  concurrency: number,
  condition: WriteCondition,
  mismatch: (ours: string) => IntegrityError,
): Promise<void> {
  const size = item.backup.size;
  const upload = await startMultipart(ctx.s3, ctx.targetBucket, item.targetKey, item.headers, condition);
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const hasher = new StreamHasher({ md5: false });
    const uploading = new Set<Promise<void>>();
    const parts = orderedParts(
      Math.ceil(size / partSize),
      concurrency,
      (i, signal) => {
        const start = i * partSize;
        const end = Math.min(size, start + partSize) - 1;
        return readRange(ctx.storage, at, start, end, Buffer.allocUnsafe(end - start + 1), signal);
      },
      stop.signal,
    );
    let number = 0;
    for await (const part of parts) {
      hasher.update(part);
      const sending = upload.part(++number, part, stop.signal);
      uploading.add(sending);
      void sending.then(() => uploading.delete(sending), () => undefined);
      if (uploading.size >= concurrency) await Promise.race(uploading);
    }
    await Promise.all(uploading);
    const ours = hasher.digest().crc32c;
    if (ours !== item.expectedCrc32c) throw mismatch(ours);
    await upload.complete(ours, ctx.signal);
  } catch (err) {
    stop.abort(err);
    await upload.abort();
    throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Does the S3 object already hold exactly these bytes? S3's full-object CRC32C says so without a read; else read it. */
async function holdsContent(ctx: RestoreContext, key: string, existing: TargetObject, crc32c: string, o: RestoreOptions): Promise<boolean> {
  return (await storedProof(ctx, key, existing, crc32c, o)) !== undefined;
}

async function storedProof(ctx: RestoreContext, key: string, stored: TargetObject, crc32c: string, o: RestoreOptions): Promise<RestoreOutcome['verifiedBy']> {
  if (stored.checksumType === 'FULL_OBJECT' && stored.crc32c !== undefined) return stored.crc32c === crc32c ? 'full-object-crc32c' : undefined;
  return (await hashS3Object(ctx.s3, ctx.targetBucket, key, stored, o, ctx.signal)) === crc32c ? 'read-back' : undefined;
}

/** CRC32C of an S3 object's bytes, read in parallel ranged GETs pinned to its ETag, with bounded memory. */
export async function hashS3Object(
  s3: S3Client,
  bucket: string,
  key: string,
  stored: { size: number; etag: string },
  o: Pick<RestoreOptions, 'partSizeBytes' | 'concurrency'> = DEFAULT_RESTORE_OPTIONS,
  signal?: AbortSignal,
): Promise<string> {
  const hasher = new StreamHasher({ md5: false });
  const pin = { bucket, key, etag: stored.etag };
  const partSize = o.partSizeBytes;
  const parts = orderedParts(
    Math.ceil(stored.size / partSize),
    o.concurrency,
    (i, sig) => {
      const start = i * partSize;
      const end = Math.min(stored.size, start + partSize) - 1;
      return getRange(s3, pin, start, end, sig);
    },
    signal,
  );
  for await (const part of parts) hasher.update(part);
  return hasher.digest().crc32c;
}

/** Headers compare equal when S3's default type stands for GCS's (the backup wrote application/octet-stream for both). */
export function sameHeaders(a: RestoredHeaders, b: RestoredHeaders): boolean {
  const type = (t?: string): string => (t === undefined || t === 'binary/octet-stream' ? 'application/octet-stream' : t);
  if (type(a.contentType) !== type(b.contentType)) return false;
  for (const k of ['contentEncoding', 'contentLanguage', 'contentDisposition', 'cacheControl'] as const) if ((a[k] ?? '') !== (b[k] ?? '')) return false;
  const ka = Object.keys(a.userMetadata).sort();
  const kb = Object.keys(b.userMetadata).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.userMetadata[k] === b.userMetadata[k]);
}

function partSizeFor(size: number, partSize: number): number {
  const needed = Math.ceil(size / MAX_PARTS);
  return needed <= partSize ? partSize : Math.ceil(needed / MIB) * MIB;
}
