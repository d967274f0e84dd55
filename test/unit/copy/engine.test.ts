import type { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, HeadObjectCommand, NotFound, S3Client, type GetObjectCommandInput } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { runCopyStep } from '../../../workflows/backup/copy-step';
import { SourceNotFound } from '../../../workflows/backup/errors';
import { normalizeExecutionInput } from '../../../workflows/backup/normalize';
import { checksumsOf } from '../../../workflows/copy/checksums';
import {
  DEFAULT_ENGINE_OPTIONS,
  copyObject,
  deleteBackup,
  engineMemoryBytes,
  resolveEngineOptions,
  type CopyContext,
} from '../../../workflows/copy/engine';
import { PROVENANCE_KEYS as K } from '../../../workflows/copy/metadata';
import { logger } from '../../../workflows/logger';
import { S3_GET_FAILURES, loadRecordedErrors, rebuildError } from '../../support/recorded-errors';

/**
 * Policy tests of the engine with no network: S3 through aws-sdk-client-mock, GCS through an in-memory fake of
 * the few @google-cloud/storage calls the sink makes (getMetadata, save, createWriteStream, setMetadata, delete) that
 * applies generation/metageneration preconditions and declared hashes the way GCS does.
 */

const KIB = 1024;
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });

interface StoredFake {
  data: Buffer;
  generation: number;
  resource: Record<string, unknown>;
}

class FakeGcs {
  objects = new Map<string, StoredFake>();
  private nextGeneration = 1_700_000_000_000_000;
  corruptNextWrite = false;
  /** The resumable upload commits, then reports this error (a failure racing the final response). */
  failAfterCommit: Error | undefined;
  /** Runs just before a write checks its precondition (simulates a concurrent writer). */
  beforeWrite: (() => void) | undefined;
  writes: { kind: 'save' | 'resumable'; opts: Record<string, unknown> }[] = [];
  deletes: { name: string; ifGenerationMatch: unknown }[] = [];
  patches: { name: string; metadata: Record<string, unknown>; opts: Record<string, unknown> }[] = [];
  /** Runs just before a metadata patch checks its preconditions. */
  beforePatch: (() => void) | undefined;
  /** The next metadata patch fails with this error (after the client's own retries). */
  failPatch: Error | undefined;
  /**
   * The resumable client's contract the engine relies on to reuse part buffers: it reads a chunk it was given only
   * until GCS confirmed it, i.e. until `bytesWritten` is a whole chunk past it. Counted here: given memory that changed
   * before then (must stay 0), and given memory that changed after (the engine reused it).
   */
  changedBeforeConfirmed = 0;
  reusedAfterConfirmed = 0;
  /** What a write reports as md5Hash, given the real one (composite objects report none). */
  reportMd5: (real: string) => string | undefined = (real) => real;

  put(name: string, data: Buffer, metadata: Record<string, string>): StoredFake {
    const sums = checksumsOf(data);
    const generation = this.nextGeneration++;
    const stored = {
      data,
      generation,
      resource: { name, generation: String(generation), metageneration: '1', size: String(data.length), crc32c: sums.crc32c, md5Hash: sums.md5, metadata },
    };
    this.objects.set(name, stored);
    return stored;
  }

  private write(name: string, data: Buffer, opts: Record<string, unknown>): Record<string, unknown> {
    const fire = this.beforeWrite;
    this.beforeWrite = undefined;
    fire?.();
    const want = Number((opts.preconditionOpts as { ifGenerationMatch: number }).ifGenerationMatch);
    const current = this.objects.get(name)?.generation ?? 0;
    if (want !== current) throw Object.assign(new Error('Precondition Failed'), { code: 412 });
    const meta = opts.metadata as Record<string, unknown>;
    if (this.corruptNextWrite) {
      this.corruptNextWrite = false;
      data = Buffer.from(data);
      if (data.length > 0) data[0] = data[0]! ^ 0xff;
    }
    const sums = checksumsOf(data);
    if (meta.crc32c !== undefined && meta.crc32c !== sums.crc32c) {
      throw Object.assign(new Error(`Provided CRC32C "${String(meta.crc32c)}" doesn't match calculated CRC32C`), { code: 400 });
    }
    const { metadata: custom, ...rest } = meta;
    const stored = this.put(name, data, custom as Record<string, string>);
    Object.assign(stored.resource, rest, { crc32c: sums.crc32c, md5Hash: this.reportMd5(sums.md5!) });
    return stored.resource;
  }

  storage(): Storage {
    const file = (name: string) => {
      const api = {
        metadata: undefined as Record<string, unknown> | undefined,
        getMetadata: async () => {
          const o = this.objects.get(name);
          if (!o) throw Object.assign(new Error('No such object'), { code: 404 });
          return [o.resource];
        },
        save: async (data: Buffer, opts: Record<string, unknown>) => {
          this.writes.push({ kind: 'save', opts });
          api.metadata = this.write(name, data, opts);
        },
        createWriteStream: (opts: Record<string, unknown>) => {
          this.writes.push({ kind: 'resumable', opts });
          const chunks: Buffer[] = [];
          const given: { memory: Buffer; copy: Buffer; end: number }[] = [];
          const chunkSize = Number(opts.chunkSize);
          let bytes = 0;
          const audit = (): void => {
            for (const g of given.splice(0)) {
              const intact = g.memory.equals(g.copy);
              if (g.end > bytes - chunkSize) {
                if (!intact) this.changedBeforeConfirmed++;
                given.push(g);
              } else if (!intact) this.reusedAfterConfirmed++;
              else given.push(g);
            }
          };
          const sink: Writable = new Writable({
            write(chunk: Buffer, _enc, cb) {
              audit();
              chunks.push(Buffer.from(chunk)); // what GCS keeps: a copy
              bytes += chunk.length;
              given.push({ memory: chunk, copy: Buffer.from(chunk), end: bytes });
              sink.emit('progress', { bytesWritten: bytes }); // as the real client reports bytes sent
              cb();
            },
            final: (cb) => {
              audit();
              try {
                api.metadata = this.write(name, Buffer.concat(chunks), opts);
                cb(this.failAfterCommit);
              } catch (err) {
                cb(err as Error);
              }
            },
          });
          return sink;
        },
        setMetadata: async (changes: { metadata: Record<string, unknown> }, opts: { ifGenerationMatch?: number; ifMetagenerationMatch?: number }) => {
          this.patches.push({ name, metadata: changes.metadata, opts });
          const fire = this.beforePatch;
          this.beforePatch = undefined;
          fire?.();
          const failure = this.failPatch;
          this.failPatch = undefined;
          if (failure) throw failure;
          const o = this.objects.get(name);
          if (!o) throw Object.assign(new Error('No such object'), { code: 404 });
          const { generation, metageneration } = o.resource as { generation: string; metageneration: string };
          if (opts.ifGenerationMatch !== undefined && String(opts.ifGenerationMatch) !== generation) throw Object.assign(new Error('Precondition Failed'), { code: 412 });
          if (opts.ifMetagenerationMatch !== undefined && String(opts.ifMetagenerationMatch) !== metageneration) throw Object.assign(new Error('Precondition Failed'), { code: 412 });
          o.resource.metadata = { ...(o.resource.metadata as Record<string, unknown>), ...changes.metadata };
          o.resource.metageneration = String(Number(metageneration) + 1);
          return [o.resource];
        },
        delete: async (opts: { ifGenerationMatch: number }) => {
          this.deletes.push({ name, ifGenerationMatch: opts.ifGenerationMatch });
          const o = this.objects.get(name);
          if (!o) throw Object.assign(new Error('Not found'), { code: 404 });
          if (o.generation !== opts.ifGenerationMatch) throw Object.assign(new Error('Precondition Failed'), { code: 412 });
          this.objects.delete(name);
        },
      };
      return api;
    };
    return { bucket: () => ({ file }) } as unknown as Storage;
  }
}

/**
 * Serve one S3 object through the mock, honouring Range, and count the calls. A GET answers with the same
 * description of the version as a HEAD, as S3 does (the engine reads a small object's facts from its one GET).
 */
function serveS3(data: Buffer, head: Record<string, unknown> = {}) {
  const etag = createHash('md5').update(data).digest('hex');
  const facts = { ContentLength: data.length, ETag: `"${etag}"`, ContentType: 'text/plain', ...head };
  s3Mock.on(HeadObjectCommand).resolves(facts);
  s3Mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const m = /bytes=(\d+)-(\d+)/.exec(input.Range ?? '');
    const slice = m ? data.subarray(Number(m[1]), Number(m[2]) + 1) : data;
    return { ...facts, ContentLength: slice.length, Body: Readable.from([slice]) };
  });
  return etag;
}

/** The verified mark a checked copy of `data` carries. */
function mark(data: Buffer): Record<string, string> {
  return { [K.verified]: checksumsOf(data).crc32c };
}

const recordedS3 = new Map(loadRecordedErrors('s3.json').map((r) => [r.id, r.error]));
/** An error the AWS SDK really threw (test/fixtures/errors/s3.json). */
const replay = (id: string): Error => rebuildError(recordedS3.get(id)!);

/** The abort signal the engine passed with a command (client.send's second argument). */
function abortSignalOf(call: { args: unknown[] }): AbortSignal | undefined {
  return (call.args[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
}

let gcs: FakeGcs;
function ctx(extra: Partial<CopyContext> = {}): CopyContext {
  return {
    s3,
    storage: gcs.storage(),
    // Naming is keys.ts's concern (test/unit/backup/keys.test.ts); the legacy layout keeps these names `backup/<key>`.
    target: { bucket: 'dst', prefix: 'backup/', layout: { kind: 'legacy', sourceBucket: 'src' } },
    options: { singleRequestMaxBytes: 256 * KIB, partSizeBytes: 256 * KIB, concurrency: 3 },
    tier: 'small',
    ...extra,
  };
}

/** S3 is asked only once the destination decided it needs the source (no read-ahead). */
const noReadAhead: Partial<CopyContext> = {
  options: { singleRequestMaxBytes: 256 * KIB, partSizeBytes: 256 * KIB, concurrency: 3, readAheadMaxBytes: 0 },
};

beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => {
  s3Mock.reset();
  gcs = new FakeGcs();
});

describe('copyObject — small objects', () => {
  it('reads once, sends one request carrying our hashes, and reports the copy', async () => {
    const data = randomBytes(10 * KIB);
    const etag = serveS3(data);
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag, size: data.length, sequencer: '0A' }, ctx());

    const sums = checksumsOf(data);
    expect(out).toMatchObject({ outcome: 'copied', bytes: data.length, crc32c: sums.crc32c, md5: sums.md5, sourceEtag: etag, tier: 'small' });
    expect(out.destination).toBe('gs://dst/backup/a.txt');
    expect(out.generation).toBe(String(gcs.objects.get('backup/a.txt')!.generation));
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { IfMatch: `"${etag}"` });
    expect(gcs.writes).toHaveLength(1);
    expect(gcs.writes[0]!.opts).toMatchObject({
      resumable: false,
      validation: false,
      preconditionOpts: { ifGenerationMatch: 0 },
      metadata: { crc32c: sums.crc32c, md5Hash: sums.md5, contentType: 'text/plain' },
    });
    expect(gcs.objects.get('backup/a.txt')!.resource.metadata).toMatchObject({ [K.sequencer]: '0A', [K.etag]: etag, [K.crc32c]: sums.crc32c });
  });

  it('is already-current without touching S3 when the event names the version already copied', async () => {
    gcs.put('backup/a.txt', Buffer.from('x'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: 'e1', [K.size]: '1', ...mark(Buffer.from('x')) });
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag: 'e1', size: 1, sequencer: '0B' }, ctx(noReadAhead));
    expect(out).toMatchObject({ outcome: 'already-current', bytes: 0 });
    expect(s3Mock.calls()).toHaveLength(0);
    expect(gcs.writes).toHaveLength(0);
  });

  it('reads a small object in one GET that runs alongside the destination read: no HeadObject', async () => {
    const data = randomBytes(KIB);
    const etag = serveS3(data, { ContentType: 'application/json', Metadata: { owner: 'ops' }, CacheControl: 'no-cache' });
    let destinationRead = false;
    const storage = gcs.storage();
    const file = storage.bucket('dst').file.bind(storage.bucket('dst'));
    // The GET is sent before the destination's metadata read answers.
    s3Mock.on(GetObjectCommand).callsFake(() => {
      expect(destinationRead).toBe(false);
      return { ContentLength: data.length, ETag: `"${etag}"`, ContentType: 'application/json', Metadata: { owner: 'ops' }, CacheControl: 'no-cache', Body: Readable.from([data]) };
    });
    const slowStorage = {
      bucket: () => ({
        file: (name: string) => {
          const f = file(name);
          const read = f.getMetadata.bind(f);
          f.getMetadata = (async () => {
            await new Promise((r) => setImmediate(r));
            destinationRead = true;
            return read();
          }) as typeof f.getMetadata;
          return f;
        },
      }),
    } as unknown as Storage;
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag, size: data.length, sequencer: '0A' }, ctx({ storage: slowStorage }));

    expect(out).toMatchObject({ outcome: 'copied', bytes: data.length });
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'src', Key: 'a.txt', IfMatch: `"${etag}"`, ChecksumMode: 'ENABLED' });
    // The destination gets the content headers and user metadata the GET described, as it got HeadObject's.
    expect(gcs.writes[0]!.opts).toMatchObject({ metadata: { contentType: 'application/json', cacheControl: 'no-cache', metadata: { owner: 'ops' } } });
  });

  it('reads a single-request object above readAheadMaxBytes in one GET too, sent only once the destination asked for it', async () => {
    const data = randomBytes(100 * KIB);
    const etag = serveS3(data);
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag, size: data.length }, ctx({ options: { ...ctx().options, readAheadMaxBytes: 64 * KIB } }));
    expect(out).toMatchObject({ outcome: 'copied', bytes: data.length });
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('drops the GET read ahead when the destination is already current: stopped, nothing uploaded', async () => {
    const data = Buffer.from('x');
    const etag = serveS3(data);
    gcs.put('backup/a.txt', data, { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: etag, [K.size]: '1', ...mark(data) });
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag, size: 1, sequencer: '0B' }, ctx());
    expect(out).toMatchObject({ outcome: 'already-current', bytes: 0 });
    expect(gcs.writes).toHaveLength(0);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(abortSignalOf(s3Mock.commandCalls(GetObjectCommand)[0]!)?.aborted).toBe(true);
  });

  it('drops the GET read ahead when the destination holds a newer sequencer, even if the GET failed', async () => {
    gcs.put('backup/a.txt', Buffer.from('new'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: 'e2', [K.size]: '3', [K.sequencer]: '0100' });
    s3Mock.on(GetObjectCommand).rejects(replay('s3-get-missing-key'));
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag: 'e1', size: 3, sequencer: 'FF' }, ctx());
    expect(out).toMatchObject({ outcome: 'stale-event', bytes: 0 });
    expect(gcs.writes).toHaveLength(0);
  });

  it('is already-current after HeadObject when a manual request names only the key', async () => {
    const data = Buffer.from('same');
    const etag = serveS3(data);
    gcs.put('backup/a.txt', data, { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: etag, [K.size]: '4', ...mark(data) });
    const out = await copyObject({ bucket: 'src', key: 'a.txt' }, ctx());
    expect(out).toMatchObject({ outcome: 'already-current', bytes: 0, sourceEtag: etag });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('is stale-event without touching S3 when the destination holds a newer sequencer', async () => {
    gcs.put('backup/a.txt', Buffer.from('new'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: 'e2', [K.size]: '3', [K.sequencer]: '0100' });
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag: 'e1', size: 3, sequencer: 'FF' }, ctx(noReadAhead));
    expect(out).toMatchObject({ outcome: 'stale-event', bytes: 0 });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('throws SourceChanged when S3 holds another ETag than the event', async () => {
    serveS3(Buffer.from('newer content'));
    await expect(copyObject({ bucket: 'src', key: 'a.txt', etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }, ctx())).rejects.toMatchObject({
      name: 'SourceChanged',
    });
    expect(gcs.writes).toHaveLength(0);
  });

  it('refuses an archived object before reading it', async () => {
    serveS3(Buffer.from('cold'), { StorageClass: 'DEEP_ARCHIVE' });
    await expect(copyObject({ bucket: 'src', key: 'a.txt' }, ctx())).rejects.toMatchObject({ name: 'SourceNotReadable' });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('uploads nothing when the bytes read disagree with the S3 ETag (MD5)', async () => {
    const data = Buffer.from('original');
    serveS3(data, { ETag: `"${createHash('md5').update('something else').digest('hex')}"` });
    await expect(copyObject({ bucket: 'src', key: 'a.txt' }, ctx())).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(gcs.writes).toHaveLength(0);
  });

  it('does not treat an SSE-KMS ETag as an MD5', async () => {
    const data = Buffer.from('kms');
    serveS3(data, { ETag: '"0123456789abcdef0123456789abcdef"', ServerSideEncryption: 'aws:kms' });
    await expect(copyObject({ bucket: 'src', key: 'a.txt' }, ctx())).resolves.toMatchObject({ outcome: 'copied' });
  });

  it('checks an S3 full-object CRC32C against the bytes read', async () => {
    const data = Buffer.from('hello world');
    serveS3(data, { ETag: '"abc-2"', ChecksumCRC32C: checksumsOf(Buffer.from('hello there')).crc32c, ChecksumType: 'FULL_OBJECT' });
    await expect(copyObject({ bucket: 'src', key: 'a.txt' }, ctx())).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(gcs.writes).toHaveLength(0);
  });

  it('turns GCS refusing our declared hash into IntegrityError and leaves nothing behind', async () => {
    const data = Buffer.from('payload');
    serveS3(data);
    gcs.corruptNextWrite = true;
    await expect(copyObject({ bucket: 'src', key: 'a.txt' }, ctx())).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(gcs.objects.has('backup/a.txt')).toBe(false);
  });

  it('re-reads and decides again when another writer changed the destination (412)', async () => {
    const data = Buffer.from('v2 content');
    const etag = serveS3(data);
    gcs.beforeWrite = () => gcs.put('backup/a.txt', Buffer.from('v1'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: 'old', [K.size]: '2' });
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag, size: data.length }, ctx());
    expect(out.outcome).toBe('copied');
    expect(gcs.writes.map((w) => (w.opts.preconditionOpts as { ifGenerationMatch: number }).ifGenerationMatch)).toEqual([
      0,
      gcs.objects.get('backup/a.txt')!.generation - 1,
    ]);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1); // the bytes were kept, not re-read
    expect(gcs.objects.get('backup/a.txt')!.data).toEqual(data);
  });

  it('ends already-current when the concurrent writer copied the same version', async () => {
    const data = Buffer.from('same version');
    const etag = serveS3(data);
    gcs.beforeWrite = () => gcs.put('backup/a.txt', data, { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: etag, [K.size]: String(data.length), ...mark(data) });
    await expect(copyObject({ bucket: 'src', key: 'a.txt', etag, size: data.length }, ctx())).resolves.toMatchObject({
      outcome: 'already-current',
      bytes: 0,
    });
  });

  it('rejects keys GCS cannot store before any request', async () => {
    await expect(copyObject({ bucket: 'src', key: 'bad\nname' }, ctx())).rejects.toMatchObject({ name: 'InvalidDestinationName' });
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

/**
 * A small object with its size and pin in the event is described by its one GET, not by HeadObject: every check
 * HeadObject's answer went through holds on the GET's, with the same named errors, before anything is uploaded.
 */
describe('copyObject — the one-GET path keeps every source check', () => {
  const data = Buffer.from('small and pinned');
  const etag = createHash('md5').update(data).digest('hex');
  const event = { bucket: 'src', key: 'a.txt', etag, size: data.length, sequencer: '0A' };
  const modes: [string, Partial<CopyContext>][] = [
    ['read ahead', {}],
    ['after the destination read', noReadAhead],
  ];

  describe.each(modes)('(%s)', (_mode, extra) => {
    it.each(S3_GET_FAILURES)('S3 answering the GET with %s is %s, and nothing is uploaded', async (id, expected) => {
      s3Mock.on(GetObjectCommand).rejects(replay(id));
      await expect(copyObject(event, ctx(extra))).rejects.toMatchObject({ name: expected });
      expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
      expect(gcs.writes).toHaveLength(0);
    });

    it('a version pinned by VersionId whose ETag is not the event\'s is SourceChanged (superseded)', async () => {
      serveS3(data, { ETag: '"0123456789abcdef0123456789abcdef"', VersionId: 'v2' });
      await expect(copyObject({ ...event, versionId: 'v2' }, ctx(extra))).rejects.toMatchObject({ name: 'SourceChanged' });
      expect(gcs.writes).toHaveLength(0);
    });

    it('an archived version S3 describes as not restored is SourceNotReadable, before its body is read', async () => {
      serveS3(data, { StorageClass: 'DEEP_ARCHIVE' });
      await expect(copyObject(event, ctx(extra))).rejects.toMatchObject({ name: 'SourceNotReadable' });
      expect(gcs.writes).toHaveLength(0);
    });

    it('a restored archived version is copied', async () => {
      serveS3(data, { StorageClass: 'GLACIER', Restore: 'ongoing-request="false", expiry-date="Fri, 01 Jan 2027 00:00:00 GMT"' });
      await expect(copyObject(event, ctx(extra))).resolves.toMatchObject({ outcome: 'copied', bytes: data.length });
    });

    it('checks the bytes against the single-part ETag (MD5) the GET described', async () => {
      serveS3(Buffer.from('small and pinnex'), { ETag: `"${etag}"` });
      await expect(copyObject(event, ctx(extra))).rejects.toMatchObject({ name: 'IntegrityError' });
      expect(gcs.writes).toHaveLength(0);
    });

    it("checks the bytes against S3's full-object CRC32C the GET described", async () => {
      serveS3(data, { ChecksumCRC32C: checksumsOf(Buffer.from('other')).crc32c, ChecksumType: 'FULL_OBJECT', ServerSideEncryption: 'aws:kms' });
      await expect(copyObject(event, ctx(extra))).rejects.toMatchObject({ name: 'IntegrityError' });
      expect(gcs.writes).toHaveLength(0);
    });
  });

  it("lets S3's size govern when the event understated it: a body beyond singleRequestMaxBytes is left unread and copied in ranges", async () => {
    const big = randomBytes(600 * KIB);
    const bigEtag = serveS3(big);
    const out = await copyObject({ bucket: 'src', key: 'a.txt', etag: bigEtag, size: 10 }, ctx());
    expect(out).toMatchObject({ outcome: 'copied', bytes: big.length });
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    const ranges = s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range);
    expect(ranges).toEqual([undefined, 'bytes=0-262143', 'bytes=262144-524287', 'bytes=524288-614399']);
    expect(gcs.objects.get('backup/a.txt')!.data.equals(big)).toBe(true);
  });

  it('a destination that holds the version, unverified, is checked against the GET\'s bytes and marked: no second read, no upload', async () => {
    serveS3(data);
    gcs.put('backup/a.txt', data, { [K.bucket]: 'src', [K.key]: 'a.txt', [K.etag]: etag, [K.size]: String(data.length) });
    await expect(copyObject(event, ctx())).resolves.toMatchObject({ outcome: 'already-current', bytes: 0 });
    expect(s3Mock.calls()).toHaveLength(1);
    expect(gcs.writes).toHaveLength(0);
    expect(gcs.patches).toHaveLength(1);
  });
});

describe('copyObject — large objects', () => {
  const size = 1000 * KIB + 123; // 4 parts of 256 KiB, the last one short

  it('fetches pinned ranges in parallel and streams them in order into a resumable upload', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"multipart-4"' });
    const out = await copyObject({ bucket: 'src', key: 'big.bin', etag: 'multipart-4', size }, ctx({ tier: 'large' }));

    expect(out).toMatchObject({ outcome: 'copied', bytes: size, md5: checksumsOf(data).md5, tier: 'large' });
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
    const ranges = s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range);
    expect(ranges.sort()).toEqual(['bytes=0-262143', 'bytes=262144-524287', 'bytes=524288-786431', `bytes=786432-${size - 1}`].sort());
    for (const call of s3Mock.commandCalls(GetObjectCommand)) expect(call.args[0].input.IfMatch).toBe('"multipart-4"');
    expect(gcs.writes[0]).toMatchObject({
      kind: 'resumable',
      opts: { resumable: true, chunkSize: 16 * 1024 * KIB, validation: false, preconditionOpts: { ifGenerationMatch: 0 } },
    });
  });

  it('sends the upload in uploadChunkBytes requests, whatever the part size', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    const options = { singleRequestMaxBytes: 256 * KIB, partSizeBytes: 256 * KIB, concurrency: 3, uploadChunkBytes: 512 * KIB };
    await copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ options }));
    expect(gcs.writes[0]!.opts).toMatchObject({ chunkSize: 512 * KIB });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(4); // still 256 KiB ranged GETs
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
  });

  it('reuses part buffers once the upload confirmed their bytes, and never before', async () => {
    const data = randomBytes(4 * 1024 * KIB + 123); // 17 parts of 256 KiB
    serveS3(data, { ETag: '"m-17"' });
    const options = { singleRequestMaxBytes: 256 * KIB, partSizeBytes: 256 * KIB, concurrency: 2, uploadChunkBytes: 256 * KIB };
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ options }))).resolves.toMatchObject({ outcome: 'copied', bytes: data.length });
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
    expect(gcs.changedBeforeConfirmed).toBe(0);
    expect(gcs.reusedAfterConfirmed).toBeGreaterThan(5);
  });

  it('never commits when the S3 full-object CRC32C disagrees with the stream', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"', ChecksumCRC32C: 'AAAAAA==', ChecksumType: 'FULL_OBJECT' });
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx())).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });

  it('deletes the generation GCS stored when it hashes differently, then throws IntegrityError', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.corruptNextWrite = true;
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx())).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(gcs.deletes).toHaveLength(1);
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });

  it('declares the S3-vouched hashes when the resumable session starts, so GCS checks them too', async () => {
    const data = randomBytes(size);
    const crc = checksumsOf(data).crc32c;
    serveS3(data, { ETag: '"m-4"', ChecksumCRC32C: crc, ChecksumType: 'FULL_OBJECT' });
    await copyObject({ bucket: 'src', key: 'big.bin' }, ctx());
    expect(gcs.writes[0]!.opts.metadata).toMatchObject({ crc32c: crc, metadata: { [K.crc32c]: crc } });
  });

  it('removes a generation that was committed unverified when the upload then failed', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.corruptNextWrite = true;
    gcs.failAfterCommit = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx())).rejects.toMatchObject({ name: 'TransientError' });
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });

  it('keeps a generation committed intact before the failure, marking it verified; the retry finds it already-current', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.failAfterCommit = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).rejects.toMatchObject({ name: 'TransientError' });
    // The retry will not hash it again: the failed attempt is the last one that knows its CRC32C.
    expect(gcs.objects.get('backup/big.bin')!.resource.metadata).toMatchObject({ [K.crc32c]: checksumsOf(data).crc32c, ...mark(data) });
    gcs.failAfterCommit = undefined;
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).resolves.toMatchObject({ outcome: 'already-current' });
  });

  it('marks the copy verified, with its own CRC32C, only once verified when S3 vouched for none, guarded by generation and metageneration', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    const out = await copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx());
    const crc = checksumsOf(data).crc32c;
    expect(gcs.writes[0]!.opts.metadata).not.toHaveProperty(['metadata', K.crc32c]); // unknown when the session started
    expect(gcs.writes[0]!.opts.metadata).not.toHaveProperty(['metadata', K.verified]); // never before the check
    expect(gcs.patches).toEqual([
      { name: 'backup/big.bin', metadata: { [K.verified]: crc, [K.crc32c]: crc }, opts: { ifGenerationMatch: Number(out.generation), ifMetagenerationMatch: 1 } },
    ]);
    const stored = gcs.objects.get('backup/big.bin')!.resource;
    expect(stored).toMatchObject({ generation: out.generation, metageneration: '2', metadata: { [K.crc32c]: crc, [K.verified]: crc, [K.etag]: 'm-4' } });
  });

  it('patches nothing when the upload declared its CRC32C, which GCS enforces at commit: the upload carries the mark', async () => {
    const small = randomBytes(10 * KIB);
    serveS3(small);
    await copyObject({ bucket: 'src', key: 'a.txt' }, ctx());
    const large = randomBytes(size);
    serveS3(large, { ETag: '"m-4"', ChecksumCRC32C: checksumsOf(large).crc32c, ChecksumType: 'FULL_OBJECT' });
    await copyObject({ bucket: 'src', key: 'big.bin' }, ctx());
    expect(gcs.writes).toHaveLength(2);
    expect(gcs.writes[0]!.opts.metadata).toMatchObject({ crc32c: checksumsOf(small).crc32c, metadata: mark(small) });
    expect(gcs.writes[1]!.opts.metadata).toMatchObject({ crc32c: checksumsOf(large).crc32c, metadata: mark(large) });
    expect(gcs.patches).toHaveLength(0);
  });

  it('decides again when a newer write replaced the copy before it was marked, and leaves the newer one', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    const newer = Buffer.from('newer');
    const theirs = { [K.bucket]: 'src', [K.key]: 'big.bin', [K.etag]: 'newer-1', [K.size]: '5', [K.sequencer]: '0200', ...mark(newer) };
    gcs.beforePatch = () => gcs.put('backup/big.bin', newer, theirs);
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size, sequencer: '0100' }, ctx())).resolves.toMatchObject({
      outcome: 'stale-event',
      bytes: 0,
    });
    expect(gcs.patches).toHaveLength(1);
    expect(gcs.objects.get('backup/big.bin')!.resource).toMatchObject({ metageneration: '1', metadata: theirs });
  });

  it('fails the step when the mark cannot be written; the retry checks the unmarked copy against the source and marks it', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.failPatch = Object.assign(new Error('Service Unavailable'), { code: 503 });
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).rejects.toMatchObject({ name: 'TransientError' });
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
    expect(gcs.objects.get('backup/big.bin')!.resource.metadata).not.toHaveProperty([K.verified]);

    const generation = String(gcs.objects.get('backup/big.bin')!.generation);
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).resolves.toMatchObject({
      outcome: 'already-current',
      bytes: 0,
      generation,
      detail: expect.stringMatching(/carries no verified mark.*bytes match the source/),
    });
    expect(gcs.writes).toHaveLength(1); // checked by reading the source again, not re-uploaded
    expect(gcs.objects.get('backup/big.bin')!.resource.metadata).toMatchObject(mark(data));
  });

  it('aborts on the signal with its reason and commits nothing', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    const controller = new AbortController();
    const reason = new Error('tier time budget exceeded');
    s3Mock.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
      controller.abort(reason);
      const m = /bytes=(\d+)-(\d+)/.exec(input.Range ?? '')!;
      return { ContentLength: Number(m[2]) - Number(m[1]) + 1, Body: Readable.from([data.subarray(Number(m[1]), Number(m[2]) + 1)]) };
    });
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ signal: controller.signal }))).rejects.toBe(reason);
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });
});

describe('copyObject — who retries a part (the engine only resumes a cut body)', () => {
  const size = 1000 * KIB + 123; // parts 0-262143, 262144-524287, 524288-786431, 786432-end
  const PART1 = { start: 262144, end: 524287 };
  const rangeOf = (input: GetObjectCommandInput) => /bytes=(\d+)-(\d+)/.exec(input.Range ?? '')!.slice(1).map(Number) as [number, number];
  const part1Calls = () => s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range!).filter((r) => /^bytes=(\d+)-524287$/.test(r));

  /** Serves `data`; `fault(start, end, attempt)` may replace the answer for part 1's requests. */
  function serveWithFaults(data: Buffer, fault: (start: number, end: number, attempt: number) => 'cut' | 'slow-down' | undefined, cutAfter = 100_000) {
    serveS3(data, { ETag: '"m-4"' });
    let attempt = 0;
    s3Mock.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
      const [start, end] = rangeOf(input);
      const slice = data.subarray(start, end + 1);
      const kind = end === PART1.end ? fault(start, end, ++attempt) : undefined;
      // What the SDK hands over after its own retries: the recorded 503 SlowDown it gave up on.
      if (kind === 'slow-down') throw replay('s3-get-slow-down');
      // Headers and part of the body, then the connection is reset (recorded: Error 'aborted', code ECONNRESET).
      if (kind === 'cut') {
        return {
          ContentLength: slice.length,
          Body: Readable.from((async function* () {
            yield Buffer.from(slice.subarray(0, cutAfter));
            throw replay('s3-get-body-cut');
          })()),
        };
      }
      return { ContentLength: slice.length, Body: Readable.from([slice]) };
    });
  }

  it('leaves a failed GET (503 after the SDK\'s retries) to the state machine: one GetObject for the part, TransientError', async () => {
    const data = randomBytes(size);
    serveWithFaults(data, () => 'slow-down');
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).rejects.toMatchObject({ name: 'TransientError' });
    expect(part1Calls()).toHaveLength(1);
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });

  it('resumes a cut body from the byte after the last one received, not from the part start', async () => {
    const data = randomBytes(size);
    serveWithFaults(data, (_s, _e, attempt) => (attempt === 1 ? 'cut' : undefined));
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).resolves.toMatchObject({ outcome: 'copied', bytes: size });
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
    expect(part1Calls()).toEqual([`bytes=${PART1.start}-${PART1.end}`, `bytes=${PART1.start + 100_000}-${PART1.end}`]);
  });

  it('keeps resuming from the new offset after each cut', async () => {
    const data = randomBytes(size);
    serveWithFaults(data, (_s, _e, attempt) => (attempt <= 2 ? 'cut' : undefined), 50_000);
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).resolves.toMatchObject({ outcome: 'copied' });
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
    expect(part1Calls()).toEqual([`bytes=${PART1.start}-${PART1.end}`, `bytes=${PART1.start + 50_000}-${PART1.end}`, `bytes=${PART1.start + 100_000}-${PART1.end}`]);
  });

  it('gives up after 4 GETs of a part whose body is cut every time, with a TransientError for the state machine', async () => {
    const data = randomBytes(size);
    serveWithFaults(data, () => 'cut', 1_000);
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).rejects.toMatchObject({ name: 'TransientError' });
    expect(part1Calls()).toHaveLength(4);
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });

  it('keeps a part whose connection dropped after its last byte, without another GET', async () => {
    const data = randomBytes(size);
    serveWithFaults(data, (_s, _e, attempt) => (attempt === 1 ? 'cut' : undefined), PART1.end - PART1.start + 1);
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx())).resolves.toMatchObject({ outcome: 'copied' });
    expect(gcs.objects.get('backup/big.bin')!.data.equals(data)).toBe(true);
    expect(part1Calls()).toHaveLength(1);
  });

  it('does not resume a cut body once the copy is aborted', async () => {
    const data = randomBytes(size);
    const controller = new AbortController();
    const reason = new Error('tier time budget exceeded');
    serveWithFaults(data, () => {
      controller.abort(reason);
      return 'cut';
    });
    await expect(copyObject({ bucket: 'src', key: 'big.bin', etag: 'm-4', size }, ctx({ signal: controller.signal }))).rejects.toBe(reason);
    expect(part1Calls()).toHaveLength(1);
  });
});

describe('copyObject — MD5 policy', () => {
  const size = 1000 * KIB + 123;
  const large = { singleRequestMaxBytes: 256 * KIB, partSizeBytes: 256 * KIB, concurrency: 3 };

  it.each([
    ['single-request', 10 * KIB],
    ['resumable', size],
  ])('when-verifiable (default): no MD5 of a multipart source (%s); the outcome reports what GCS stored', async (_label, bytes) => {
    const data = randomBytes(bytes);
    serveS3(data, { ETag: '"m-4"' });
    gcs.reportMd5 = () => undefined; // a GCS that reports no MD5 shows whether we computed one
    const out = await copyObject({ bucket: 'src', key: 'obj' }, ctx({ options: large }));
    expect(out).toMatchObject({ outcome: 'copied', crc32c: checksumsOf(data).crc32c });
    expect(out.md5).toBeUndefined();
    expect((gcs.writes[0]!.opts.metadata as { md5Hash?: string }).md5Hash).toBeUndefined();
  });

  it('when-verifiable: hashes MD5 when the single-part ETag vouches for one, and checks the bytes against it', async () => {
    const data = randomBytes(size);
    serveS3(data);
    gcs.reportMd5 = () => undefined;
    const out = await copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ options: large }));
    expect(out).toMatchObject({ outcome: 'copied', md5: checksumsOf(data).md5 });
    expect(gcs.writes[0]!.opts.metadata).toMatchObject({ md5Hash: checksumsOf(data).md5 }); // declared: GCS checks it too
  });

  it('when-verifiable: a multipart copy reports GCS\'s MD5 and does not compare it (the CRC32C already did)', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.reportMd5 = () => 'AAAAAAAAAAAAAAAAAAAAAA==';
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ options: large }))).resolves.toMatchObject({
      outcome: 'copied',
      md5: 'AAAAAAAAAAAAAAAAAAAAAA==',
    });
  });

  it('when-verifiable: a multipart copy still catches bytes GCS stored differently, by CRC32C', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.corruptNextWrite = true;
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ options: large }))).rejects.toMatchObject({
      name: 'IntegrityError',
      message: expect.stringMatching(/CRC32C/),
    });
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });

  it.each([
    ['single-request', 10 * KIB],
    ['resumable', size],
  ])('always: hashes MD5 of a multipart source too (%s) and reports its own', async (_label, bytes) => {
    const data = randomBytes(bytes);
    serveS3(data, { ETag: '"m-4"' });
    gcs.reportMd5 = () => undefined;
    const out = await copyObject({ bucket: 'src', key: 'obj' }, ctx({ options: { ...large, md5: 'always' } }));
    expect(out).toMatchObject({ outcome: 'copied', md5: checksumsOf(data).md5 });
  });

  it('always: compares its MD5 with the MD5 GCS reports, and removes a generation that disagrees', async () => {
    const data = randomBytes(size);
    serveS3(data, { ETag: '"m-4"' });
    gcs.reportMd5 = () => 'AAAAAAAAAAAAAAAAAAAAAA==';
    await expect(copyObject({ bucket: 'src', key: 'big.bin' }, ctx({ options: { ...large, md5: 'always' } }))).rejects.toMatchObject({
      name: 'IntegrityError',
      message: expect.stringMatching(/GCS reports MD5 AAAAAAAAAAAAAAAAAAAAAA==/),
    });
    expect(gcs.deletes).toHaveLength(1);
    expect(gcs.objects.has('backup/big.bin')).toBe(false);
  });
});

describe('deleteBackup', () => {
  it('reports deleted with 0 bytes when there is nothing to delete', async () => {
    await expect(deleteBackup({ bucket: 'src', key: 'a.txt', sequencer: '05' }, ctx())).resolves.toMatchObject({ outcome: 'deleted', bytes: 0 });
    expect(gcs.deletes).toHaveLength(0);
  });

  it('deletes guarded by the generation it read', async () => {
    const stored = gcs.put('backup/a.txt', Buffer.from('x'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.sequencer]: '01' });
    const out = await deleteBackup({ bucket: 'src', key: 'a.txt', sequencer: '05' }, ctx());
    expect(out).toMatchObject({ outcome: 'deleted', generation: String(stored.generation) });
    expect(gcs.deletes).toEqual([{ name: 'backup/a.txt', ifGenerationMatch: stored.generation }]);
    expect(gcs.objects.has('backup/a.txt')).toBe(false);
  });

  it('keeps a backup written by a later event', async () => {
    gcs.put('backup/a.txt', Buffer.from('x'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.sequencer]: '09' });
    await expect(deleteBackup({ bucket: 'src', key: 'a.txt', sequencer: '05' }, ctx())).resolves.toMatchObject({ outcome: 'stale-event' });
    expect(gcs.objects.has('backup/a.txt')).toBe(true);
  });
});

/**
 * Order in a versioned bucket after replays, backfills and `verify --repair` (copies without a sequencer). The local S3
 * server has no versioning, so these scenarios run here, with S3 answering through aws-sdk-client-mock.
 */
describe('order across events, replays and backfills (versioned bucket)', () => {
  const T1 = new Date('2026-11-20T10:00:01Z');
  const T2 = new Date('2026-11-20T10:00:02Z');
  const v1 = Buffer.from('version one');
  const v2 = Buffer.from('version two, newer');
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

  /** S3 holds v1 and v2 (current unless `current` says otherwise); HEAD and GET answer per VersionId. */
  function serveVersions(lastModified: { v1: Date; v2: Date }, current: 'v1' | 'v2' | 'none' = 'v2') {
    const versions = { v1: { data: v1, at: lastModified.v1 }, v2: { data: v2, at: lastModified.v2 } };
    const head = (id: 'v1' | 'v2') => ({ ContentLength: versions[id].data.length, ETag: `"${md5(versions[id].data)}"`, VersionId: id, LastModified: versions[id].at });
    s3Mock.on(HeadObjectCommand).callsFake((input: { VersionId?: string }) => {
      const id = (input.VersionId ?? current) as 'v1' | 'v2' | 'none';
      if (id === 'none') throw Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return head(id);
    });
    s3Mock.on(GetObjectCommand).callsFake((input: { VersionId?: string }) => {
      const id = (input.VersionId ?? current) as 'v1' | 'v2';
      return { ...head(id), Body: Readable.from([versions[id].data]) };
    });
  }

  /** What a replay (manual input, no sequencer) of the current version leaves in GCS. */
  async function replayCopiesV2(): Promise<void> {
    const out = await copyObject({ bucket: 'src', key: 'a.txt' }, ctx());
    expect(out).toMatchObject({ outcome: 'copied', sourceVersionId: 'v2' });
    const meta = gcs.objects.get('backup/a.txt')!.resource.metadata as Record<string, string>;
    expect(meta).toMatchObject({ [K.versionId]: 'v2', [K.lastModified]: T2.toISOString() });
    expect(meta).not.toHaveProperty(K.sequencer);
    s3Mock.resetHistory();
  }

  it('a delayed older event after a replay ends stale-event and leaves the newer backup current', async () => {
    serveVersions({ v1: T1, v2: T2 });
    await replayCopiesV2();
    const out = await copyObject({ bucket: 'src', key: 'a.txt', versionId: 'v1', etag: md5(v1), size: v1.length, sequencer: '0055AED6DCD90281E5' }, ctx(noReadAhead));
    expect(out).toMatchObject({ outcome: 'stale-event', bytes: 0 });
    expect(gcs.objects.get('backup/a.txt')!.data.equals(v2)).toBe(true);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('a backfill of an older version after an event copied the newer one ends stale-event', async () => {
    serveVersions({ v1: T1, v2: T2 });
    expect(await copyObject({ bucket: 'src', key: 'a.txt', versionId: 'v2', sequencer: '0055AED6DCD90281F0' }, ctx())).toMatchObject({ outcome: 'copied' });
    const out = await copyObject({ bucket: 'src', key: 'a.txt', versionId: 'v1', etag: md5(v1) }, ctx());
    expect(out).toMatchObject({ outcome: 'stale-event' });
    expect(gcs.objects.get('backup/a.txt')!.data.equals(v2)).toBe(true);
  });

  it('on equal LastModified asks S3 for the current version: an older version stays out, the current one is copied', async () => {
    serveVersions({ v1: T2, v2: T2 }, 'v2');
    await replayCopiesV2();
    const older = { bucket: 'src', key: 'a.txt', versionId: 'v1', etag: md5(v1), sequencer: '0055AED6DCD90281E5' };
    expect(await copyObject(older, ctx())).toMatchObject({ outcome: 'stale-event' });
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.VersionId)).toEqual(['v1', undefined]);
    // Same tie, but v1 is what S3 holds as current now (v2 was deleted): v1 is copied.
    serveVersions({ v1: T2, v2: T2 }, 'v1');
    expect(await copyObject(older, ctx())).toMatchObject({ outcome: 'copied', sourceVersionId: 'v1' });
  });

  it('a delayed delete after a replay copied the re-created object keeps the backup while S3 has the key', async () => {
    serveVersions({ v1: T1, v2: T2 }, 'v2');
    await replayCopiesV2();
    const out = await deleteBackup({ bucket: 'src', key: 'a.txt', sequencer: '0055AED6DCD90281E5' }, ctx());
    expect(out).toMatchObject({ outcome: 'stale-event' });
    expect(gcs.deletes).toHaveLength(0);
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.VersionId)).toEqual([undefined]);
  });

  it('a simple delete (delete marker) in a versioned bucket deletes the backup of the version it hid (mirror)', async () => {
    serveVersions({ v1: T1, v2: T2 }, 'v2');
    expect(await copyObject({ bucket: 'src', key: 'a.txt', versionId: 'v2', sequencer: '0055AED6DCD90281F0' }, ctx())).toMatchObject({ outcome: 'copied' });
    serveVersions({ v1: T1, v2: T2 }, 'none');
    // As S3 sends it: the event's versionId is the delete marker's own, not a version of the content.
    const marker = normalizeExecutionInput({
      eventSource: 'aws:s3',
      eventName: 'ObjectRemoved:DeleteMarkerCreated',
      s3: { bucket: { name: 'src' }, object: { key: 'a.txt', versionId: 'marker-1', sequencer: '0055AED6DCD9028300' } },
    });
    expect(await runCopyStep(marker, ctx(), { copyObject, deleteBackup })).toMatchObject({ outcome: 'deleted' });
    expect(gcs.objects.has('backup/a.txt')).toBe(false);
  });

  it('a delete with no sequencer to compare deletes the backup when S3 holds no current version', async () => {
    serveVersions({ v1: T1, v2: T2 }, 'v2');
    await replayCopiesV2();
    serveVersions({ v1: T1, v2: T2 }, 'none');
    expect(await deleteBackup({ bucket: 'src', key: 'a.txt', sequencer: '0055AED6DCD9028300' }, ctx())).toMatchObject({ outcome: 'deleted' });
    expect(gcs.objects.has('backup/a.txt')).toBe(false);
  });
});

/**
 * Event keys S3 does not have under the first reading (resolve-key.ts): EventBridge's key encoding is undocumented, so a
 * 404 for an ObjectCreated key is retried under the other reading, accepted only for the object the event describes.
 */
describe('copyObject — an event key read the other way', () => {
  const data = Buffer.from('quarterly numbers');
  const etag = createHash('md5').update(data).digest('hex');
  const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
  const sink = () => ({ addDimension: jest.fn(), addMetric: jest.fn(), publishStoredMetrics: jest.fn() });

  /** S3 holds `data` (or `stored`) under `key` only. */
  function serveUnder(key: string, stored: Buffer = data) {
    s3Mock.on(HeadObjectCommand).rejects(notFound());
    s3Mock.on(HeadObjectCommand, { Key: key }).resolves({ ContentLength: stored.length, ETag: `"${createHash('md5').update(stored).digest('hex')}"` });
    s3Mock.on(GetObjectCommand).rejects(notFound());
    s3Mock.on(GetObjectCommand, { Key: key }).callsFake(() => ({
      ContentLength: stored.length,
      ETag: `"${createHash('md5').update(stored).digest('hex')}"`,
      Body: Readable.from([stored]),
    }));
  }

  function eventBridge(key: string) {
    return normalizeExecutionInput({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      time: '2026-11-20T10:20:00Z',
      detail: { bucket: { name: 'src' }, object: { key, size: data.length, etag, sequencer: '0064D3901D00059300' }, reason: 'PutObject' },
    });
  }

  function notification(key: string) {
    return normalizeExecutionInput({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'src' }, object: { key, size: data.length, eTag: etag, sequencer: '0055AED6DCD90281E5' } },
    });
  }

  it('copies an EventBridge key whose "+" meant a space, under the key S3 has, to the destination named for it', async () => {
    serveUnder('reports/q3 final.csv');
    const out = await runCopyStep(eventBridge('reports/q3+final.csv'), ctx(), { copyObject, deleteBackup });
    expect(out).toMatchObject({ outcome: 'copied', destination: 'gs://dst/backup/reports/q3 final.csv' });
    expect(gcs.objects.get('backup/reports/q3 final.csv')!.resource.metadata).toMatchObject({ [K.key]: 'reports/q3 final.csv' });
    expect(gcs.objects.has('backup/reports/q3+final.csv')).toBe(false);
  });

  it('copies a notification key whose alternative reading (a "+" kept as "+") is the object S3 has', async () => {
    serveUnder('c++/notes+1.txt');
    const out = await runCopyStep(notification('c%2B%2B/notes+1.txt'), ctx(), { copyObject, deleteBackup });
    expect(out).toMatchObject({ outcome: 'copied', destination: 'gs://dst/backup/c++/notes+1.txt' });
  });

  it('stays SourceNotFound (source-gone) when the alternative holds another object (ETag differs), and counts SourceGone', async () => {
    serveUnder('reports/q3 final.csv', Buffer.from('someone else\'s bytes'));
    const metrics = sink();
    const event = eventBridge('reports/q3+final.csv');
    await expect(runCopyStep(event, ctx(), { copyObject, deleteBackup }, metrics as unknown as Metrics)).rejects.toBeInstanceOf(SourceNotFound);
    expect(gcs.writes).toHaveLength(0);
    // The event's key: one GET (404); the other reading is only described (HeadObject), never read.
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['reports/q3+final.csv']);
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['reports/q3 final.csv']);
    expect(metrics.addDimension).toHaveBeenCalledWith('origin', 'eventbridge');
    expect(metrics.addMetric).toHaveBeenCalledWith('SourceGone', 'Count', 1);
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });

  it('stays SourceNotFound (source-gone) when the key has no other reading, after one GetObject', async () => {
    serveUnder('elsewhere.txt');
    const event = eventBridge('reports/q3_final.csv');
    expect(event).not.toHaveProperty('keyAlternative');
    const metrics = sink();
    await expect(runCopyStep(event, ctx(), { copyObject, deleteBackup }, metrics as unknown as Metrics)).rejects.toBeInstanceOf(SourceNotFound);
    expect(s3Mock.calls()).toHaveLength(1);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(metrics.addDimension).toHaveBeenCalledWith('origin', 'eventbridge');
  });
});

describe('destination names', () => {
  const byBucket = () => ctx({ target: { bucket: 'dst', prefix: 'backup/' } });

  it('copies to <prefix><source-bucket>/<key> under the default layout, so two buckets never share a name', async () => {
    const data = randomBytes(KIB);
    serveS3(data);
    await expect(copyObject({ bucket: 'src', key: 'a.txt' }, byBucket())).resolves.toMatchObject({ outcome: 'copied', destination: 'gs://dst/backup/src/a.txt' });
    expect([...gcs.objects.keys()]).toEqual(['backup/src/a.txt']);
  });

  it('deletes the same name it copies to', async () => {
    gcs.put('backup/src/a.txt', Buffer.from('x'), { [K.bucket]: 'src', [K.key]: 'a.txt', [K.sequencer]: '01' });
    await expect(deleteBackup({ bucket: 'src', key: 'a.txt', sequencer: '05' }, byBucket())).resolves.toMatchObject({ outcome: 'deleted', destination: 'gs://dst/backup/src/a.txt' });
    expect(gcs.objects.size).toBe(0);
  });

  it('refuses a second source bucket under the legacy layout before touching S3 or GCS', async () => {
    await expect(copyObject({ bucket: 'other', key: 'a.txt' }, ctx())).rejects.toMatchObject({ name: 'ConfigurationError' });
    expect(s3Mock.calls()).toHaveLength(0);
    expect(gcs.objects.size).toBe(0);
  });
});

describe('engineMemoryBytes', () => {
  it('is the object itself for single-request copies', () => {
    expect(engineMemoryBytes(5 * KIB)).toBe(5 * KIB);
    expect(engineMemoryBytes(DEFAULT_ENGINE_OPTIONS.singleRequestMaxBytes)).toBe(DEFAULT_ENGINE_OPTIONS.singleRequestMaxBytes);
  });

  it('is bounded by part buffers and upload chunks, not object size, for large copies', () => {
    // 4 parts fetched + 1 at the pacer + (2 chunks of 16 MiB + 1 part) under the upload = 10 parts of 8 MiB.
    const opts = { partSizeBytes: 8 * 1024 * KIB, concurrency: 4 };
    expect(engineMemoryBytes(1024 ** 3, opts)).toBe(10 * 8 * 1024 * KIB);
    expect(engineMemoryBytes(5 * 1024 ** 4, opts)).toBe(10 * 8 * 1024 * KIB);
    // With the chunk equal to the part: concurrency + 4 parts, as before the chunk had its own option.
    expect(engineMemoryBytes(1024 ** 3, { ...opts, uploadChunkBytes: 8 * 1024 * KIB })).toBe(8 * 8 * 1024 * KIB);
  });

  it('counts whole parts when the chunk is not a multiple of the part (a kept slice keeps its part alive)', () => {
    // 2 × 3 MiB + 2 MiB = 8 MiB under the upload = 4 parts of 2 MiB; + 2 fetched + 1 at the pacer = 7 parts.
    expect(engineMemoryBytes(1024 ** 3, { partSizeBytes: 2 * 1024 * KIB, concurrency: 2, uploadChunkBytes: 3 * 1024 * KIB })).toBe(7 * 2 * 1024 * KIB);
    // A chunk smaller than a part still pins whole parts: 2 × 4 MiB + 16 MiB spans 2 parts of 16 MiB.
    expect(engineMemoryBytes(1024 ** 3, { partSizeBytes: 16 * 1024 * KIB, concurrency: 2, uploadChunkBytes: 4 * 1024 * KIB })).toBe(5 * 16 * 1024 * KIB);
  });

  it('counts only the parts an object has when it has few', () => {
    expect(engineMemoryBytes(9 * 1024 * KIB, { partSizeBytes: 8 * 1024 * KIB, concurrency: 4 })).toBe(2 * 8 * 1024 * KIB);
  });

  it('grows with concurrency and part size', () => {
    const big = 10 * 1024 ** 3;
    expect(engineMemoryBytes(big, { concurrency: 8 })).toBeGreaterThan(engineMemoryBytes(big, { concurrency: 2 }));
    expect(engineMemoryBytes(big, { partSizeBytes: 16 * 1024 * KIB })).toBeGreaterThan(engineMemoryBytes(big));
    expect(engineMemoryBytes(big, { uploadChunkBytes: 32 * 1024 * KIB })).toBeGreaterThan(engineMemoryBytes(big));
  });
});

describe('resolveEngineOptions', () => {
  it('uses 8 MiB / 8 MiB / 4, 16 MiB upload chunks and MD5 when verifiable by default', () => {
    expect(resolveEngineOptions()).toEqual({
      singleRequestMaxBytes: 8 * 1024 * KIB,
      partSizeBytes: 8 * 1024 * KIB,
      concurrency: 4,
      uploadChunkBytes: 16 * 1024 * KIB,
      md5: 'when-verifiable',
      readAheadMaxBytes: 64 * KIB,
    });
  });

  it('never defaults the upload chunk below the part size', () => {
    expect(resolveEngineOptions({ partSizeBytes: 32 * 1024 * KIB }).uploadChunkBytes).toBe(32 * 1024 * KIB);
    expect(resolveEngineOptions({ partSizeBytes: 32 * 1024 * KIB, uploadChunkBytes: 4 * 1024 * KIB }).uploadChunkBytes).toBe(4 * 1024 * KIB);
  });

  it.each([
    [{ partSizeBytes: 300 * KIB }, /256 KiB/],
    [{ partSizeBytes: 0 }, /256 KiB/],
    [{ concurrency: 0 }, /concurrency/],
    [{ uploadChunkBytes: 300 * KIB }, /uploadChunkBytes .*256 KiB/],
    [{ uploadChunkBytes: 0 }, /uploadChunkBytes/],
    [{ md5: 'never' as never }, /md5 must be one of when-verifiable, always/],
    [{ singleRequestMaxBytes: -1 }, /singleRequestMaxBytes/],
    [{ readAheadMaxBytes: -1 }, /readAheadMaxBytes/],
  ])('rejects %j with ConfigurationError', (opts, message) => {
    expect(() => resolveEngineOptions(opts)).toThrow(expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(message) }));
  });
});
