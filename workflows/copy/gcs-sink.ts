import type { Storage } from '@google-cloud/storage';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { classifyError, httpStatusOf } from '../backup/classify-error';
import { isBackupError } from '../backup/errors';
import type { GcsObjectMetadata } from './metadata';

/**
 * Transport for the GCS side. Every write carries ifGenerationMatch, which (a) stops concurrent copies from
 * clobbering newer data and (b) is what makes @google-cloud/storage retry uploads at all (it retries
 * 408/429/5xx/resets, and resumes failed resumable chunks, only for writes with a precondition).
 * The client's own hashing is off (validation: false): the engine hashes once and compares.
 */

/** What GCS reports for a stored object. */
export interface StoredObject {
  generation: string;
  /** Counts metadata changes of this generation (absent if GCS did not say). */
  metageneration?: string;
  size: number;
  /** Base64 big-endian CRC32C, as GCS reports it. */
  crc32c?: string;
  /** Base64 MD5 (absent for composite objects). */
  md5Hash?: string;
  metadata: Record<string, unknown>;
}

/** The destination changed between our read and our write (HTTP 412): re-read and decide again. */
export class DestinationPreconditionFailed extends Error {
  override readonly name = 'DestinationPreconditionFailed';
}

export interface UploadSpec {
  bucket: string;
  name: string;
  /** '0' when the object must not exist yet, else the generation we read. */
  ifGenerationMatch: string;
  metadata: GcsObjectMetadata;
  /** Content hashes known before a resumable upload starts (from S3); GCS then refuses other bytes itself. */
  declared?: { crc32c?: string; md5Hash?: string };
}

export async function readDestination(storage: Storage, bucket: string, name: string): Promise<StoredObject | undefined> {
  try {
    const [meta] = await storage.bucket(bucket).file(name).getMetadata();
    return stored(meta);
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined; // no such object (a missing bucket shows up at upload)
    throw classifyError(err, { side: 'gcs', operation: 'read destination metadata', location: gsUrl(bucket, name) });
  }
}

/**
 * Single-request (multipart) upload of bytes already in memory. The content's CRC32C (and MD5, when computed) go in
 * the object resource, so GCS itself refuses bytes that arrive corrupted.
 */
export async function uploadBuffer(
  storage: Storage,
  spec: UploadSpec,
  data: Buffer,
  hashes: { crc32c: string; md5?: string },
  signal?: AbortSignal,
): Promise<StoredObject> {
  const file = storage.bucket(spec.bucket).file(spec.name);
  try {
    const saving = file.save(data, {
      resumable: false,
      validation: false,
      preconditionOpts: { ifGenerationMatch: Number(spec.ifGenerationMatch) },
      metadata: { ...spec.metadata, crc32c: hashes.crc32c, ...(hashes.md5 !== undefined ? { md5Hash: hashes.md5 } : {}) },
    });
    // save() takes no signal; stop waiting instead. A request already sent either completes whole (a valid
    // object, bytes checked by GCS) or fails: a single-request upload is never left partial.
    await (signal ? raceAbort(saving, signal) : saving);
    return stored(file.metadata);
  } catch (err) {
    throw sinkError(err, 'upload', spec);
  }
}

/**
 * Resumable upload fed by a stream, in `chunkSize` requests (a multiple of 256 KiB; each request waits for its answer
 * before the next starts, so fewer, larger chunks mean fewer turnarounds). The total length is not
 * announced, so GCS commits the object only after the source stream ENDS: a source that fails or a check that
 * throws before the end leaves no new object behind (just an abandoned session).
 * `onConfirmed(offset)` is called as GCS confirms the bytes before `offset`, which the upload will then never read
 * again (their buffers may be reused).
 */
export async function uploadStream(
  storage: Storage,
  spec: UploadSpec,
  source: AsyncIterable<Buffer>,
  chunkSize: number,
  signal?: AbortSignal,
  onConfirmed?: (offset: number) => void,
): Promise<StoredObject> {
  const file = storage.bucket(spec.bucket).file(spec.name);
  let sessionStarted = false;
  try {
    const sink = file.createWriteStream({
      resumable: true,
      chunkSize,
      validation: false,
      preconditionOpts: { ifGenerationMatch: Number(spec.ifGenerationMatch) },
      metadata: { ...spec.metadata, ...spec.declared },
    });
    // Once the session URI exists, a 404 from GCS is about the session (expired or lost), not the bucket.
    sink.once('uri', () => (sessionStarted = true));
    const body = Readable.from(paceToUpload(source, sink, chunkSize, onConfirmed), { objectMode: false, highWaterMark: 1 });
    await pipeline(body, sink, signal ? { signal } : {});
    return stored(file.metadata);
  } catch (err) {
    throw sinkError(err, 'resumable upload', spec, sessionStarted);
  }
}

/**
 * Backpressure the resumable upload does not give. In chunked mode @google-cloud/storage 8.4 acknowledges each
 * write once when it gathers a chunk and again when it sends it, so a fast source is let in twice as fast as it
 * drains and its buffer grows with the object (measured: +230 MiB for a 256 MiB copy with 2 MiB chunks).
 * Here the source waits while more than `maxAhead` (= one chunk) bytes are written but not yet sent ('progress'
 * events); one chunk ahead is enough for the client to see whether more data follows before it sends a chunk.
 *
 * The same events bound what GCS has confirmed. In chunked mode every request starts at an offset GCS confirmed
 * (after a 308, or after asking GCS following a failure) and carries at most one chunk, and the client reports
 * `bytesWritten` as it sends; so everything before `bytesWritten - chunkSize` is confirmed, and the client, which
 * only ever resends from a confirmed offset, will not read it again.
 */
async function* paceToUpload(
  source: AsyncIterable<Buffer>,
  sink: Writable,
  maxAhead: number,
  onConfirmed?: (offset: number) => void,
): AsyncGenerator<Buffer> {
  let sent = 0;
  let confirmed = 0;
  let wake: (() => void) | undefined;
  const onProgress = (e: { bytesWritten?: number }): void => {
    sent = e.bytesWritten ?? sent;
    if (sent - maxAhead > confirmed) {
      confirmed = sent - maxAhead;
      onConfirmed?.(confirmed);
    }
    wake?.();
  };
  const onDone = (): void => {
    sent = Infinity; // the sink failed or closed: stop holding the source back, the pipeline is ending
    wake?.();
  };
  sink.on('progress', onProgress).once('error', onDone).once('close', onDone);
  try {
    let written = 0;
    for await (const chunk of source) {
      while (written - sent > maxAhead) {
        // The timeout only matters if a client version stopped reporting progress: never hang, just pace less.
        if (!(await progressOrTimeout((w) => (wake = w), PROGRESS_WAIT_MS))) break;
      }
      written += chunk.length;
      yield chunk;
    }
  } finally {
    sink.off('progress', onProgress).off('error', onDone).off('close', onDone);
  }
}

const PROGRESS_WAIT_MS = 10_000;

/** Resolves true when woken, false after `ms`. */
function progressOrTimeout(setWake: (wake: () => void) => void, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    setWake(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Delete the object only while it is still `generation` — and, when given, still at `metageneration`, so a cleanup
 * that lands late cannot remove a generation another attempt has since checked and marked (a metadata patch).
 */
export async function deleteGeneration(
  storage: Storage,
  bucket: string,
  name: string,
  generation: string,
  metageneration?: string,
): Promise<'deleted' | 'absent' | 'changed'> {
  try {
    await storage
      .bucket(bucket)
      .file(name)
      .delete({ ifGenerationMatch: Number(generation), ...(metageneration !== undefined ? { ifMetagenerationMatch: Number(metageneration) } : {}) });
    return 'deleted';
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) return 'absent';
    if (status === 412) return 'changed';
    throw classifyError(err, { side: 'gcs', operation: 'delete', location: gsUrl(bucket, name) });
  }
}

/**
 * Adds custom metadata keys (a PATCH merges them into the existing ones) to exactly the object version named:
 * only while it is still `generation` and nobody changed its metadata since `metageneration`. The metageneration
 * precondition is also what makes @google-cloud/storage retry a metadata patch at all. 'changed' = a precondition
 * failed (another write or patch came first); 'absent' = the object is gone.
 */
export async function addCustomMetadata(
  storage: Storage,
  bucket: string,
  name: string,
  at: { generation: string; metageneration: string },
  custom: Record<string, string>,
): Promise<'patched' | 'changed' | 'absent'> {
  try {
    await storage
      .bucket(bucket)
      .file(name)
      .setMetadata({ metadata: custom }, { ifGenerationMatch: Number(at.generation), ifMetagenerationMatch: Number(at.metageneration) });
    return 'patched';
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) return 'absent';
    if (status === 412) return 'changed';
    throw classifyError(err, { side: 'gcs', operation: 'patch metadata', location: gsUrl(bucket, name) });
  }
}

export function gsUrl(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}

function sinkError(err: unknown, operation: string, spec: UploadSpec, uploadSession = false): Error {
  // Already named (a source failure or a check fed through the upload's stream): not GCS's to judge.
  if (isBackupError(err)) return err;
  if (httpStatusOf(err) === 412) {
    return new DestinationPreconditionFailed(
      `${operation} of ${gsUrl(spec.bucket, spec.name)}: generation is no longer ${spec.ifGenerationMatch}`,
      { cause: err },
    );
  }
  return classifyError(err, { side: 'gcs', operation, location: gsUrl(spec.bucket, spec.name), uploadSession });
}

function stored(meta: Record<string, unknown> | undefined): StoredObject {
  const m = meta ?? {};
  return {
    generation: String(m.generation ?? ''),
    ...(m.metageneration !== undefined ? { metageneration: String(m.metageneration) } : {}),
    size: Number(m.size ?? NaN),
    crc32c: typeof m.crc32c === 'string' ? m.crc32c : undefined,
    md5Hash: typeof m.md5Hash === 'string' ? m.md5Hash : undefined,
    metadata: (m.metadata as Record<string, unknown> | undefined) ?? {},
  };
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
