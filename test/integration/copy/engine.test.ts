import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { createHash, randomBytes } from 'node:crypto';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { checksumsOf } from '../../../workflows/copy/checksums';
import { copyObject, deleteBackup, type CopyContext, type EngineOptions } from '../../../workflows/copy/engine';
import { deleteGeneration } from '../../../workflows/copy/gcs-sink';
import { PROVENANCE_KEYS as K, toGcsMetadata } from '../../../workflows/copy/metadata';
import type { CopyRequest, CopyTarget } from '../../../workflows/copy/types';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { localS3Client, type S3ObjectEvent } from '../../../workflows/local/s3-server';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type PutExtras, type S3Fixture } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';
import { countRequests } from '../../bench/request-count';

/**
 * The engine against real HTTP: fauxqs (S3) in a child process and the in-repo GCS emulator, through the real
 * @aws-sdk/client-s3 and @google-cloud/storage clients. Every copy is read back through @google-cloud/storage.
 */

const MIB = 1024 * 1024;
const SRC = 'source-bucket';
const DST = 'backup-bucket';
const TARGET: CopyTarget = { bucket: DST, prefix: 'mirror/' };
/** The copy's name, as the engine names it (the default layout: mirror/source-bucket/<key>). */
const nameOf = (key: string): string => destinationObjectName(TARGET, SRC, key);

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;
const events: S3ObjectEvent[] = [];
let keyCounter = 0;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST], onObjectEvent: (e) => events.push(e) }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));
beforeEach(() => {
  emulator.faults.clear();
  storage = storageFor(emulator); // fresh client per test: a failed save() can switch off its retries for good
});

function ctx(options?: Partial<EngineOptions>, extra: Partial<CopyContext> = {}): CopyContext {
  return { s3: s3fx.s3, storage, target: TARGET, options, ...extra };
}

/** Put an object and return the request its S3 event would produce. */
async function put(key: string, data: Buffer, extras: PutExtras = {}, partSize?: number): Promise<CopyRequest> {
  const etag = await putObject(s3fx.s3, SRC, key, data, extras, partSize);
  const event = await eventFor(key, etag);
  return { bucket: SRC, key, etag, size: data.length, sequencer: event.sequencer };
}

function eventFor(key: string, etag: string): Promise<Extract<S3ObjectEvent, { type: 'created' }>> {
  return waitFor(() => events.find((x): x is Extract<S3ObjectEvent, { type: 'created' }> => x.type === 'created' && x.key === key && x.etag === etag), {
    timeoutMs: 5_000,
    what: `the created event of ${key}`,
    intervalMs: 10,
  });
}

/** A two-part upload (5 MiB + rest) whose parts carry their CRC32C, with S3's ChecksumType. */
async function putMultipartCrc32c(key: string, data: Buffer, type: 'FULL_OBJECT' | 'COMPOSITE'): Promise<CopyRequest> {
  const { UploadId } = await s3fx.s3.send(new CreateMultipartUploadCommand({ Bucket: SRC, Key: key, ChecksumAlgorithm: 'CRC32C', ChecksumType: type }));
  const bodies = [data.subarray(0, 5 * MIB), data.subarray(5 * MIB)];
  const parts = [];
  for (const [i, body] of bodies.entries()) {
    const crc = checksumsOf(body, { md5: false }).crc32c;
    const res = await s3fx.s3.send(new UploadPartCommand({ Bucket: SRC, Key: key, UploadId, PartNumber: i + 1, Body: body, ChecksumCRC32C: crc }));
    parts.push({ PartNumber: i + 1, ETag: res.ETag!, ChecksumCRC32C: crc });
  }
  const done = await s3fx.s3.send(new CompleteMultipartUploadCommand({ Bucket: SRC, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  const etag = done.ETag!.replace(/"/g, '');
  const event = await eventFor(key, etag);
  return { bucket: SRC, key, etag, size: data.length, sequencer: event.sequencer };
}

function uniqueKey(label: string): string {
  return `${label}/${++keyCounter}-${Date.now()}`;
}

/** Read the backup through the real client (which checks x-goog-hash) and compare with the source bytes. */
async function expectBackupEquals(key: string, data: Buffer): Promise<void> {
  const file = storage.bucket(DST).file(nameOf(key));
  const [meta] = await file.getMetadata();
  const [back] = await file.download();
  const sums = checksumsOf(data);
  expect(back.length).toBe(data.length);
  expect(createHash('md5').update(back).digest('base64')).toBe(sums.md5);
  expect(meta.crc32c).toBe(sums.crc32c);
  expect(meta.md5Hash).toBe(sums.md5);
  expect(back.equals(data)).toBe(true);
}

async function backupExists(key: string): Promise<boolean> {
  const [exists] = await storage.bucket(DST).file(nameOf(key)).exists();
  return exists;
}

describe('copyObject over HTTP', () => {
  it.each([
    ['0 B', 0],
    ['1 KiB', 1024],
    ['5 MiB', 5 * MIB],
    ['64 MiB', 64 * MIB],
  ])('copies %s byte-identical and reports its checksums', async (_label, size) => {
    const data = randomBytes(size);
    const key = uniqueKey(`sizes-${size}`);
    const req = await put(key, data);
    const out = await copyObject(req, ctx());
    const sums = checksumsOf(data);
    expect(out).toMatchObject({ outcome: 'copied', bytes: size, crc32c: sums.crc32c, md5: sums.md5, destination: `gs://${DST}/${nameOf(key)}` });
    await expectBackupEquals(key, data);
  });

  it('copies an object that is not a multiple of the part size through parallel ranged GETs', async () => {
    const data = randomBytes(3 * MIB + 12_345);
    const key = uniqueKey('odd');
    const req = await put(key, data);
    const out = await copyObject(req, ctx({ singleRequestMaxBytes: 256 * 1024, partSizeBytes: 512 * 1024, concurrency: 3 }));
    expect(out).toMatchObject({ outcome: 'copied', bytes: data.length });
    await expectBackupEquals(key, data);
  });

  it('preserves the HTTP metadata and user metadata, records provenance, and applies the target storage class', async () => {
    const data = Buffer.from('{"hello":"world"}');
    const key = uniqueKey('meta');
    const req = await put(key, data, {
      ContentType: 'application/json',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="x.json"',
      ContentLanguage: 'en-GB',
      CacheControl: 'public, max-age=300',
      Metadata: { owner: 'ops', purpose: 'test' },
    });
    await copyObject(req, { ...ctx(), target: { ...TARGET, storageClass: 'NEARLINE' } });
    const [meta] = await storage.bucket(DST).file(nameOf(key)).getMetadata();
    expect(meta).toMatchObject({
      contentType: 'application/json',
      contentEncoding: 'identity',
      contentDisposition: 'attachment; filename="x.json"',
      contentLanguage: 'en-GB',
      cacheControl: 'public, max-age=300',
      storageClass: 'NEARLINE',
    });
    expect(meta.metadata).toMatchObject({
      owner: 'ops',
      purpose: 'test',
      [K.bucket]: SRC,
      [K.key]: key,
      [K.etag]: req.etag,
      [K.size]: String(data.length),
      [K.sequencer]: req.sequencer,
      [K.crc32c]: checksumsOf(data).crc32c,
    });
    expect(meta.metadata?.[K.lastModified]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('records its own CRC32C on a resumable copy S3 vouched none for, on exactly the generation it verified', async () => {
    const data = randomBytes(6 * MIB);
    const key = uniqueKey('record-crc');
    const req = await put(key, data, {}, 5 * MIB); // multipart without ChecksumAlgorithm: no MD5 ETag and no S3 CRC32C
    const out = await copyObject(req, ctx({ singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 }));
    const [meta] = await storage.bucket(DST).file(nameOf(key)).getMetadata();
    const sums = checksumsOf(data);
    expect(String(meta.generation)).toBe(out.generation);
    expect(String(meta.metageneration)).toBe('2'); // one metadata patch after the upload
    expect(meta.metadata).toMatchObject({ [K.crc32c]: sums.crc32c, [K.verified]: sums.crc32c, [K.etag]: req.etag, [K.sequencer]: req.sequencer });
    expect(meta.crc32c).toBe(sums.crc32c);
    // The record changes no decision: the same event is still already-current.
    expect(await copyObject(req, ctx())).toMatchObject({ outcome: 'already-current', generation: out.generation });
  });

  it.each([
    ['FULL_OBJECT', '1', 'declares S3\'s full-object CRC32C with the upload: no metadata patch'],
    ['COMPOSITE', '2', 'ignores a composite CRC32C (a checksum of part checksums) and records its own'],
  ] as const)('a multipart source with a %s CRC32C (metageneration %s) %s', async (type, metageneration, _what) => {
    const data = randomBytes(6 * MIB);
    const key = uniqueKey(`crc-${type}`);
    const req = await putMultipartCrc32c(key, data, type);
    await copyObject(req, ctx({ singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 }));
    const [meta] = await storage.bucket(DST).file(nameOf(key)).getMetadata();
    const sums = checksumsOf(data);
    expect(meta.metadata).toMatchObject({ [K.crc32c]: sums.crc32c, [K.verified]: sums.crc32c });
    expect(String(meta.metageneration)).toBe(metageneration);
    await expectBackupEquals(key, data);
  });

  it('records the CRC32C through a 503 on the metadata patch (the metageneration guard lets the client retry it)', async () => {
    const data = randomBytes(3 * MIB);
    const key = uniqueKey('record-crc-retry');
    const req = await put(key, data);
    emulator.faults.inject({ operation: 'storage.objects.patch', fault: 'return-503', objectName: nameOf(key) });
    await expect(copyObject(req, ctx({ singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 }))).resolves.toMatchObject({ outcome: 'copied' });
    expect(emulator.faults.fired).toBe(1);
    const [meta] = await storage.bucket(DST).file(nameOf(key)).getMetadata();
    expect(meta.metadata?.[K.crc32c]).toBe(checksumsOf(data).crc32c);
  });

  it('moves no bytes when the destination already holds the version (already-current)', async () => {
    const data = randomBytes(2 * MIB);
    const key = uniqueKey('dup');
    const req = await put(key, data);
    const first = await copyObject(req, ctx());
    const again = await copyObject(req, ctx());
    expect(again).toMatchObject({ outcome: 'already-current', bytes: 0, generation: first.generation, crc32c: first.crc32c });
    const manual = await copyObject({ bucket: SRC, key }, ctx());
    expect(manual).toMatchObject({ outcome: 'already-current', bytes: 0, generation: first.generation });
  });

  it('ignores an older event that arrives after a newer one (stale-event)', async () => {
    const key = uniqueKey('order');
    const older = await put(key, Buffer.from('version one'));
    const newer = await put(key, Buffer.from('version two, longer'));
    expect(await copyObject(newer, ctx())).toMatchObject({ outcome: 'copied' });
    expect(await copyObject(older, ctx())).toMatchObject({ outcome: 'stale-event', bytes: 0 });
    await expectBackupEquals(key, Buffer.from('version two, longer'));
  });

  it('never lets an older event replace what a replay copied (the local S3 has no versioning: If-Match ends it superseded)', async () => {
    const key = uniqueKey('order-after-replay');
    const older = await put(key, Buffer.from('version one'));
    await put(key, Buffer.from('version two, longer'));
    const replayed = await copyObject({ bucket: SRC, key }, ctx());
    expect(replayed).toMatchObject({ outcome: 'copied' });
    await expect(copyObject(older, ctx())).rejects.toMatchObject({ name: 'SourceChanged' });
    await expectBackupEquals(key, Buffer.from('version two, longer'));
  });

  it('reports SourceChanged when the object was overwritten after the event', async () => {
    const key = uniqueKey('changed');
    const stale = await put(key, Buffer.from('first'));
    await put(key, Buffer.from('second'));
    await expect(copyObject(stale, ctx())).rejects.toMatchObject({ name: 'SourceChanged' });
    expect(await backupExists(key)).toBe(false);
  });

  it('reports SourceChanged from If-Match when the object changes in the middle of a ranged copy, and commits nothing', async () => {
    const key = uniqueKey('midcopy');
    const req = await put(key, randomBytes(2 * MIB));
    // A client whose 3rd GET first overwrites the object: later pinned GETs must fail with 412.
    const racing = localS3Client(s3fx.server.endpoint);
    let gets = 0;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && ++gets === 3) await putObject(s3fx.s3, SRC, key, randomBytes(2 * MIB));
        return next(args);
      },
      { step: 'initialize', name: 'overwriteMidCopy' },
    );
    const opts = { singleRequestMaxBytes: 256 * 1024, partSizeBytes: 256 * 1024, concurrency: 1 };
    await expect(copyObject(req, { ...ctx(opts), s3: racing as S3Client })).rejects.toMatchObject({ name: 'SourceChanged' });
    expect(gets).toBe(3); // parts 1-2 read the old object; the 3rd, pinned by If-Match, got 412
    expect(await backupExists(key)).toBe(false);
  });

  it.each([
    ['single-request', 300 * 1024],
    ['resumable', 3 * MIB],
  ])('re-reads the destination and decides again when another writer gets there first (%s upload, HTTP 412)', async (_label, size) => {
    const key = uniqueKey('race');
    const data = randomBytes(size);
    const req = await put(key, data);
    // Between our destination read (absent) and our upload (ifGenerationMatch=0), someone else writes the object;
    // their save (itself ifGenerationMatch=0) succeeding proves ours had not landed, so ours must have met a 412.
    const racing = localS3Client(s3fx.server.endpoint);
    let raced = false;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && !raced) {
          raced = true;
          await storageFor(emulator).bucket(DST).file(nameOf(key)).save('written by someone else', { preconditionOpts: { ifGenerationMatch: 0 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'concurrentWriter' },
    );
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 };
    const out = await copyObject(req, { ...ctx(opts), s3: racing as S3Client });
    expect(raced).toBe(true);
    expect(out).toMatchObject({ outcome: 'copied', bytes: size });
    await expectBackupEquals(key, data);
  });

  describe('requests per small copy, counted on the wire', () => {
    const ports = () => ({ s3: new URL(s3fx.server.endpoint).port, gcs: new URL(emulator.url).port });
    const kinds = (counts: { kind: string; count: number }[]) => Object.fromEntries(counts.map((c) => [c.kind, c.count]));

    it('copies a 1 KiB object in three requests: the destination read with the pinned GET alongside, then one upload', async () => {
      const data = randomBytes(1024);
      const req = await put(uniqueKey('requests'), data);
      const { result, counts, sequence } = await countRequests(ports(), () => copyObject(req, ctx()));
      expect(result).toMatchObject({ outcome: 'copied', bytes: 1024 });
      expect(kinds(counts)).toEqual({ 'S3 GET': 1, 'GCS metadata read': 1, 'GCS upload': 1 });
      expect(sequence.at(-1)).toBe('GCS upload');
      await expectBackupEquals(req.key, data);
    });

    it('reads a single-request object above readAheadMaxBytes by one GET too, once the destination asked for it', async () => {
      const data = randomBytes(100 * 1024);
      const req = await put(uniqueKey('requests-100k'), data);
      const { counts, sequence } = await countRequests(ports(), () => copyObject(req, ctx({ readAheadMaxBytes: 64 * 1024 })));
      expect(sequence).toEqual(['GCS metadata read', 'S3 GET', 'GCS upload']);
      expect(kinds(counts)).not.toHaveProperty('S3 HEAD');
      await expectBackupEquals(req.key, data);
    });

    it('uploads nothing for a duplicate event: the GET read ahead is dropped, and without read-ahead S3 is not asked', async () => {
      const req = await put(uniqueKey('requests-dup'), randomBytes(1024));
      await copyObject(req, ctx());
      const again = await countRequests(ports(), () => copyObject(req, ctx()));
      expect(again.result).toMatchObject({ outcome: 'already-current', bytes: 0 });
      expect(again.sequence).not.toContain('GCS upload');
      expect(kinds(again.counts)).toEqual({ 'GCS metadata read': 1, 'S3 GET': 1 });
      const without = await countRequests(ports(), () => copyObject(req, ctx({ readAheadMaxBytes: 0 })));
      expect(without.result).toMatchObject({ outcome: 'already-current' });
      expect(without.sequence).toEqual(['GCS metadata read']);
    });

    it('still ends an event whose object changed before the copy superseded, in two requests, and copies the newer event', async () => {
      const key = uniqueKey('requests-changed');
      const first = await put(key, Buffer.from('first content'));
      const second = await put(key, Buffer.from('second content, longer'));
      const stale = await countRequests(ports(), () => copyObject(first, ctx()).catch((e: unknown) => e));
      expect(stale.result).toMatchObject({ name: 'SourceChanged' }); // the pinned GET's If-Match: 412
      expect(kinds(stale.counts)).toEqual({ 'GCS metadata read': 1, 'S3 GET': 1 });
      expect(await backupExists(key)).toBe(false);
      expect(await copyObject(second, ctx())).toMatchObject({ outcome: 'copied' });
      // The older event again, now that the newer one is backed up: decided from the destination alone.
      expect(await copyObject(first, ctx())).toMatchObject({ outcome: 'stale-event', bytes: 0 });
      await expectBackupEquals(key, Buffer.from('second content, longer'));
    });
  });

  it('reports SourceNotFound when the object was deleted', async () => {
    const key = uniqueKey('deleted');
    const req = await put(key, Buffer.from('short-lived'));
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    await expect(copyObject(req, ctx())).rejects.toMatchObject({ name: 'SourceNotFound' });
  });

  it.each([
    ['503', 'return-503'],
    ['429', 'return-429'],
    ['a connection reset', 'return-reset-connection'],
  ])('recovers from %s on a single-request upload by the client retrying', async (_label, fault) => {
    const data = randomBytes(300 * 1024);
    const key = uniqueKey('retry-small');
    const req = await put(key, data);
    emulator.faults.inject({ operation: 'storage.objects.insert', fault, objectName: nameOf(key) });
    await expect(copyObject(req, ctx())).resolves.toMatchObject({ outcome: 'copied', bytes: data.length });
    expect(emulator.faults.fired).toBe(1);
    await expectBackupEquals(key, data);
  });

  it.each([
    ['503 when the session starts', 'return-503'],
    ['a connection reset when the session starts', 'return-reset-connection'],
    ['a stream broken mid-chunk', 'return-broken-stream-after-700K'],
  ])('recovers from %s on a resumable upload', async (_label, fault) => {
    const data = randomBytes(3 * MIB);
    const key = uniqueKey('retry-large');
    const req = await put(key, data);
    emulator.faults.inject({ operation: 'storage.objects.insert', fault, objectName: nameOf(key) });
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 };
    await expect(copyObject(req, ctx(opts))).resolves.toMatchObject({ outcome: 'copied', bytes: data.length });
    expect(emulator.faults.fired).toBe(1);
    await expectBackupEquals(key, data);
  });

  it.each([
    ['no fault', undefined],
    ['a chunk broken mid-stream (GCS keeps part of it)', 'return-broken-stream-after-300K'],
    ['a 503 on a chunk', 'return-503'],
    ['a connection reset on a chunk', 'return-reset-connection'],
  ])('reuses part buffers through a many-chunk upload with %s, and stores the exact bytes', async (_label, fault) => {
    const data = randomBytes(8 * MIB + 4321);
    const key = uniqueKey('reuse');
    const req = await put(key, data, {}, 5 * MIB);
    // Fault a chunk in the middle of the upload, when earlier parts' buffers are already being reused.
    const midway = localS3Client(s3fx.server.endpoint);
    let gets = 0;
    midway.middlewareStack.add(
      (next, context) => async (args) => {
        if (fault && context.commandName === 'GetObjectCommand' && ++gets === 20) {
          emulator.faults.inject({ operation: 'storage.objects.insert', fault, objectName: nameOf(key) });
        }
        return next(args);
      },
      { step: 'initialize', name: 'faultMidUpload' },
    );
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: 256 * 1024, concurrency: 2, uploadChunkBytes: 512 * 1024, md5: 'always' as const };
    const out = await copyObject(req, { ...ctx(opts), s3: midway as S3Client });
    expect(out).toMatchObject({ outcome: 'copied', bytes: data.length, md5: checksumsOf(data).md5 });
    expect(emulator.faults.fired).toBe(fault ? 1 : 0);
    await expectBackupEquals(key, data);
  });

  describe('the verified mark (a backup is current only once checked)', () => {
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 };
    const name = nameOf;

    /** What a copier leaves when it dies after GCS committed and before it checked: provenance of the version, no mark. */
    async function leaveUncheckedCopy(req: CopyRequest, bytes: Buffer): Promise<string> {
      const source = { bucket: SRC, key: req.key, size: bytes.length, etag: req.etag!, userMetadata: {} };
      const file = storage.bucket(DST).file(name(req.key));
      await file.save(bytes, { resumable: false, metadata: { ...toGcsMetadata(source, { sequencer: req.sequencer }) }, preconditionOpts: { ifGenerationMatch: 0 } });
      return String(file.metadata.generation);
    }

    it('a corrupt resumable copy whose cleanup delete fails still ends in IntegrityError, and the retry replaces it', async () => {
      const key = uniqueKey('corrupt-cleanup-fails');
      const data = randomBytes(6 * MIB);
      const req = await put(key, data, {}, 5 * MIB); // multipart: S3 vouches for no checksum GCS could check during upload
      emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data', objectName: name(key) });
      emulator.faults.inject({ operation: 'storage.objects.delete', fault: 'return-503', times: 3, objectName: name(key) });
      const noRetries = storageFor(emulator, { retryOptions: { autoRetry: false } }); // the client gives up on the 503 at once
      const failed = copyObject(req, ctx(opts, { storage: noRetries }));
      await expect(failed).rejects.toMatchObject({ name: 'IntegrityError', message: /failed verification .*deleting that generation failed/ });
      await expect(failed).rejects.toHaveProperty('cause.name', 'TransientError');
      const [left] = await storage.bucket(DST).file(name(key)).getMetadata();
      expect(left.metadata).not.toHaveProperty([K.verified]); // the corrupt generation is still there, unmarked

      emulator.faults.clear();
      const retry = await copyObject(req, ctx(opts)); // what the state machine's retry does
      expect(retry).toMatchObject({ outcome: 'copied', bytes: data.length });
      expect(retry.generation).not.toBe(String(left.generation));
      await expectBackupEquals(key, data);
      const [meta] = await storage.bucket(DST).file(name(key)).getMetadata();
      expect(meta.metadata).toMatchObject({ [K.verified]: checksumsOf(data).crc32c });
    });

    it('replaces a copy its copier never checked when its bytes differ from the source (not already-current)', async () => {
      const key = uniqueKey('unchecked-corrupt');
      const data = randomBytes(6 * MIB);
      const req = await put(key, data, {}, 5 * MIB);
      const corrupt = Buffer.from(data);
      corrupt[12345] ^= 0xff;
      const generation = await leaveUncheckedCopy(req, corrupt);
      const out = await copyObject(req, ctx(opts));
      expect(out).toMatchObject({ outcome: 'copied', bytes: data.length });
      expect(out.generation).not.toBe(generation);
      await expectBackupEquals(key, data);
    });

    it('checks an unchecked copy with the right bytes against the source and marks it, uploading nothing', async () => {
      const key = uniqueKey('unchecked-intact');
      const data = randomBytes(6 * MIB);
      const req = await put(key, data, {}, 5 * MIB);
      const generation = await leaveUncheckedCopy(req, data);
      const out = await copyObject(req, ctx(opts));
      expect(out).toMatchObject({ outcome: 'already-current', bytes: 0, generation, detail: expect.stringMatching(/now marked verified/) });
      const [meta] = await storage.bucket(DST).file(name(key)).getMetadata();
      expect(meta.metadata).toMatchObject({ [K.verified]: checksumsOf(data).crc32c });
      expect(String(meta.metageneration)).toBe('2');

      // A dead attempt's cleanup of that generation, landing late, must not remove what this attempt verified.
      await expect(deleteGeneration(storage, DST, name(key), generation, '1')).resolves.toBe('changed');
      expect(await backupExists(key)).toBe(true);
    });
  });

  it('ends in IntegrityError when GCS receives corrupted bytes in one request, and stores nothing', async () => {
    const key = uniqueKey('corrupt-small');
    const req = await put(key, randomBytes(100 * 1024));
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data', objectName: nameOf(key) });
    await expect(copyObject(req, ctx())).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(emulator.faults.fired).toBe(1);
    expect(await backupExists(key)).toBe(false);
  });

  it('ends in IntegrityError when a resumable upload stores corrupted bytes, and removes that generation', async () => {
    const key = uniqueKey('corrupt-large');
    const good = await put(key, randomBytes(2 * MIB));
    await copyObject(good, ctx());
    // A multipart source: no MD5 to declare up front, so only the engine's own comparison can catch it.
    const req = await put(key, randomBytes(6 * MIB), {}, 5 * MIB);
    expect(req.etag).toMatch(/-2$/);
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data', objectName: nameOf(key) });
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 };
    await expect(copyObject(req, ctx(opts))).rejects.toMatchObject({ name: 'IntegrityError', message: /generation \d+ failed verification/ });
    expect(emulator.faults.fired).toBe(1);
    // The corrupt generation is gone; a retry (as the state machine does) then copies cleanly.
    expect(await backupExists(key)).toBe(false);
    await expect(copyObject(req, ctx(opts))).resolves.toMatchObject({ outcome: 'copied' });
  });

  it('catches corrupted bytes of a multipart source by CRC32C alone when no MD5 is verifiable (the default policy)', async () => {
    const key = uniqueKey('corrupt-crc-only');
    const req = await put(key, randomBytes(6 * MIB), {}, 5 * MIB); // multipart ETag, no S3 CRC32C: nothing vouches for an MD5
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data', objectName: nameOf(key) });
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2, uploadChunkBytes: 2 * MIB };
    await expect(copyObject(req, ctx(opts))).rejects.toMatchObject({ name: 'IntegrityError', message: /GCS reports CRC32C .*, we sent/ });
    expect(emulator.faults.fired).toBe(1);
    expect(await backupExists(key)).toBe(false);
  });

  it('with md5: always, hashes MD5 of a multipart source and checks it with what GCS stored', async () => {
    const key = uniqueKey('md5-always');
    const data = randomBytes(6 * MIB);
    const req = await put(key, data, {}, 5 * MIB);
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2, md5: 'always' as const };
    await expect(copyObject(req, ctx(opts))).resolves.toMatchObject({ outcome: 'copied', md5: checksumsOf(data).md5 });
    await expectBackupEquals(key, data);

    const corrupt = uniqueKey('md5-always-corrupt');
    const creq = await put(corrupt, randomBytes(6 * MIB), {}, 5 * MIB);
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data', objectName: nameOf(corrupt) });
    await expect(copyObject(creq, ctx(opts))).rejects.toMatchObject({ name: 'IntegrityError', message: /failed verification/ });
    expect(await backupExists(corrupt)).toBe(false);
  });

  it('lets GCS refuse corrupted bytes of a resumable upload when S3 vouched for the MD5, keeping the previous backup', async () => {
    const key = uniqueKey('corrupt-declared');
    const oldData = randomBytes(2 * MIB);
    await copyObject(await put(key, oldData), ctx());
    const req = await put(key, randomBytes(3 * MIB)); // single-part: its ETag is the MD5, declared to GCS
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data', objectName: nameOf(key) });
    const opts = { singleRequestMaxBytes: MIB, partSizeBytes: MIB, concurrency: 2 };
    await expect(copyObject(req, ctx(opts))).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(emulator.faults.fired).toBe(1);
    await expectBackupEquals(key, oldData);
  });

  it('commits nothing when aborted mid-copy, and rejects with the abort reason', async () => {
    const key = uniqueKey('abort');
    const req = await put(key, randomBytes(4 * MIB));
    const controller = new AbortController();
    const reason = new Error('tier time budget exceeded');
    const slow = localS3Client(s3fx.server.endpoint);
    let gets = 0;
    slow.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && ++gets === 3) controller.abort(reason);
        return next(args);
      },
      { step: 'initialize', name: 'abortMidCopy' },
    );
    const opts = { singleRequestMaxBytes: 256 * 1024, partSizeBytes: 256 * 1024, concurrency: 1 };
    await expect(copyObject(req, { ...ctx(opts), s3: slow as S3Client, signal: controller.signal })).rejects.toBe(reason);
    expect(await backupExists(key)).toBe(false);
  });
});

describe('deleteBackup over HTTP', () => {
  it('deletes the backup guarded by generation, and reports deleted with 0 bytes when already gone', async () => {
    const key = uniqueKey('del');
    const req = await put(key, Buffer.from('to delete'));
    const copied = await copyObject(req, ctx());
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    const removed = events.findLast((e) => e.type === 'removed' && e.key === key);
    const deletion = { bucket: SRC, key, sequencer: removed?.sequencer };
    expect(await deleteBackup(deletion, ctx())).toMatchObject({ outcome: 'deleted', bytes: 0, generation: copied.generation });
    expect(await backupExists(key)).toBe(false);
    expect(await deleteBackup(deletion, ctx())).toMatchObject({ outcome: 'deleted', bytes: 0 });
  });

  it('keeps the backup a replay made of a re-created object when the older delete event arrives late (stale-event)', async () => {
    const key = uniqueKey('del-after-replay');
    await put(key, Buffer.from('v1'));
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    const removed = events.findLast((e) => e.type === 'removed' && e.key === key)!;
    await put(key, Buffer.from('v2 after the delete'));
    // A replay (or backfill, or verify --repair) copies without the event's sequencer.
    expect(await copyObject({ bucket: SRC, key }, ctx())).toMatchObject({ outcome: 'copied' });
    expect(await deleteBackup({ bucket: SRC, key, sequencer: removed.sequencer }, ctx())).toMatchObject({ outcome: 'stale-event' });
    await expectBackupEquals(key, Buffer.from('v2 after the delete'));
  });

  it('keeps a backup that a later write produced (stale delete event)', async () => {
    const key = uniqueKey('del-stale');
    await put(key, Buffer.from('v1'));
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    const removed = events.findLast((e) => e.type === 'removed' && e.key === key)!;
    const rewritten = await put(key, Buffer.from('v2 after the delete'));
    await copyObject(rewritten, ctx());
    expect(await deleteBackup({ bucket: SRC, key, sequencer: removed.sequencer }, ctx())).toMatchObject({ outcome: 'stale-event' });
    await expectBackupEquals(key, Buffer.from('v2 after the delete'));
  });
});
