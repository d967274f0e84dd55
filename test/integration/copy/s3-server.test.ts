import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checksumsOf } from '../../../workflows/copy/checksums';
import { localS3Client, startS3Server, type S3ObjectEvent } from '../../../workflows/local/s3-server';
import { putObject, startS3Fixture, type S3Fixture } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';

/** The S3 features the engine relies on, checked against fauxqs through the real SDK over HTTP. */
let fx: S3Fixture;
const events: S3ObjectEvent[] = [];

beforeAll(async () => {
  fx = await startS3Fixture();
  fx.server.onObjectEvent((e) => events.push(e));
  await fx.createBucket('features');
});
afterAll(async () => {
  await fx?.server.close();
});

async function waitForEvents(count: number): Promise<void> {
  await waitFor(() => events.length >= count, { timeoutMs: 5_000, what: `${count} object events`, detail: () => `saw ${events.length}` });
}

describe('local S3 server (fauxqs)', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(fx.server.endpoint).hostname).toBe('127.0.0.1');
  });

  it('stores streamed bodies intact and answers ranged GETs with 206 + Content-Range', async () => {
    const data = randomBytes(64 * 1024);
    // A stream body: s3rver stores these with aws-chunked framing; fauxqs must store the plain bytes.
    const body = Readable.from([data.subarray(0, 1000), data.subarray(1000)]);
    await fx.s3.send(new PutObjectCommand({ Bucket: 'features', Key: 'range', Body: body, ContentLength: data.length }));
    const whole = await fx.s3.send(new GetObjectCommand({ Bucket: 'features', Key: 'range' }));
    expect(Buffer.from(await whole.Body!.transformToByteArray())).toEqual(data);
    const res = await fx.s3.send(new GetObjectCommand({ Bucket: 'features', Key: 'range', Range: 'bytes=100-199' }));
    expect(res.ContentRange).toBe(`bytes 100-199/${data.length}`);
    expect(Buffer.from(await res.Body!.transformToByteArray())).toEqual(data.subarray(100, 200));
  });

  it('answers a GET whose If-Match no longer holds with 412 PreconditionFailed', async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: 'features', Key: 'pinned', Body: 'one' }));
    await expect(
      fx.s3.send(new GetObjectCommand({ Bucket: 'features', Key: 'pinned', IfMatch: '"00000000000000000000000000000000"' })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
  });

  it('returns every header the engine maps on HeadObject, and an MD5 ETag for single-part objects', async () => {
    const body = Buffer.from('metadata body');
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: 'features',
        Key: 'meta',
        Body: body,
        ContentType: 'text/csv',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment',
        ContentLanguage: 'de',
        CacheControl: 'max-age=60',
        Metadata: { team: 'data' },
      }),
    );
    const head = await fx.s3.send(new HeadObjectCommand({ Bucket: 'features', Key: 'meta' }));
    expect(head).toMatchObject({
      ContentLength: body.length,
      ContentType: 'text/csv',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment',
      ContentLanguage: 'de',
      CacheControl: 'max-age=60',
      Metadata: { team: 'data' },
      ETag: `"${createHash('md5').update(body).digest('hex')}"`,
    });
  });

  // The engine describes a small object by its one GET instead of a HEAD: S3 sends the same description with a GET
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, response headers), the stored checksum and its
  // type only with ChecksumMode ENABLED, on whole-object GETs.
  it('describes an object in a whole GET as in a HEAD: content headers, user metadata, ETag, size and stored checksum', async () => {
    const body = Buffer.from('described by its GET');
    const crc32c = checksumsOf(body, { md5: false }).crc32c;
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: 'features',
        Key: 'get-facts',
        Body: body,
        ContentType: 'text/csv',
        ContentDisposition: 'attachment',
        ContentLanguage: 'de',
        CacheControl: 'max-age=60',
        Metadata: { team: 'data' },
        ChecksumCRC32C: crc32c,
      }),
    );
    const head = await fx.s3.send(new HeadObjectCommand({ Bucket: 'features', Key: 'get-facts', ChecksumMode: 'ENABLED' }));
    const get = await fx.s3.send(new GetObjectCommand({ Bucket: 'features', Key: 'get-facts', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await get.Body!.transformToByteArray())).toEqual(body);
    const facts = ['ContentLength', 'ETag', 'LastModified', 'ContentType', 'ContentDisposition', 'ContentLanguage', 'CacheControl', 'Metadata', 'ChecksumCRC32C', 'ChecksumType'] as const;
    const pick = (o: Pick<typeof head, (typeof facts)[number]>) => Object.fromEntries(facts.map((f) => [f, o[f]]));
    expect(pick(get)).toEqual(pick(head));
    expect(get).toMatchObject({ ChecksumCRC32C: crc32c, ChecksumType: 'FULL_OBJECT', Metadata: { team: 'data' }, ContentType: 'text/csv' });
  });

  it('answers a GET in a missing bucket with NoSuchBucket (a GET error has a body, unlike a HEAD 404)', async () => {
    await expect(fx.s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('completes multipart uploads with a multipart ETag (not an MD5)', async () => {
    const data = randomBytes(9 * 1024 * 1024);
    const etag = await putObject(fx.s3, 'features', 'multipart', data);
    expect(etag).toMatch(/^[0-9a-f]{32}-2$/);
    const res = await fx.s3.send(new GetObjectCommand({ Bucket: 'features', Key: 'multipart', Range: 'bytes=8388600-8388615' }));
    expect(Buffer.from(await res.Body!.transformToByteArray())).toEqual(data.subarray(8388600, 8388616));
  });

  it('answers a missing key with NoSuchKey (GET) and NotFound (HEAD)', async () => {
    await expect(fx.s3.send(new GetObjectCommand({ Bucket: 'features', Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(fx.s3.send(new HeadObjectCommand({ Bucket: 'features', Key: 'missing' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('paginates ListObjectsV2', async () => {
    for (let i = 0; i < 5; i++) await fx.s3.send(new PutObjectCommand({ Bucket: 'features', Key: `page/${i}`, Body: 'x' }));
    const first = await fx.s3.send(new ListObjectsV2Command({ Bucket: 'features', Prefix: 'page/', MaxKeys: 3 }));
    const second = await fx.s3.send(
      new ListObjectsV2Command({ Bucket: 'features', Prefix: 'page/', MaxKeys: 3, ContinuationToken: first.NextContinuationToken }),
    );
    expect([...first.Contents!, ...second.Contents!].map((o) => o.Key)).toEqual(['page/0', 'page/1', 'page/2', 'page/3', 'page/4']);
  });

  it('reports created and removed objects with size, ETag and a growing sequencer', async () => {
    const before = events.length;
    const etag = await putObject(fx.s3, 'features', 'evented key+1', Buffer.from('12345'));
    await fx.s3.send(new DeleteObjectCommand({ Bucket: 'features', Key: 'evented key+1' }));
    await waitForEvents(before + 2);
    const [created, removed] = events.slice(before);
    expect(created).toMatchObject({ type: 'created', bucket: 'features', key: 'evented key+1', size: 5, etag });
    expect(removed).toMatchObject({ type: 'removed', bucket: 'features', key: 'evented key+1' });
    expect(BigInt(`0x${removed!.sequencer}`)).toBeGreaterThan(BigInt(`0x${created!.sequencer}`));
  });

  it('keeps objects across restarts with a dataDir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3-data-'));
    try {
      const first = await startS3Server({ dataDir: dir });
      const s3a = localS3Client(first.endpoint);
      await s3a.send(new CreateBucketCommand({ Bucket: 'persisted' }));
      await s3a.send(new PutObjectCommand({ Bucket: 'persisted', Key: 'k', Body: 'survives' }));
      await first.close();
      const second = await startS3Server({ dataDir: dir });
      try {
        const res = await localS3Client(second.endpoint).send(new GetObjectCommand({ Bucket: 'persisted', Key: 'k' }));
        expect(await res.Body!.transformToString()).toBe('survives');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
