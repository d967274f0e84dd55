import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { S3ObjectEvent } from '../../../workflows/local/s3-server';
import { localS3Client } from '../../../workflows/local/s3-server';
import { startS3Fixture, type S3Fixture } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';

/** Object sizes and event names of the local S3 server as S3 has them, through the real SDK and raw HTTP. */
const MiB = 1024 * 1024;
let fx: S3Fixture;
const events: S3ObjectEvent[] = [];

beforeAll(async () => {
  fx = await startS3Fixture();
  fx.server.onObjectEvent((e) => events.push(e));
  await fx.createBucket('sizes');
});
afterAll(async () => {
  await fx?.server.close();
});

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function getBytes(key: string): Promise<Buffer> {
  const res = await fx.s3.send(new GetObjectCommand({ Bucket: 'sizes', Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** A raw PUT as the AWS CLI sends an empty upload: Expect: 100-continue, Content-Length: 0, a CRC32 header, no body. */
function putEmptyLikeTheCli(key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${fx.server.endpoint}/sizes/${encodeURIComponent(key)}`, {
      method: 'PUT',
      headers: { Expect: '100-continue', 'Content-Length': '0', 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-sdk-checksum-algorithm': 'CRC32' },
    });
    req.on('continue', () => req.end());
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('local S3 server object sizes', () => {
  it('stores a 12 MiB PutObject (fauxqs alone answered 413 above 11 MiB)', async () => {
    const body = randomBytes(12 * MiB);
    const put = await fx.s3.send(new PutObjectCommand({ Bucket: 'sizes', Key: 'twelve', Body: body }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(md5(await getBytes('twelve'))).toBe(md5(body));
  });

  it('completes a multipart upload of 16 MiB parts', async () => {
    const parts = [randomBytes(16 * MiB), randomBytes(16 * MiB), randomBytes(3 * MiB)];
    const { UploadId } = await fx.s3.send(new CreateMultipartUploadCommand({ Bucket: 'sizes', Key: 'parts' }));
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const { ETag } = await fx.s3.send(new UploadPartCommand({ Bucket: 'sizes', Key: 'parts', UploadId, PartNumber: i + 1, Body }));
      done.push({ ETag, PartNumber: i + 1 });
    }
    await fx.s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sizes', Key: 'parts', UploadId, MultipartUpload: { Parts: done } }));
    expect(md5(await getBytes('parts'))).toBe(md5(Buffer.concat(parts)));
  });

  it('decodes an aws-chunked body with a trailing checksum (the SDK default) once, intact', async () => {
    const s3 = localS3Client(fx.server.endpoint, { requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const body = randomBytes(12 * MiB + 7);
    await s3.send(new PutObjectCommand({ Bucket: 'sizes', Key: 'chunked', Body: body, ChecksumAlgorithm: 'CRC32C' }));
    expect(md5(await getBytes('chunked'))).toBe(md5(body));
  });

  it('stores an empty object sent as the AWS CLI sends it (fauxqs alone answered 500)', async () => {
    const res = await putEmptyLikeTheCli('empty');
    expect(res).toEqual({ status: 200, body: '' });
    expect(await getBytes('empty')).toHaveLength(0);
  });

  it('refuses a body over S3 5 GiB limit up front with EntityTooLarge naming the limit', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${fx.server.endpoint}/sizes/huge`, { method: 'PUT', headers: { 'Content-Length': String(5 * 1024 * MiB + 1) } });
      req.on('response', (r) => {
        let body = '';
        r.setEncoding('utf8').on('data', (d: string) => (body += d));
        r.on('end', () => {
          resolve({ status: r.statusCode!, body });
          req.destroy(); // the 5 GiB never follow
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(res.status).toBe(413);
    expect(res.body).toContain('<Code>EntityTooLarge</Code>');
    expect(res.body).toContain('at most 5368709120 bytes (5 GiB) in one PUT or one part');
  });
});

describe('local S3 server event names', () => {
  async function eventFor(key: string): Promise<Extract<S3ObjectEvent, { type: 'created' }>[]> {
    await waitFor(() => events.some((e) => e.key === key), { timeoutMs: 5_000, what: `an event for ${key}` });
    await new Promise((r) => setTimeout(r, 200)); // a second event, if any, arrives in the same burst
    return events.filter((e): e is Extract<S3ObjectEvent, { type: 'created' }> => e.key === key && e.type === 'created');
  }

  it('reports a server-side CopyObject as exactly one ObjectCreated:Copy (fauxqs alone: two Puts)', async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: 'sizes', Key: 'copy-source', Body: 'abc' }));
    await fx.s3.send(new CopyObjectCommand({ Bucket: 'sizes', Key: 'copy-target', CopySource: 'sizes/copy-source' }));
    const copied = await eventFor('copy-target');
    expect(copied).toHaveLength(1);
    expect(copied[0]).toMatchObject({ eventName: 'ObjectCreated:Copy', size: 3, etag: md5(Buffer.from('abc')) });
    expect((await eventFor('copy-source')).map((e) => e.eventName)).toEqual(['ObjectCreated:Put']);
  });

  it('names multipart uploads ObjectCreated:CompleteMultipartUpload', async () => {
    expect((await eventFor('parts')).map((e) => e.eventName)).toEqual(['ObjectCreated:CompleteMultipartUpload']);
  });
});
