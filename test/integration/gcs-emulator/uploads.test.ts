import { CRC32C } from '@google-cloud/storage';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { startTestGcs, storageFor } from '../../support/gcs-emulator';

const KiB = 1024;
const BUCKET = 'uploads';
let emulator: GcsEmulator;

beforeAll(async () => {
  ({ emulator } = await startTestGcs({ buckets: [BUCKET] }));
});
afterAll(() => emulator.close());

const bucket = () => storageFor(emulator).bucket(BUCKET);
// Hashes from independent implementations: the client's own CRC32C and node:crypto.
const crc32cOf = (b: Buffer) => {
  const crc = new CRC32C();
  crc.update(b);
  return crc.toString();
};
const md5Of = (b: Buffer) => createHash('md5').update(b).digest('base64');

async function initSession(name: string, metadata: object = {}, query = ''): Promise<string> {
  const res = await fetch(`${emulator.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=${encodeURIComponent(name)}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  expect(res.status).toBe(200);
  return res.headers.get('location')!;
}

const putChunk = (location: string, contentRange: string, body: Buffer = Buffer.alloc(0), headers: Record<string, string> = {}) =>
  fetch(location, { method: 'PUT', redirect: 'manual', headers: { 'content-range': contentRange, ...headers }, body });

describe('multipart upload (save with resumable: false)', () => {
  it('stores the bytes and answers with crc32c, md5Hash, size and an int64-string generation', async () => {
    const body = randomBytes(100 * KiB + 7);
    const file = bucket().file('multipart/a.bin');
    await file.save(body, { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({ size: String(body.length), crc32c: crc32cOf(body), md5Hash: md5Of(body), metageneration: '1' });
    expect(meta.generation).toMatch(/^[1-9]\d{12,}$/);
    const [back] = await file.download();
    expect(back.equals(body)).toBe(true);
  });

  it('stores a zero-byte object', async () => {
    const file = bucket().file('multipart/empty');
    await file.save(Buffer.alloc(0), { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({ size: '0', crc32c: 'AAAAAA==', md5Hash: md5Of(Buffer.alloc(0)) });
  });

  it('keeps the object fields and custom metadata sent with the upload', async () => {
    const file = bucket().file('multipart/fields.txt');
    await file.save('hello', {
      resumable: false,
      preconditionOpts: { ifGenerationMatch: 0 },
      metadata: {
        contentType: 'text/plain; charset=utf-8',
        contentDisposition: 'attachment; filename="f.txt"',
        contentLanguage: 'en',
        cacheControl: 'no-cache',
        storageClass: 'NEARLINE',
        metadata: { 'source-key': 'a b+c', sequencer: '0055AED6DCD90281E5' },
      },
    });
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({
      contentType: 'text/plain; charset=utf-8',
      contentDisposition: 'attachment; filename="f.txt"',
      contentLanguage: 'en',
      cacheControl: 'no-cache',
      storageClass: 'NEARLINE',
      metadata: { 'source-key': 'a b+c', sequencer: '0055AED6DCD90281E5' },
    });
  });

  it('accepts a media part without headers, as Go clients send it', async () => {
    const boundary = 'b0undary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n{"name":"multipart/bare","contentType":"x/y"}\r\n--${boundary}\r\n\r\n`),
      Buffer.from('bare bytes\r\n--not-the-boundary'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await fetch(`${emulator.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart`, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
      body: payload,
    });
    expect(res.status).toBe(200);
    const [back] = await bucket().file('multipart/bare').download();
    expect(back.toString()).toBe('bare bytes\r\n--not-the-boundary');
  });
});

describe('resumable upload', () => {
  it('sends 256 KiB chunks answered 308 + Range, then 200 with the object', async () => {
    const body = randomBytes(1024 * KiB + 123);
    const file = bucket().file('resumable/chunked.bin');
    const statuses: number[] = [];
    const ranges: (string | null)[] = [];
    const stream = file.createWriteStream({ resumable: true, chunkSize: 256 * KiB, preconditionOpts: { ifGenerationMatch: 0 } });
    stream.on('response', (r: { status: number; headers: Headers | Record<string, string> }) => {
      statuses.push(r.status);
      ranges.push(new Headers(r.headers as Record<string, string>).get('range'));
    });
    await pipeline(Readable.from([body]), stream);
    expect(statuses).toEqual([308, 308, 308, 308, 200]);
    expect(ranges.slice(0, 4)).toEqual(['bytes=0-262143', 'bytes=0-524287', 'bytes=0-786431', 'bytes=0-1048575']);
    const [back] = await file.download();
    expect(back.equals(body)).toBe(true);
    expect((await file.getMetadata())[0]).toMatchObject({ crc32c: crc32cOf(body), md5Hash: md5Of(body) });
  });

  it('uploads in a single request when no chunkSize is set', async () => {
    const body = randomBytes(700 * KiB);
    const file = bucket().file('resumable/single.bin');
    await file.save(body, { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } });
    const [back] = await file.download();
    expect(back.equals(body)).toBe(true);
  });

  it('persists only whole 256 KiB units of a non-final chunk and says so in Range', async () => {
    const location = await initSession('resumable/unaligned.bin');
    const res = await putChunk(location, 'bytes 0-307199/*', randomBytes(300 * KiB));
    expect(res.status).toBe(308);
    expect(res.headers.get('range')).toBe('bytes=0-262143');
  });

  it('answers a bytes */* status query with the persisted range, and bytes */TOTAL finalizes', async () => {
    const body = randomBytes(512 * KiB);
    const location = await initSession('resumable/status.bin');
    const fresh = await putChunk(location, 'bytes */*');
    expect([fresh.status, fresh.headers.get('range')]).toEqual([308, null]);
    expect((await putChunk(location, 'bytes 0-524287/*', body)).status).toBe(308);
    const status = await putChunk(location, 'bytes */*');
    expect([status.status, status.headers.get('range')]).toEqual([308, 'bytes=0-524287']);
    const done = await putChunk(location, `bytes */${body.length}`);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ name: 'resumable/status.bin', size: String(body.length), crc32c: crc32cOf(body) });
  });

  it('answers rclone-style POST chunks with X-GUploader-No-308 as 200 + X-Http-Status-Code-Override: 308', async () => {
    const location = await initSession('resumable/go-client.bin');
    const res = await fetch(location, {
      method: 'POST',
      headers: { 'content-range': 'bytes 0-262143/*', 'x-guploader-no-308': 'yes' },
      body: randomBytes(256 * KiB),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-http-status-code-override')).toBe('308');
    expect(res.headers.get('range')).toBe('bytes=0-262143');
  });

  it('returns 404 in the GCS error shape for an unknown session', async () => {
    const res = await putChunk(`${emulator.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=nope`, 'bytes */*');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 404, message: expect.any(String), errors: [{ reason: 'notFound', message: expect.any(String), domain: 'global' }] } });
  });
});

describe('preconditions on insert', () => {
  it('ifGenerationMatch: 0 refuses to overwrite an existing object with 412 (multipart)', async () => {
    const file = bucket().file('pre/exists-multipart');
    await file.save('v1', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(file.save('v2', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } })).rejects.toMatchObject({ code: 412 });
    expect((await file.download())[0].toString()).toBe('v1');
  });

  it('ifGenerationMatch: 0 refuses to overwrite an existing object with 412 (resumable)', async () => {
    const file = bucket().file('pre/exists-resumable');
    await file.save('v1', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(file.save('v2', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } })).rejects.toMatchObject({ code: 412 });
    expect((await file.download())[0].toString()).toBe('v1');
  });

  it('a stale ifGenerationMatch gets 412 and the live generation stays; the current one replaces it with a newer generation', async () => {
    const file = bucket().file('pre/stale');
    await file.save('v1', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const gen1 = (await file.getMetadata())[0].generation!;
    await file.save('v2', { resumable: false, preconditionOpts: { ifGenerationMatch: gen1 } });
    const gen2 = (await file.getMetadata())[0].generation!;
    expect(BigInt(gen2) > BigInt(gen1)).toBe(true);
    await expect(file.save('v3', { resumable: true, preconditionOpts: { ifGenerationMatch: gen1 } })).rejects.toMatchObject({ code: 412 });
    const [meta] = await file.getMetadata();
    expect([meta.generation, (await file.download())[0].toString()]).toEqual([gen2, 'v2']);
  });
});

describe('server-side hash validation', () => {
  it('rejects a multipart upload whose metadata crc32c does not match the bytes (400), keeping the previous generation', async () => {
    const file = bucket().file('hash/multipart');
    await file.save('good', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const gen = (await file.getMetadata())[0].generation!;
    const err = await file.save('evil', { resumable: false, preconditionOpts: { ifGenerationMatch: gen }, metadata: { crc32c: crc32cOf(Buffer.from('other')) } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 400, message: expect.stringContaining('CRC32C') });
    expect([(await file.getMetadata())[0].generation, (await file.download())[0].toString()]).toEqual([gen, 'good']);
  });

  it('rejects a resumable upload whose initial metadata md5Hash does not match (400), creating no object', async () => {
    const file = bucket().file('hash/resumable');
    const err = await file
      .save(randomBytes(300 * KiB), { resumable: true, chunkSize: 256 * KiB, preconditionOpts: { ifGenerationMatch: 0 }, metadata: { md5Hash: md5Of(Buffer.from('x')) } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 400 });
    expect((await file.exists())[0]).toBe(false);
  });

  it('rejects a final chunk whose X-Goog-Hash does not match (400) and accepts a matching one', async () => {
    const body = randomBytes(64 * KiB);
    const bad = await initSession('hash/x-goog-hash');
    const rejected = await putChunk(bad, `bytes 0-${body.length - 1}/${body.length}`, body, { 'x-goog-hash': `crc32c=${crc32cOf(Buffer.from('x'))}` });
    expect(rejected.status).toBe(400);
    expect((await bucket().file('hash/x-goog-hash').exists())[0]).toBe(false);
    const good = await initSession('hash/x-goog-hash');
    const accepted = await putChunk(good, `bytes 0-${body.length - 1}/${body.length}`, body, { 'x-goog-hash': `crc32c=${crc32cOf(body)},md5=${md5Of(body)}` });
    expect(accepted.status).toBe(200);
  });

  it('checks X-Goog-Hash on a single-request media upload too', async () => {
    const body = randomBytes(10 * KiB);
    const upload = (hash: string) =>
      fetch(`${emulator.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=hash%2Fmedia`, { method: 'POST', headers: { 'x-goog-hash': `md5=${hash}` }, body });
    expect((await upload(md5Of(Buffer.from('x')))).status).toBe(400);
    expect((await bucket().file('hash/media').exists())[0]).toBe(false);
    expect((await upload(md5Of(body))).status).toBe(200);
    expect((await bucket().file('hash/media').download())[0].equals(body)).toBe(true);
  });
});
