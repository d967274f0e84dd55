/**
 * The fault proxy in front of the local S3 server (fauxqs), driven by the real AWS SDK and the engine's S3
 * transport: each fault reaches the client the way S3's would, and is classified as the retryable failure it is.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { classifyError } from '../../../../workflows/backup/classify-error';
import { TransientError } from '../../../../workflows/backup/errors';
import { getRange, getWhole, headSource } from '../../../../workflows/copy/s3-source';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../../../../workflows/local/fault-proxy';
import { localS3Client } from '../../../../workflows/local/s3-server';
import { putObject, startS3Fixture, type S3Fixture } from '../../../support/s3-server';

const BUCKET = 'proxied';
const BODY = randomBytes(300 * 1024);
let s3fx: S3Fixture;
let etag: string;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  s3fx = await startS3Fixture();
  await s3fx.createBucket(BUCKET);
  etag = await putObject(s3fx.s3, BUCKET, 'object.bin', BODY);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await s3fx?.server.close();
});

async function proxy(options: Omit<FaultProxyOptions, 'upstream' | 'seed'>): Promise<FaultProxy> {
  const p = await startFaultProxy({ upstream: s3fx.server.endpoint, seed: 1, ...options });
  proxies.push(p);
  return p;
}

/** A client that does not retry, so each fault is seen as the SDK reports it. */
function oneShot(endpoint: string): S3Client {
  return localS3Client(endpoint, { maxAttempts: 1 });
}

const pin = { bucket: BUCKET, key: 'object.bin' };

describe('fault proxy', () => {
  test('forwards untouched when no fault is due', async () => {
    const p = await proxy({});
    const body = await getWhole(localS3Client(p.endpoint), { ...pin, etag }, BODY.length);
    expect(body.equals(BODY)).toBe(true);
    expect(p.counts()).toEqual({ requests: 1, faults: { 'slow-down': 0, reset: 0, 'broken-stream': 0, stall: 0 } });
  });

  test('slow-down: 503 SlowDown with the S3 XML error, a TransientError, and the SDK retry gets through', async () => {
    const p = await proxy({ rates: { 'slow-down': 1 }, maxFaultsPerRequest: 1 });
    const err = await oneShot(p.endpoint)
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'object.bin' }))
      .catch((e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
    expect(err).toMatchObject({ name: 'SlowDown', message: 'Please reduce your request rate.', $metadata: { httpStatusCode: 503 } });
    expect(classifyError(err, { side: 's3', operation: 'GetObject', location: 's3://proxied/object.bin' })).toBeInstanceOf(TransientError);

    const p2 = await proxy({ rates: { 'slow-down': 1 }, maxFaultsPerRequest: 1 });
    const head = await localS3Client(p2.endpoint).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'object.bin' }));
    expect(head.ContentLength).toBe(BODY.length);
    expect(p2.counts().faults['slow-down']).toBe(1);
    expect(p2.counts().requests).toBe(2);
  });

  test('slow-down on HEAD (no body) is still a TransientError', async () => {
    const p = await proxy({ rates: { 'slow-down': 1 }, maxFaultsPerRequest: 5 });
    const err = await headSource(oneShot(p.endpoint), pin).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
  });

  test('reset: the connection drops before any response (ECONNRESET)', async () => {
    const p = await proxy({ rates: { reset: 1 }, maxFaultsPerRequest: 5 });
    const err = await oneShot(p.endpoint)
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'object.bin' }))
      .catch((e: unknown) => e);
    expect(networkCode(err)).toBe('ECONNRESET');
    expect(p.counts().faults.reset).toBe(1);
  });

  test('broken-stream: the body is cut mid-way; the engine sees a TransientError, never short data', async () => {
    const p = await proxy({ rates: { 'broken-stream': 1 }, maxFaultsPerRequest: 5 });
    const client = oneShot(p.endpoint);
    for (let i = 0; i < 3; i++) {
      // Each attempt is a new signature (range), so each is cut at its own point.
      const err = await getRange(client, { ...pin, etag }, i, BODY.length - 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
    }
    expect(p.counts().faults['broken-stream']).toBe(3);
  });

  test('stall: the request waits, then succeeds', async () => {
    const p = await proxy({ rates: { stall: 1 }, stallMs: 400, maxFaultsPerRequest: 1 });
    const started = Date.now();
    const body = await getWhole(localS3Client(p.endpoint), { ...pin, etag }, BODY.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(body.equals(BODY)).toBe(true);
    expect(p.counts().faults.stall).toBe(1);
  });

  test('eligible: only matching requests are faulted', async () => {
    const p = await proxy({ rates: { reset: 1 }, maxFaultsPerRequest: 5, eligible: ({ method }) => method === 'HEAD' });
    const body = await getWhole(oneShot(p.endpoint), { ...pin, etag }, BODY.length);
    expect(body.equals(BODY)).toBe(true);
    const err = await oneShot(p.endpoint).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'object.bin' })).catch((e: unknown) => e);
    expect(networkCode(err)).toBe('ECONNRESET');
  });

  test('close stops serving', async () => {
    const p = await proxy({});
    await p.close();
    const err = await oneShot(p.endpoint).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'object.bin' })).catch((e: unknown) => e);
    expect(networkCode(err)).toBe('ECONNREFUSED');
  });
});

/**
 * The socket error code. Under jest, errors from node:net come from another realm, so the SDK wraps them in an Error
 * that keeps only the text ("AWS SDK error wrapper for TimeoutError: read ECONNRESET"); outside jest the code is set.
 */
function networkCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  return /\b(E[A-Z]+)\b/.exec(String(e.message))?.[1];
}
