import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { setTimeout as sleep } from 'node:timers/promises';
import { decideCopy, decideDelete, type SourceVersion } from '../backup/destination-state';
import { ConfigurationError, IntegrityError, SourceChanged, SourceNotFound, TransientError } from '../backup/errors';
import { destinationObjectName } from '../backup/keys';
import { sourceVersionId } from '../backup/version-id';
import { forObject } from '../logger';
import { StreamHasher, checksumsOf, hashEach, md5Wanted, type ContentChecksums, type Md5Policy } from './checksums';
import {
  DestinationPreconditionFailed,
  addCustomMetadata,
  deleteGeneration,
  gsUrl,
  readDestination,
  uploadBuffer,
  uploadStream,
  type StoredObject,
  type UploadSpec,
} from './gcs-sink';
import { PROVENANCE_KEYS, readProvenance, toGcsMetadata, type Provenance, type SourceObject } from './metadata';
import { currentVersionOf } from './current-version';
import { orderedParts } from './ordered-parts';
import { PartBuffers } from './part-buffers';
import { withEventKey } from './resolve-key';
import { BodyCut, getRange, getSource, getWhole, headSource, s3Url, type SourcePin, type SourceRead } from './s3-source';
import type { CopyOutcome, CopyRequest, CopyTarget, TierName } from './types';
import { assertReadable, assertSameEtag, sourceChecksums, storedMismatch, verifyAgainstSource } from './verify';

/**
 * The copy engine: policy over the two transports. Reads the destination first (idempotency, order; a small
 * object's one GET runs alongside), pins and describes the source, streams it through CRC32C (and MD5 when
 * verifiable, see Md5Policy) into GCS, verifies, and never leaves a corrupt or partial object current.
 */

export interface EngineOptions {
  /** Objects up to this size are read whole and sent in one request (Default: 8 MiB). */
  singleRequestMaxBytes: number;
  /** Ranged-GET part size; a multiple of 256 KiB (Default: 8 MiB). */
  partSizeBytes: number;
  /** Parallel ranged GETs (Default: 4). */
  concurrency: number;
  /**
   * Bytes per resumable-upload request; a multiple of 256 KiB (GCS chunk rule). Each request waits for its answer
   * before the next starts, so a larger chunk means fewer turnarounds, at 2 × its size in memory
   * (Default: 16 MiB, or partSizeBytes when that is larger).
   */
  uploadChunkBytes: number;
  /** When to compute MD5 besides CRC32C (Default: 'when-verifiable'; see Md5Policy in checksums.ts). */
  md5: Md5Policy;
  /**
   * A single-request object up to this size (its size known and its version pinned by the request) is read from S3
   * while the destination is read, instead of after: one round trip less on every copy, for one GET, and its bytes,
   * thrown away when the destination turns out to be current already (a duplicate event, a backfill of what is
   * backed up). 0 reads S3 only once the destination asked for it (Default: 64 KiB).
   */
  readAheadMaxBytes: number;
}

export interface CopyContext {
  s3: S3Client;
  storage: Storage;
  target: CopyTarget;
  options?: Partial<EngineOptions>;
  tier?: TierName;
  /** Aborts an in-flight copy; the call then rejects with `signal.reason`. No partial object is committed. */
  signal?: AbortSignal;
}

const MIB = 1024 * 1024;
const GCS_CHUNK_MULTIPLE = 256 * 1024;
export const DEFAULT_ENGINE_OPTIONS: Readonly<EngineOptions> = {
  singleRequestMaxBytes: 8 * MIB,
  partSizeBytes: 8 * MIB,
  concurrency: 4,
  uploadChunkBytes: 16 * MIB,
  md5: 'when-verifiable',
  readAheadMaxBytes: 64 * 1024,
};
const MD5_POLICIES: readonly Md5Policy[] = ['when-verifiable', 'always'];
/** Re-read and decide again at most this often when another writer changes the destination under us. */
const MAX_DECISIONS = 3;
/**
 * The one retry the engine owns: a part's body cut mid-stream is resumed from the byte after the last one received,
 * up to `resumes` more GETs, each after a full-jitter backoff (random × min(maxDelayMs, baseDelayMs × 2^(n−1))).
 * Requests that fail before a body arrives were already retried by the SDK; they leave at once for the state
 * machine's Retry (docs/reliability.md, "Who retries what").
 */
export const PART_RESUME = { resumes: 3, baseDelayMs: 200, maxDelayMs: 2_000 } as const;

export function resolveEngineOptions(partial: Partial<EngineOptions> = {}): EngineOptions {
  const given = stripUndefined(partial);
  const o: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...given };
  // Never fewer bytes per upload turnaround than per part (what the chunk was before it had its own option).
  if (given.uploadChunkBytes === undefined) o.uploadChunkBytes = Math.max(DEFAULT_ENGINE_OPTIONS.uploadChunkBytes, o.partSizeBytes);
  if (!Number.isInteger(o.partSizeBytes) || o.partSizeBytes <= 0 || o.partSizeBytes % GCS_CHUNK_MULTIPLE !== 0) {
    throw new ConfigurationError(`partSizeBytes must be a positive multiple of 256 KiB, got ${o.partSizeBytes}`);
  }
  if (!Number.isInteger(o.uploadChunkBytes) || o.uploadChunkBytes <= 0 || o.uploadChunkBytes % GCS_CHUNK_MULTIPLE !== 0) {
    throw new ConfigurationError(`uploadChunkBytes must be a positive multiple of 256 KiB (GCS chunk rule), got ${o.uploadChunkBytes}`);
  }
  if (!MD5_POLICIES.includes(o.md5)) {
    throw new ConfigurationError(`md5 must be one of ${MD5_POLICIES.join(', ')}, got ${String(o.md5)}`);
  }
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
    throw new ConfigurationError(`concurrency must be a positive integer, got ${o.concurrency}`);
  }
  if (!Number.isInteger(o.singleRequestMaxBytes) || o.singleRequestMaxBytes < 0) {
    throw new ConfigurationError(`singleRequestMaxBytes must be a non-negative integer, got ${o.singleRequestMaxBytes}`);
  }
  if (!Number.isInteger(o.readAheadMaxBytes) || o.readAheadMaxBytes < 0) {
    throw new ConfigurationError(`readAheadMaxBytes must be a non-negative integer, got ${o.readAheadMaxBytes}`);
  }
  return o;
}

/**
 * Memory model: an upper bound on the bytes of object data this engine holds at once for an object of `sizeBytes`.
 * Small objects: the whole object (one buffer). Large, counted in whole part buffers (a part is reused, or freed, only
 * once all of its bytes are done with, so a slice the upload client keeps holds the whole part): `concurrency` parts being fetched or waiting in order, one part held by the
 * pacer (paceToUpload in gcs-sink.ts), and the parts under the upload's window — up to one chunk sent and kept by the
 * client for a resend until GCS answers, plus up to one chunk and one part written to the client but not yet sent
 * (the pacer's limit): 2 × uploadChunkBytes + 1 part, ending on a part boundary.
 * Not counted: the runtime itself and short-lived socket buffers awaiting GC (measured: ~+15 MiB).
 */
export function engineMemoryBytes(sizeBytes: number, options?: Partial<EngineOptions>): number {
  const o = resolveEngineOptions(options);
  if (sizeBytes <= o.singleRequestMaxBytes) return sizeBytes;
  const parts = Math.ceil(sizeBytes / o.partSizeBytes);
  const uploadWindowParts = Math.ceil((2 * o.uploadChunkBytes) / o.partSizeBytes) + 1;
  return Math.min(parts, o.concurrency + 1 + uploadWindowParts) * o.partSizeBytes;
}

/** Copies one source version; an event key S3 does not have is resolved first (resolve-key.ts), and names the destination. */
export function copyObject(req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome> {
  return withEventKey(ctx.s3, req, (resolved) => copyKey(resolved, ctx), ctx.signal);
}

async function copyKey(req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome> {
  const started = Date.now();
  const options = resolveEngineOptions(ctx.options);
  const name = destinationObjectName(ctx.target, req.bucket, req.key);
  const destination = gsUrl(ctx.target.bucket, name);
  const log = forObject(req);
  const where = s3Url(req);
  const done = (o: Omit<CopyOutcome, 'durationMs' | 'destination' | 'tier'>): CopyOutcome => {
    const outcome: CopyOutcome = { ...o, durationMs: Date.now() - started, destination, ...(ctx.tier ? { tier: ctx.tier } : {}) };
    log.info(`outcome ${outcome.outcome}`, { outcome });
    return outcome;
  };

  const readAhead = startReadAhead(req, ctx, options, where);
  try {
    let source: SourceObject | undefined;
    let smallBody: Buffer | undefined; // kept across re-decisions so a 412 does not re-read S3
    for (let decision = 1; decision <= MAX_DECISIONS; decision++) {
      ctx.signal?.throwIfAborted();
      const current = await readDestination(ctx.storage, ctx.target.bucket, name);
      // Decide on the event's facts first: already-current and stale-event need nothing from S3 (a read ahead is
      // then dropped unused). Else decide again once the source is described (readSource).
      let decided = decideCopy(versionOf(req, source), current);
      if ((decided.action === 'copy' || decided.action === 'reverify' || decided.action === 'ask-current') && !source) {
        const read = await readSource(req, ctx, options, where, readAhead, decided.action === 'ask-current');
        source = read.source;
        smallBody = read.body;
        decided = decideCopy(versionOf(req, source), current);
      }
      // No sequencer or LastModified orders the two versions: S3's current version decides (destination-state.ts).
      let verdict =
        decided.action === 'ask-current'
          ? decideCopy({ ...versionOf(req, source), current: await currentVersionOf(ctx.s3, source!, ctx.signal) }, current)
          : decided;
      log.debug('destination decision', { decision: verdict, generation: current?.generation });
      const src = source!;
      if (verdict.action === 'reverify') {
        // A copy that was never verified (its copier died, or its check failed and the cleanup did not land): it is
        // current only if its bytes are the source's; then it gets the mark, else it is replaced, generation-guarded.
        const existing = current!;
        const read = await readSourceChecksums(ctx, src, options, where, smallBody);
        smallBody = read.body;
        const mismatch = storedMismatch(read.ours, src.size, existing);
        if (!mismatch) {
          if ((await markVerified(ctx, src, name, existing, read.ours.crc32c)) !== 'patched') continue;
          return done({
            outcome: 'already-current',
            bytes: 0,
            crc32c: existing.crc32c,
            md5: existing.md5Hash,
            generation: existing.generation,
            sourceVersionId: src.versionId,
            sourceEtag: src.etag,
            detail: `${verdict.reason}; its bytes match the source, so it is now marked verified`,
          });
        }
        log.warn('replacing an unverified copy whose bytes differ from the source', { generation: existing.generation, mismatch });
        verdict = { action: 'copy', ifGenerationMatch: existing.generation, reason: `unverified copy differs from the source (${mismatch})` };
      }
      if (verdict.action !== 'copy') {
        return done({
          outcome: verdict.action,
          bytes: 0,
          crc32c: current?.crc32c,
          md5: current?.md5Hash,
          generation: verdict.generation,
          sourceVersionId: source?.versionId ?? req.versionId,
          sourceEtag: source?.etag ?? req.etag,
          detail: verdict.reason,
        });
      }
      const spec = (provenance: Provenance): UploadSpec => ({
        bucket: ctx.target.bucket,
        name,
        ifGenerationMatch: verdict.ifGenerationMatch,
        metadata: toGcsMetadata(src, { ...provenance, sequencer: req.sequencer }, ctx.target.storageClass),
      });
      try {
        let copied: Copied;
        if (src.size <= options.singleRequestMaxBytes) {
          smallBody ??= await getWhole(ctx.s3, pinOf(src), src.size, ctx.signal);
          copied = await copySmall(ctx, src, smallBody, options, spec, where);
        } else {
          copied = await copyLarge(ctx, src, options, spec, where);
        }
        await verifyStored(ctx, name, copied.stored, copied.ours, src.size);
        if (!copied.markedAtUpload && (await markVerified(ctx, src, name, copied.stored, copied.ours.crc32c)) !== 'patched') {
          log.info('the destination changed before the copy could be marked verified; deciding again', { decision });
          continue;
        }
        return done({
          outcome: 'copied',
          bytes: src.size,
          crc32c: copied.ours.crc32c,
          // Not computed when nothing independent could check it (Md5Policy); GCS's, verified by the CRC32C, then.
          md5: copied.ours.md5 ?? copied.stored.md5Hash,
          generation: copied.stored.generation,
          sourceVersionId: src.versionId,
          sourceEtag: src.etag,
        });
      } catch (err) {
        if (!(err instanceof DestinationPreconditionFailed)) throw err;
        log.info('destination changed during the copy; deciding again', { decision });
      }
    }
    throw new TransientError(`${destination} changed ${MAX_DECISIONS} times while copying ${where}; retry later.`);
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    const benign = err instanceof SourceNotFound || err instanceof SourceChanged;
    log[benign ? 'info' : 'warn']('copy failed', { error: err as Error });
    throw err;
  } finally {
    readAhead?.stop(); // unused (decided without the source, or failed first): stop its transfer
  }
}

export async function deleteBackup(req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome> {
  const started = Date.now();
  const name = destinationObjectName(ctx.target, req.bucket, req.key);
  const destination = gsUrl(ctx.target.bucket, name);
  const log = forObject(req);
  const done = (o: Omit<CopyOutcome, 'durationMs' | 'destination' | 'tier' | 'bytes'>): CopyOutcome => {
    const outcome: CopyOutcome = { ...o, bytes: 0, durationMs: Date.now() - started, destination, ...(ctx.tier ? { tier: ctx.tier } : {}) };
    log.info(`outcome ${outcome.outcome}`, { outcome });
    return outcome;
  };
  for (let decision = 1; decision <= MAX_DECISIONS; decision++) {
    ctx.signal?.throwIfAborted();
    const current = await readDestination(ctx.storage, ctx.target.bucket, name);
    const asked = decideDelete(versionOf(req, undefined), current);
    const verdict =
      asked.action === 'ask-current'
        ? decideDelete({ ...versionOf(req, undefined), current: await currentVersionOf(ctx.s3, req, ctx.signal) }, current)
        : asked;
    if (verdict.action === 'absent') return done({ outcome: 'deleted', sourceVersionId: req.versionId, detail: verdict.reason });
    if (verdict.action === 'stale-event') {
      return done({ outcome: 'stale-event', generation: verdict.generation, sourceVersionId: req.versionId, detail: verdict.reason });
    }
    const result = await deleteGeneration(ctx.storage, ctx.target.bucket, name, verdict.ifGenerationMatch);
    if (result !== 'changed') return done({ outcome: 'deleted', generation: verdict.ifGenerationMatch, sourceVersionId: req.versionId });
    log.info('destination changed before the delete; deciding again', { decision });
  }
  throw new TransientError(`${destination} changed ${MAX_DECISIONS} times while deleting it; retry later.`);
}

/** A whole-object GET started before the destination was read (EngineOptions.readAheadMaxBytes). */
interface ReadAhead {
  result: Promise<SourceRead>;
  stop: () => void;
}

/**
 * The source as the copy needs it. A single-request object whose size the request gives and whose version it pins
 * (VersionId, else the event's ETag) is described and read by one GET (getSource: the same facts as HeadObject, the
 * same checks, the same named errors; S3's size governs, so an event that understated it is read in ranges after);
 * anything else is described by HeadObject, and large objects then read in ranges (they need the size and S3's
 * full-object checksum first). `toOrder`: the destination holds another version that no sequencer orders, so the
 * source's LastModified decides, and often decides against copying (a replay's backup is newer than a delayed
 * event): HeadObject describes it without moving its bytes.
 */
async function readSource(
  req: CopyRequest,
  ctx: CopyContext,
  options: EngineOptions,
  where: string,
  readAhead: ReadAhead | undefined,
  toOrder: boolean,
): Promise<SourceRead> {
  if (readAhead) return readAhead.result;
  if (readsWhole(req, options) && !toOrder) return getSource(ctx.s3, pinOfRequest(req), options.singleRequestMaxBytes, (s) => checkSource(req, s, where), ctx.signal);
  const source = await headSource(ctx.s3, pinOfRequest(req), ctx.signal);
  checkSource(req, source, where);
  return { source };
}

/** One GET gives the source's description and bytes (readSource): only with a known, bounded size and a pin. */
function readsWhole(req: CopyRequest, options: EngineOptions): boolean {
  const pinned = sourceVersionId(req.versionId) !== undefined || req.etag !== undefined;
  return pinned && req.size !== undefined && req.size <= options.singleRequestMaxBytes;
}

/** Starts the whole-object GET now, to run while the destination is read, when the object is small enough. */
function startReadAhead(req: CopyRequest, ctx: CopyContext, options: EngineOptions, where: string): ReadAhead | undefined {
  if (!readsWhole(req, options) || req.size! > options.readAheadMaxBytes) return undefined;
  const stopper = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stopper.signal]) : stopper.signal;
  const result = getSource(ctx.s3, pinOfRequest(req), options.singleRequestMaxBytes, (s) => checkSource(req, s, where), signal);
  // Its failure matters only if the copy needs the source; until then it must not count as unhandled.
  result.catch(() => undefined);
  return { result, stop: () => stopper.abort() };
}

/** The event's version is still the one S3 serves, and S3 can serve it. */
function checkSource(req: CopyRequest, source: SourceObject, where: string): void {
  assertSameEtag(req.etag, source, where);
  assertReadable(source, where);
}

function pinOfRequest(req: CopyRequest): SourcePin {
  return { bucket: req.bucket, key: req.key, versionId: req.versionId, etag: req.etag };
}

/** A committed upload and what the engine hashed on the way. */
interface Copied {
  stored: StoredObject;
  ours: ContentChecksums;
  /** GCS enforced a declared CRC32C at commit, so the upload carried the verified mark itself. */
  markedAtUpload: boolean;
}

/** Small: whole object in memory, checked against S3 before anything is sent; GCS checks our hashes itself. */
async function copySmall(
  ctx: CopyContext,
  src: SourceObject,
  body: Buffer,
  options: EngineOptions,
  spec: (provenance: Provenance) => UploadSpec,
  where: string,
): Promise<Copied> {
  const ours = checkedChecksums(src, body, options, where);
  // The request declares our CRC32C; GCS commits it only if the bytes it received hash to it.
  const stored = await uploadBuffer(ctx.storage, spec({ crc32c: ours.crc32c, verifiedCrc32c: ours.crc32c }), body, ours, ctx.signal);
  return { stored, ours, markedAtUpload: true };
}

/** Hashes a whole small object and checks it against what S3 vouches for. */
function checkedChecksums(src: SourceObject, body: Buffer, options: EngineOptions, where: string): ContentChecksums {
  const expected = sourceChecksums(src);
  const ours = checksumsOf(body, { md5: md5Wanted(options.md5, expected.md5) });
  verifyAgainstSource(ours, body.length, src, expected, where);
  return ours;
}

/**
 * Large: parallel ranged GETs of `partSizeBytes`, reassembled in order, hashed on the way, into a resumable upload
 * sent in `uploadChunkBytes` requests. Part buffers are reused once GCS confirmed their bytes (PartBuffers).
 * The source checks run after the last byte and before the stream ends, so a mismatch never commits.
 * When S3 vouches for a full-object CRC32C it is declared with the session: GCS then refuses other bytes at commit,
 * and the upload carries the verified mark. Otherwise ours is unknown until the last byte, and the mark is patched on
 * after verification (markVerified).
 */
async function copyLarge(
  ctx: CopyContext,
  src: SourceObject,
  options: EngineOptions,
  spec: (provenance: Provenance) => UploadSpec,
  where: string,
): Promise<Copied> {
  const expected = sourceChecksums(src);
  const hasher = new StreamHasher({ md5: md5Wanted(options.md5, expected.md5) });
  const buffers = new PartBuffers(options.partSizeBytes);
  let ours: ContentChecksums | undefined;

  const checked = hashEach(buffers.handOff(sourceParts(ctx, src, options, buffers)), hasher, () => {
    ours = hasher.digest();
    verifyAgainstSource(ours, hasher.bytes, src, expected, where);
  });
  const declared = expected.crc32c !== undefined;
  const provenance: Provenance = declared ? { crc32c: expected.crc32c, verifiedCrc32c: expected.crc32c } : {};
  const uploadSpec: UploadSpec = { ...spec(provenance), declared: { crc32c: expected.crc32c, md5Hash: expected.md5 } };
  let stored: StoredObject;
  try {
    stored = await uploadStream(ctx.storage, uploadSpec, checked, options.uploadChunkBytes, ctx.signal, (offset) => buffers.confirmed(offset));
  } catch (err) {
    // Once the source ended, GCS may have committed before the failure (e.g. an abort racing the last response).
    if (ours && !declared) await settleUnverifiedCommit(ctx, uploadSpec, src, ours);
    throw err;
  }
  if (!ours) throw new IntegrityError(`${where}: the upload finished before the source stream ended`);
  return { stored, ours, markedAtUpload: declared };
}

/** The source's parts in order, each fetched by a ranged GET into a buffer of `buffers`. */
function sourceParts(ctx: CopyContext, src: SourceObject, options: EngineOptions, buffers: PartBuffers): AsyncIterable<Buffer> {
  const pin = pinOf(src);
  const partSize = options.partSizeBytes;
  return orderedParts(
    Math.ceil(src.size / partSize),
    options.concurrency,
    (i, signal) => {
      const start = i * partSize;
      const end = Math.min(src.size, start + partSize) - 1;
      const into = buffers.take(end - start + 1);
      return fetchPart(ctx.s3, pin, start, end, into, signal);
    },
    ctx.signal,
  );
}

/**
 * The checksums of the pinned source version, checked against what S3 vouches for, without writing anything: S3's
 * own full-object CRC32C when it has one (no GET), else the bytes streamed and hashed with bounded memory. A small
 * object's bytes are returned for the copy that may follow.
 */
async function readSourceChecksums(
  ctx: CopyContext,
  src: SourceObject,
  options: EngineOptions,
  where: string,
  smallBody: Buffer | undefined,
): Promise<{ ours: ContentChecksums; body?: Buffer }> {
  const s3Crc32c = sourceChecksums(src).crc32c;
  if (s3Crc32c !== undefined) return { ours: { crc32c: s3Crc32c }, ...(smallBody ? { body: smallBody } : {}) };
  if (src.size <= options.singleRequestMaxBytes) {
    const body = smallBody ?? (await getWhole(ctx.s3, pinOf(src), src.size, ctx.signal));
    return { ours: checkedChecksums(src, body, options, where), body };
  }
  const expected = sourceChecksums(src);
  const hasher = new StreamHasher({ md5: md5Wanted(options.md5, expected.md5) });
  const buffers = new PartBuffers(options.partSizeBytes);
  for await (const part of buffers.handOff(sourceParts(ctx, src, options, buffers))) {
    hasher.update(part);
    buffers.confirmed(hasher.bytes); // hashed: nothing reads this part again
  }
  const ours = hasher.digest();
  verifyAgainstSource(ours, hasher.bytes, src, expected, where);
  return { ours };
}

/**
 * A copy that failed after its last byte may still have been committed, unverified. Check it now: mark it verified
 * if it is what we hashed, else delete it (guarded by generation and metageneration). If this cannot be done, the
 * next attempt finds it unmarked and checks it against the source itself (decideCopy's 'reverify').
 */
async function settleUnverifiedCommit(ctx: CopyContext, spec: UploadSpec, src: SourceObject, ours: ContentChecksums): Promise<void> {
  const log = forObject(src);
  try {
    const current = await readDestination(ctx.storage, spec.bucket, spec.name);
    if (!current || current.generation === spec.ifGenerationMatch) return;
    const recorded = readProvenance(current.metadata);
    if (recorded.bucket !== src.bucket || recorded.key !== src.key || recorded.etag !== src.etag) return;
    const mismatch = storedMismatch(ours, src.size, current);
    if (!mismatch) {
      await markVerified(ctx, src, spec.name, current, ours.crc32c);
      return;
    }
    const removal = await deleteGeneration(ctx.storage, spec.bucket, spec.name, current.generation, current.metageneration);
    log.warn('removed an unverified generation left by a failed copy', { generation: current.generation, mismatch, removal });
  } catch (cleanupError) {
    log.error('could not check for an unverified generation after a failed copy', { error: cleanupError as Error });
  }
}

/**
 * Marks exactly the generation we verified as "this source version, verified" (PROVENANCE_KEYS.verified), and records
 * the CRC32C of the copy when the session could not carry it. Guarded by generation and metageneration: 'changed'
 * or 'absent' mean another writer came first, and the caller decides again. Not best effort: until the mark is on,
 * the backup does not count as current, so a failure here fails the step and its retry checks the object again.
 * Cost: one Class A operation ($0.005 per 1,000) per resumable copy without an S3 full-object CRC32C.
 */
async function markVerified(
  ctx: CopyContext,
  src: SourceObject,
  name: string,
  stored: StoredObject,
  crc32c: string,
): Promise<'patched' | 'changed' | 'absent'> {
  // A new generation starts at metageneration 1; if GCS did not say, 1 is the only value worth guarding with.
  const at = { generation: stored.generation, metageneration: stored.metageneration ?? '1' };
  const mark: Record<string, string> = { [PROVENANCE_KEYS.verified]: crc32c };
  if (readProvenance(stored.metadata).crc32c === undefined) mark[PROVENANCE_KEYS.crc32c] = crc32c;
  const result = await addCustomMetadata(ctx.storage, ctx.target.bucket, name, at, mark);
  if (result !== 'patched') forObject(src).info('did not mark the copy verified: the destination changed after it', { destination: gsUrl(ctx.target.bucket, name), ...at, result });
  return result;
}

/**
 * GCS must hold exactly what we hashed; otherwise remove that generation so nothing corrupt stays current. The error
 * that leaves is always IntegrityError, whatever happened to the cleanup (its failure goes in the cause): the ASL
 * retries or alerts on that name, and a retry finds the unmarked generation and replaces it. The delete is guarded
 * by generation AND metageneration, so a late delete can never remove a generation a later attempt marked verified.
 */
async function verifyStored(ctx: CopyContext, name: string, stored: StoredObject, ours: ContentChecksums, size: number): Promise<void> {
  const mismatch = storedMismatch(ours, size, stored);
  if (!mismatch) return;
  const failed = `${gsUrl(ctx.target.bucket, name)} generation ${stored.generation} failed verification (${mismatch})`;
  let removal: string;
  let cleanupError: unknown;
  try {
    const result = await deleteGeneration(ctx.storage, ctx.target.bucket, name, stored.generation, stored.metageneration);
    removal = result === 'deleted' ? 'that generation was deleted' : `that generation was not deleted (${result})`;
  } catch (err) {
    cleanupError = err;
    removal = `deleting that generation failed (${(err as Error).message}); it carries no verified mark, so the next attempt replaces it`;
  }
  throw new IntegrityError(`${failed}; ${removal}. Retry once, then investigate.`, cleanupError ? { cause: cleanupError } : undefined);
}

function versionOf(req: CopyRequest, source: SourceObject | undefined): SourceVersion {
  return {
    bucket: req.bucket,
    key: req.key,
    versionId: source?.versionId ?? req.versionId,
    etag: source?.etag ?? req.etag,
    size: source?.size ?? req.size,
    sequencer: req.sequencer,
    lastModified: source?.lastModified,
  };
}

function pinOf(src: SourceObject): SourcePin {
  return { bucket: src.bucket, key: src.key, versionId: src.versionId, etag: src.etag };
}

/** Bytes [start, end] of the object into `into`; a cut body resumes at the first missing byte (PART_RESUME). */
async function fetchPart(s3: S3Client, pin: SourcePin, start: number, end: number, into: Buffer, signal: AbortSignal): Promise<Buffer> {
  let received = 0;
  for (let resume = 1; ; resume++) {
    try {
      await getRange(s3, pin, start + received, end, signal, into.subarray(received));
      return into;
    } catch (err) {
      if (!(err instanceof BodyCut) || signal.aborted) throw err;
      received += err.received;
      if (received === into.length) return into; // every byte arrived before the connection dropped
      if (resume > PART_RESUME.resumes) {
        throw new TransientError(`${s3Url(pin)} bytes ${start}-${end}: the body was cut ${resume} times (${received} bytes received); retry the copy later.`, {
          cause: err,
        });
      }
      const delayMs = Math.random() * Math.min(PART_RESUME.maxDelayMs, PART_RESUME.baseDelayMs * 2 ** (resume - 1));
      await sleep(delayMs, undefined, { signal });
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
