import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type S3Client,
} from '@aws-sdk/client-s3';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { crc32c } from '@node-rs/crc32';
import { localS3Client, startS3Server } from '../../../workflows/local/s3-server';
import { startS3Fixture, type S3Fixture } from '../../support/s3-server';

/**
 * The local S3 server checks, stores and returns S3's additional checksums (all five algorithms, header or aws-chunked
 * trailer, multipart COMPOSITE and FULL_OBJECT) and honours conditional PUT and HEAD, through the real SDK (and the
 * AWS CLI where installed): it must refuse what S3 refuses, or code that relies on S3's checks is never tested.
 */
const MiB = 1024 * 1024;
const BUCKET = 'checks';
let fx: S3Fixture;
/** A client that computes checksums for every upload, as the SDK does by default against AWS. */
let flexible: S3Client;

beforeAll(async () => {
  fx = await startS3Fixture();
  flexible = localS3Client(fx.server.endpoint, { requestChecksumCalculation: 'WHEN_SUPPORTED' });
  await fx.createBucket(BUCKET);
});
afterAll(async () => {
  await fx?.server.close();
});

const b64crc32c = (...chunks: Buffer[]): string => {
  let crc = 0;
  for (const c of chunks) crc = crc32c(c, crc);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc >>> 0);
  return out.toString('base64');
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the request to fail');
}

async function head(key: string) {
  return fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
}

describe('PutObject checksums', () => {
  it('refuses a wrong CRC32C with 400 BadDigest and stores nothing', async () => {
    const body = Buffer.from('the bytes S3 received');
    const wrong = b64crc32c(Buffer.from('other bytes'));
    const err = await failure(fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'wrong-crc32c', Body: body, ChecksumCRC32C: wrong })));
    expect(err).toMatchObject({ name: 'BadDigest', status: 400, message: 'The CRC32C you specified did not match the calculated checksum.' });
    expect((await failure(head('wrong-crc32c'))).status).toBe(404);
  });

  it.each([['SHA256'], ['SHA1'], ['CRC32'], ['CRC64NVME']] as const)('refuses a wrong %s', async (algorithm) => {
    const body = Buffer.from(`a body for ${algorithm}`);
    const wrong = algorithm === 'SHA256' ? sha256(Buffer.from('x')) : algorithm === 'SHA1' ? createHash('sha1').update('x').digest('base64') : algorithm === 'CRC32' ? 'AAAAAQ==' : 'AAAAAAAAAAE=';
    const err = await failure(fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `wrong-${algorithm}`, Body: body, [`Checksum${algorithm}`]: wrong })));
    expect(err).toMatchObject({ name: 'BadDigest', status: 400, message: `The ${algorithm} you specified did not match the calculated checksum.` });
  });

  it('stores a right CRC32C and returns it as FULL_OBJECT on HEAD and GET with ChecksumMode', async () => {
    const body = randomBytes(100_000);
    const crc = b64crc32c(body);
    const put = await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'right-crc32c', Body: body, ChecksumCRC32C: crc }));
    expect(put.ChecksumCRC32C).toBe(crc);
    expect(await head('right-crc32c')).toMatchObject({ ChecksumCRC32C: crc, ChecksumType: 'FULL_OBJECT' });
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'right-crc32c', ChecksumMode: 'ENABLED' }));
    expect(got).toMatchObject({ ChecksumCRC32C: crc, ChecksumType: 'FULL_OBJECT' });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it.each([['CRC32'], ['CRC32C'], ['CRC64NVME'], ['SHA1'], ['SHA256']] as const)(
    'checks and stores a %s the SDK sends in an aws-chunked trailer',
    async (algorithm: ChecksumAlgorithm) => {
      const body = randomBytes(300_000);
      const key = `trailer-${algorithm}`;
      const put = await flexible.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]), ContentLength: body.length, ChecksumAlgorithm: algorithm }),
      );
      const h = await head(key);
      expect(h[`Checksum${algorithm}`]).toBeDefined();
      expect(h[`Checksum${algorithm}`]).toBe(put[`Checksum${algorithm}`]);
      const known: Partial<Record<ChecksumAlgorithm, string>> = { CRC32C: b64crc32c(body), SHA256: sha256(body) };
      expect(h[`Checksum${algorithm}`]).toBe(known[algorithm] ?? put[`Checksum${algorithm}`]);
      // The SDK validates what it reads against the checksum the server returns.
      const got = await flexible.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    },
  );

  it('refuses two checksum headers at once', async () => {
    const body = Buffer.from('two');
    const err = await failure(fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'two', Body: body, ChecksumCRC32C: b64crc32c(body), ChecksumSHA256: sha256(body) })));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });
});

/** Three parts (5 MiB, 5 MiB, 1 MiB) with their CRC32C, under an upload of `type`. */
async function multipart(key: string, type: 'FULL_OBJECT' | 'COMPOSITE' | undefined, opts: { wrongPart?: boolean; fullCrc?: string } = {}) {
  const bodies = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(MiB)];
  const created = await fx.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32C', ...(type ? { ChecksumType: type } : {}) }));
  expect(created.ChecksumAlgorithm).toBe('CRC32C');
  expect(created.ChecksumType).toBe(type ?? 'COMPOSITE');
  const parts = [];
  for (const [i, body] of bodies.entries()) {
    const crc = b64crc32c(opts.wrongPart && i === 1 ? bodies[0]! : body);
    const res = await fx.s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body, ChecksumCRC32C: crc }));
    expect(res.ChecksumCRC32C).toBe(crc);
    parts.push({ PartNumber: i + 1, ETag: res.ETag!, ChecksumCRC32C: crc });
  }
  const done = await fx.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: parts },
      ...(opts.fullCrc ? { ChecksumCRC32C: opts.fullCrc, ChecksumType: 'FULL_OBJECT' } : {}),
    }),
  );
  return { bodies, parts, done };
}

describe('multipart upload checksums', () => {
  it('FULL_OBJECT CRC32C: the whole object\'s CRC32C, checked at completion, returned by HEAD', async () => {
    const { bodies, done } = await multipart('mp-full', 'FULL_OBJECT');
    const whole = b64crc32c(...bodies);
    expect(done).toMatchObject({ ChecksumCRC32C: whole, ChecksumType: 'FULL_OBJECT' });
    expect(await head('mp-full')).toMatchObject({ ChecksumCRC32C: whole, ChecksumType: 'FULL_OBJECT' });
  });

  it('FULL_OBJECT CRC32C: completing with a whole-object CRC32C that differs is 400 BadDigest', async () => {
    const err = await failure(multipart('mp-full-wrong', 'FULL_OBJECT', { fullCrc: b64crc32c(Buffer.from('not it')) }));
    expect(err).toMatchObject({ name: 'BadDigest', status: 400 });
    expect((await failure(head('mp-full-wrong'))).status).toBe(404);
  });

  it('COMPOSITE (the default for CRC32C): the CRC32C of the part CRC32Cs, then -N', async () => {
    const { parts, done } = await multipart('mp-composite', undefined);
    const composite = `${b64crc32c(Buffer.concat(parts.map((p) => Buffer.from(p.ChecksumCRC32C, 'base64'))))}-3`;
    expect(done).toMatchObject({ ChecksumCRC32C: composite, ChecksumType: 'COMPOSITE' });
    expect(await head('mp-composite')).toMatchObject({ ChecksumCRC32C: composite, ChecksumType: 'COMPOSITE' });
  });

  it('refuses a part whose CRC32C does not match its bytes', async () => {
    const err = await failure(multipart('mp-bad-part', 'FULL_OBJECT', { wrongPart: true }));
    expect(err).toMatchObject({ name: 'BadDigest', status: 400 });
  });

  it('refuses to complete an upload created without an algorithm whose parts carried checksums (the SDK default), as S3 does', async () => {
    const created = await flexible.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-no-algorithm' }));
    const part = await flexible.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp-no-algorithm', UploadId: created.UploadId, PartNumber: 1, Body: 'x' }));
    expect(part.ChecksumCRC32).toBeDefined(); // the SDK sent its default CRC32
    const err = await failure(
      flexible.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-no-algorithm', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } })),
    );
    expect(err).toMatchObject({ name: 'InvalidPart', status: 400 });
  });

  it('refuses FULL_OBJECT with SHA256, which S3 supports only as COMPOSITE', async () => {
    const err = await failure(fx.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-sha', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });
});

describe('conditional PUT', () => {
  it('If-None-Match: * stores a new key and answers 412 when the key exists', async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const err = await failure(fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once', Body: 'second', IfNoneMatch: '*' })));
    expect(err).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'once' }));
    expect(await got.Body!.transformToString()).toBe('first');
  });

  it('If-Match stores over the named ETag only; 412 for another, 404 when there is no object', async () => {
    const first = await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v1' }));
    await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v2', IfMatch: first.ETag }));
    expect(await failure(fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v3', IfMatch: first.ETag })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect((await failure(fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas-none', Body: 'v1', IfMatch: first.ETag })))).status).toBe(404);
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cas' }));
    expect(await got.Body!.transformToString()).toBe('v2');
  });

  it('CompleteMultipartUpload with If-None-Match: * answers 412 when the key exists', async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'mp-once', Body: 'there' }));
    const created = await fx.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-once' }));
    const part = await fx.s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp-once', UploadId: created.UploadId, PartNumber: 1, Body: 'x' }));
    const err = await failure(
      fx.s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-once', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, IfNoneMatch: '*' })),
    );
    expect(err).toMatchObject({ name: 'PreconditionFailed', status: 412 });
  });
});

describe('conditional HEAD', () => {
  let etag: string;
  let lastModified: Date;
  beforeAll(async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cond-head', Body: 'content' }));
    const h = await fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head' }));
    etag = h.ETag!;
    lastModified = h.LastModified!;
  });

  it('If-Match with another ETag is 412; with its own, 200', async () => {
    expect((await failure(fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head', IfMatch: '"0123456789abcdef0123456789abcdef"' })))).status).toBe(412);
    expect((await fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head', IfMatch: etag }))).ETag).toBe(etag);
  });

  it('If-None-Match with its ETag is 304', async () => {
    expect((await failure(fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head', IfNoneMatch: etag })))).status).toBe(304);
  });

  it('If-Modified-Since its Last-Modified is 304; If-Unmodified-Since an earlier time is 412', async () => {
    expect((await failure(fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head', IfModifiedSince: lastModified })))).status).toBe(304);
    const before = new Date(lastModified.getTime() - 60_000);
    expect((await failure(fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head', IfUnmodifiedSince: before })))).status).toBe(412);
    expect((await fx.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond-head', IfModifiedSince: before }))).ETag).toBe(etag);
  });
});

describe('with a dataDir', () => {
  it('checksums and an upload\'s checksum type survive a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 's3-checksums-data-'));
    let server = await startS3Server({ dataDir });
    try {
      let s3 = localS3Client(server.endpoint);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const body = Buffer.from('kept');
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: body, ChecksumCRC32C: b64crc32c(body) }));
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'later', ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT' }));
      const parts = [randomBytes(5 * MiB), randomBytes(1000)];
      const first = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'later', UploadId: created.UploadId, PartNumber: 1, Body: parts[0], ChecksumCRC32C: b64crc32c(parts[0]!) }));
      await server.close();

      server = await startS3Server({ dataDir });
      s3 = localS3Client(server.endpoint);
      const kept = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kept', ChecksumMode: 'ENABLED' }));
      expect(kept).toMatchObject({ ChecksumCRC32C: b64crc32c(body), ChecksumType: 'FULL_OBJECT' });
      const second = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'later', UploadId: created.UploadId, PartNumber: 2, Body: parts[1], ChecksumCRC32C: b64crc32c(parts[1]!) }));
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'later',
          UploadId: created.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }] },
        }),
      );
      await server.close();

      server = await startS3Server({ dataDir });
      s3 = localS3Client(server.endpoint);
      const later = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'later', ChecksumMode: 'ENABLED' }));
      expect(later).toMatchObject({ ChecksumCRC32C: b64crc32c(...parts), ChecksumType: 'FULL_OBJECT' });
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const hasAws = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAws) console.warn('s3-checksums.test.ts: the AWS CLI (`aws`) is not installed here, so its checksum tests are skipped');
(hasAws ? describe : describe.skip)('the AWS CLI', () => {
  const run = promisify(execFile);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 's3-checksums-'));
    writeFileSync(join(dir, 'config'), '[default]\nretry_mode = standard\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n');
    writeFileSync(join(dir, 'file'), 'bytes from the CLI');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const aws = (...args: string[]) =>
    run('aws', ['--endpoint-url', fx.server.endpoint, ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_MAX_ATTEMPTS: '1' },
    });

  it('put-object with a wrong --checksum-sha256 fails with BadDigest; a right one is returned by head-object', async () => {
    const file = join(dir, 'file');
    await expect(aws('s3api', 'put-object', '--bucket', BUCKET, '--key', 'cli-wrong', '--body', file, '--checksum-sha256', sha256(Buffer.from('x')))).rejects.toThrow(/BadDigest/);
    const right = sha256(Buffer.from('bytes from the CLI'));
    await aws('s3api', 'put-object', '--bucket', BUCKET, '--key', 'cli-right', '--body', file, '--checksum-sha256', right);
    const h = JSON.parse((await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', 'cli-right', '--checksum-mode', 'ENABLED')).stdout) as Record<string, string>;
    expect(h).toMatchObject({ ChecksumSHA256: right, ChecksumType: 'FULL_OBJECT' });
  });

  it('s3 cp of 20 MiB in 8 MiB parts with --checksum-algorithm SHA256: each part checked, a COMPOSITE SHA256 of the part SHA256s', async () => {
    const data = randomBytes(20 * MiB);
    writeFileSync(join(dir, 'big'), data);
    await aws('s3', 'cp', join(dir, 'big'), `s3://${BUCKET}/cli-big`, '--checksum-algorithm', 'SHA256');
    const h = JSON.parse((await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', 'cli-big', '--checksum-mode', 'ENABLED')).stdout) as Record<string, string>;
    const parts = [0, 8, 16].map((at) => createHash('sha256').update(data.subarray(at * MiB, Math.min(data.length, (at + 8) * MiB))).digest());
    expect(h).toMatchObject({ ChecksumSHA256: `${sha256(Buffer.concat(parts))}-3`, ChecksumType: 'COMPOSITE' });
  });
});
