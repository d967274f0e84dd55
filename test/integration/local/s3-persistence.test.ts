import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localS3Client, startS3Server, type LocalS3Server } from '../../../workflows/local/s3-server';

/** The local S3 server's dataDir: no key is ever a path, and objects survive the server being killed with SIGKILL. */
const MiB = 1024 * 1024;
let parent: string;
let dataDir: string;
let server: LocalS3Server | undefined;

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 's3-persist-'));
  dataDir = join(parent, 'data');
  mkdirSync(dataDir);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(parent, { recursive: true, force: true });
});

async function start(): Promise<S3Client> {
  server = await startS3Server({ dataDir });
  return localS3Client(server.endpoint);
}

/** kill -9: no shutdown hook runs. */
async function crash(): Promise<void> {
  process.kill(server!.pid, 'SIGKILL');
  await server!.close();
  server = undefined;
}

async function get(s3: S3Client, Key: string) {
  const res = await s3.send(new GetObjectCommand({ Bucket: 'keep', Key, ChecksumMode: 'ENABLED' }));
  const { ChecksumCRC32 } = await s3.send(new HeadObjectCommand({ Bucket: 'keep', Key, ChecksumMode: 'ENABLED' }));
  const body = Buffer.from(await res.Body!.transformToByteArray());
  const { ETag, ContentType, Metadata, CacheControl, ContentDisposition, LastModified, ContentLength } = res;
  return { body, ETag, ContentType, Metadata, CacheControl, ContentDisposition, LastModified, ChecksumCRC32, ContentLength };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const TRICKY = ['../../escape.txt', 'a/../b.txt', 'b.txt', '/leading', './dot', '..', 'a//b', 'x\\..\\y', 'con', '%2e%2e/z'];

it('keeps every key apart, writes nothing outside the data directory, and survives SIGKILL byte-identical', async () => {
  let s3 = await start();
  await s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
  const bodies = new Map<string, Buffer>();
  for (const [i, Key] of TRICKY.entries()) {
    const Body = Buffer.from(`body ${i} of ${Key}`);
    bodies.set(Key, Body);
    await s3.send(new PutObjectCommand({ Bucket: 'keep', Key, Body }));
  }
  const Body = randomBytes(3 * MiB);
  const checksums = localS3Client(server!.endpoint, { requestChecksumCalculation: 'WHEN_SUPPORTED', responseChecksumValidation: 'WHEN_SUPPORTED' });
  await checksums.send(
    new PutObjectCommand({
      Bucket: 'keep', Key: 'meta.bin', Body, ContentType: 'application/x-test', CacheControl: 'max-age=60', ContentDisposition: 'inline',
      Metadata: { owner: 'me', 'with-dash': 'v' }, ChecksumAlgorithm: 'CRC32', // every algorithm is kept (test/integration/local/s3-checksums.test.ts)
    }),
  );
  bodies.set('meta.bin', Body);
  await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'empty', Body: Buffer.alloc(0) }));
  bodies.set('empty', Buffer.alloc(0));
  const before = new Map<string, Awaited<ReturnType<typeof get>>>();
  for (const key of bodies.keys()) before.set(key, await get(s3, key));

  await crash();
  expect(readdirSync(parent)).toEqual(['data']); // '../../escape.txt' wrote next to the data directory before
  s3 = await start();
  for (const [key, body] of bodies) {
    const { body: got, ...after } = await get(s3, key);
    expect(got.equals(body)).toBe(true);
    const { body: _was, ...was } = before.get(key)!;
    expect(after).toEqual(was); // jest compares big Buffers byte by byte, slowly: bodies are compared above
  }
  expect(before.get('meta.bin')).toMatchObject({ ContentType: 'application/x-test', Metadata: { owner: 'me', 'with-dash': 'v' }, CacheControl: 'max-age=60' });
  expect(before.get('meta.bin')!.ChecksumCRC32).toBeTruthy();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'keep' }));
  expect(listed.Contents!.map((o) => o.Key).sort()).toEqual([...bodies.keys()].sort());
  // Names are hashes: no file name holds a key.
  for (const file of filesUnder(dataDir)) expect(file.slice(dataDir.length)).toMatch(/^\/s3\/(buckets|objects|uploads)\/[0-9a-f]{64}[.\w-]*$/);
});

it('keeps overwrites, deletes, a multipart upload in progress and a completed one across SIGKILL', async () => {
  let s3 = await start();
  await s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
  await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'k', Body: 'old' }));
  await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'k', Body: 'new' }));
  await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'gone', Body: 'x' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'keep', Key: 'gone' }));
  const parts = [randomBytes(6 * MiB), randomBytes(1 * MiB)];
  const done = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'keep', Key: 'done' }));
  const donePart = await s3.send(new UploadPartCommand({ Bucket: 'keep', Key: 'done', UploadId: done.UploadId, PartNumber: 1, Body: parts[1] }));
  await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: 'keep', Key: 'done', UploadId: done.UploadId, MultipartUpload: { Parts: [{ ETag: donePart.ETag, PartNumber: 1 }] } }),
  );
  const open = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'keep', Key: 'open' }));
  const first = await s3.send(new UploadPartCommand({ Bucket: 'keep', Key: 'open', UploadId: open.UploadId, PartNumber: 1, Body: parts[0] }));
  const doneEtag = (await s3.send(new HeadObjectCommand({ Bucket: 'keep', Key: 'done' }))).ETag;

  await crash();
  s3 = await start();
  expect((await get(s3, 'k')).body.toString()).toBe('new');
  await expect(s3.send(new HeadObjectCommand({ Bucket: 'keep', Key: 'gone' }))).rejects.toMatchObject({ name: 'NotFound' });
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'keep', Key: 'done' }))).ETag).toBe(doneEtag);
  const second = await s3.send(new UploadPartCommand({ Bucket: 'keep', Key: 'open', UploadId: open.UploadId, PartNumber: 2, Body: parts[1] }));
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'keep', Key: 'open', UploadId: open.UploadId,
      MultipartUpload: { Parts: [{ ETag: first.ETag, PartNumber: 1 }, { ETag: second.ETag, PartNumber: 2 }] },
    }),
  );
  expect((await get(s3, 'open')).body.equals(Buffer.concat(parts))).toBe(true);
  // Replaced and deleted objects leave no data behind; the completed uploads leave no parts.
  expect(filesUnder(join(dataDir, 's3', 'objects'))).toHaveLength(2 * 3);
  expect(filesUnder(join(dataDir, 's3', 'uploads'))).toHaveLength(0);
});
