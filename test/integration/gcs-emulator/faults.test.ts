import { CRC32C } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { startTestGcs, storageFor } from '../../support/gcs-emulator';
import { waitFor } from '../../support/wait-for';

const KiB = 1024;
const BUCKET = 'faults';
const BIN = { resumable: false, contentType: 'application/octet-stream', preconditionOpts: { ifGenerationMatch: 0 } } as const;
let emulator: GcsEmulator;

beforeAll(async () => {
  ({ emulator } = await startTestGcs({ buckets: [BUCKET] }));
});
afterAll(() => emulator.close());
afterEach(() => emulator.faults.clear());

const bucket = () => storageFor(emulator).bucket(BUCKET);
const firedFaults = () => emulator.faults.history.map((f) => `${f.operation} ${f.fault}`);

async function stored(name: string, body: Buffer | string = randomBytes(64 * KiB)) {
  const file = bucket().file(name);
  await file.save(body, BIN);
  return file;
}

describe('HTTP status faults', () => {
  it('return-503 on an upload with a precondition is retried by the client and the upload succeeds', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'return-503' });
    const body = randomBytes(10 * KiB);
    const file = bucket().file('status/503');
    await file.save(body, BIN);
    expect(firedFaults()).toEqual(['storage.objects.insert return-503']);
    expect((await file.download())[0].equals(body)).toBe(true);
  });

  it('return-429 on a read is retried by the client', async () => {
    const file = await stored('status/429');
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-429', times: 2 });
    const [meta] = await file.getMetadata();
    expect(meta.name).toBe('status/429');
    expect(emulator.faults.fired).toBe(2);
  });

  it('return-503 on an upload without a precondition reaches the caller (the client does not retry it)', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'return-503' });
    const err = await bucket().file('status/no-precondition').save('x', { resumable: false, contentType: 'text/plain' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 503, errors: [expect.objectContaining({ reason: 'backendError' })] });
  });
});

describe('connection faults', () => {
  it('return-reset-connection on the resumable upload start is retried and the upload completes', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'return-reset-connection' });
    const body = randomBytes(600 * KiB);
    const file = bucket().file('reset/start');
    await file.save(body, { ...BIN, resumable: true, chunkSize: 256 * KiB });
    expect(emulator.faults.fired).toBe(1);
    expect((await file.download())[0].equals(body)).toBe(true);
  });

  it('a stream broken mid-chunk keeps the whole 256 KiB units received; the client resumes from there', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'return-broken-stream-after-300K' });
    const body = randomBytes(1024 * KiB);
    const file = bucket().file('reset/mid-chunk');
    const ranges: (string | null)[] = [];
    const stream = file.createWriteStream({ ...BIN, resumable: true, chunkSize: 512 * KiB });
    stream.on('response', (r: { headers: Record<string, string> }) => ranges.push(new Headers(r.headers).get('range')));
    await pipeline(Readable.from([body]), stream);
    // Resumed at 256 KiB: the next chunk covers 256 KiB..768 KiB, not 0..512 KiB.
    expect(ranges[0]).toBe('bytes=0-786431');
    expect(emulator.faults.fired).toBe(1);
    expect((await file.download())[0].equals(body)).toBe(true);
  });

  it('a download stream broken after 64 KiB fails with ECONNRESET; downloading again gets the bytes', async () => {
    const body = randomBytes(256 * KiB);
    const file = await stored('reset/download', body);
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-broken-stream-after-64K' });
    await expect(file.download()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await file.download())[0].equals(body)).toBe(true);
  });

  it('stall-for-1s on a download delays it by at least a second and then serves the bytes', async () => {
    const body = randomBytes(128 * KiB);
    const file = await stored('stall/download', body);
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'stall-for-1s-after-64K' });
    const started = Date.now();
    const [back] = await file.download();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(back.equals(body)).toBe(true);
  });

  it('stall-for-1s on an upload delays it and the upload still completes', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'stall-for-1s-after-32K' });
    const body = randomBytes(96 * KiB);
    const file = bucket().file('stall/upload');
    const started = Date.now();
    await file.save(body, BIN);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await file.download())[0].equals(body)).toBe(true);
  });
});

describe('corrupt-data', () => {
  it('on an upload, the client sees the stored hash differ from its own, fails with FILE_NO_UPLOAD and deletes the object', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data' });
    const file = bucket().file('corrupt/client-detects');
    await expect(file.save(randomBytes(32 * KiB), BIN)).rejects.toMatchObject({ code: 'FILE_NO_UPLOAD' });
    expect((await file.exists())[0]).toBe(false);
  });

  it('on an upload that declares its crc32c, the server rejects it (400) and the previous generation stays current', async () => {
    const file = await stored('corrupt/server-detects', 'previous');
    const [before] = await file.getMetadata();
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data' });
    const body = randomBytes(300 * KiB);
    const { crc32c } = crcOf(body);
    const err = await file
      .save(body, { ...BIN, resumable: true, chunkSize: 256 * KiB, preconditionOpts: { ifGenerationMatch: before.generation! }, metadata: { crc32c } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 400 });
    const [after] = await file.getMetadata();
    expect([after.generation, (await file.download())[0].toString()]).toEqual([before.generation, 'previous']);
  });

  it('on a download, the client detects the flipped byte (CONTENT_DOWNLOAD_MISMATCH); what is stored is intact', async () => {
    const body = randomBytes(64 * KiB);
    const file = await stored('corrupt/download', body);
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'corrupt-data' });
    await expect(file.download()).rejects.toMatchObject({ code: 'CONTENT_DOWNLOAD_MISMATCH' });
    expect((await file.download())[0].equals(body)).toBe(true);
  });
});

describe('after-commit faults (the copier killed between the commit and its verification)', () => {
  const uploadUrl = (name: string, type: string): string =>
    `${emulator.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=${type}&name=${encodeURIComponent(name)}&ifGenerationMatch=0`;
  const metadataOf = async (name: string): Promise<{ status: number; size?: string }> => {
    const res = await fetch(`${emulator.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}`);
    return { status: res.status, ...((await res.json()) as { size?: string }) };
  };

  it('return-reset-connection-after-commit: the request fails, yet the object is committed', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'return-reset-connection-after-commit', objectName: 'commit/reset' });
    await expect(fetch(uploadUrl('commit/reset', 'media'), { method: 'POST', body: randomBytes(10 * KiB) })).rejects.toThrow();
    expect(await metadataOf('commit/reset')).toMatchObject({ status: 200, size: String(10 * KiB) });
    expect(firedFaults()).toEqual(['storage.objects.insert return-reset-connection-after-commit']);
  });

  it('stall-for-<S>s-after-commit: a client that gives up waiting leaves the object committed', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'stall-for-2s-after-commit', objectName: 'commit/stall' });
    const upload = fetch(uploadUrl('commit/stall', 'media'), { method: 'POST', body: randomBytes(KiB), signal: AbortSignal.timeout(500) });
    await expect(upload).rejects.toThrow();
    expect(await metadataOf('commit/stall')).toMatchObject({ status: 200, size: String(KiB) });
  });

  it('fires on the request that commits a resumable upload, not on its start or a middle chunk; a status query then finds the object', async () => {
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'return-reset-connection-after-commit', objectName: 'commit/resumable' });
    const start = await fetch(uploadUrl('commit/resumable', 'resumable'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const session = start.headers.get('location')!;
    const body = randomBytes(300 * KiB);
    const first = await fetch(session, { method: 'PUT', headers: { 'content-range': `bytes 0-${256 * KiB - 1}/*` }, body: body.subarray(0, 256 * KiB) });
    expect(first.status).toBe(308);
    expect(emulator.faults.fired).toBe(0);
    const last = fetch(session, { method: 'PUT', headers: { 'content-range': `bytes ${256 * KiB}-${body.length - 1}/${body.length}` }, body: body.subarray(256 * KiB) });
    await expect(last).rejects.toThrow();
    expect(emulator.faults.fired).toBe(1);
    const status = await fetch(session, { method: 'PUT', headers: { 'content-range': `bytes */${body.length}` } });
    expect(status.status).toBe(200);
    expect(await metadataOf('commit/resumable')).toMatchObject({ status: 200, size: String(body.length) });
  });

  it('a delete stalled past its client still lands when the stall ends, counted in requestsInFlight until then', async () => {
    const quiet = (): Promise<boolean> =>
      waitFor(() => emulator.requestsInFlight === 0, { timeoutMs: 10_000, what: 'the emulator to answer every request it holds', intervalMs: 50 });
    await quiet(); // an earlier test's stalled answer may still be held
    const file = await stored('commit/late-delete', 'doomed');
    const [meta] = await file.getMetadata();
    emulator.faults.inject({ operation: 'storage.objects.delete', fault: 'stall-for-1s', objectName: 'commit/late-delete' });
    const url = `${emulator.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('commit/late-delete')}?ifGenerationMatch=${meta.generation}`;
    await expect(fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(emulator.requestsInFlight).toBe(1);
    expect((await metadataOf('commit/late-delete')).status).toBe(200);
    await quiet();
    expect((await metadataOf('commit/late-delete')).status).toBe(404);
  });

  it('status faults on delete and patch answer before anything changes', async () => {
    const file = await stored('commit/delete-patch', 'kept');
    emulator.faults.inject({ operation: 'storage.objects.delete', fault: 'return-503', times: 10 });
    emulator.faults.inject({ operation: 'storage.objects.patch', fault: 'return-503', times: 10 });
    await expect(file.delete({ ifGenerationMatch: (await file.getMetadata())[0].generation })).rejects.toMatchObject({ code: 503 });
    await expect(file.setMetadata({ metadata: { mark: 'x' } })).rejects.toMatchObject({ code: 503 });
    const [meta] = await file.getMetadata();
    expect(meta.metadata?.['mark']).toBeUndefined();
    expect((await file.download())[0].toString()).toBe('kept');
  });
});

describe('fault selection and control over HTTP', () => {
  it('a fault with objectName fires only for that object', async () => {
    const other = await stored('select/other');
    const target = await stored('select/target');
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-429', objectName: 'select/target' });
    await other.getMetadata();
    expect(emulator.faults.fired).toBe(0);
    await target.getMetadata();
    expect(firedFaults()).toEqual(['storage.objects.get return-429']);
  });

  it('POST /retry_test faults fire only on requests carrying its x-retry-test-id', async () => {
    const file = await stored('retry-test/object');
    const created = await fetch(`${emulator.url}/retry_test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instructions: { 'storage.objects.get': ['return-503', 'return-503'] } }),
    });
    const { id } = (await created.json()) as { id: string };
    await file.getMetadata(); // no header: untouched
    expect(emulator.faults.fired).toBe(0);
    const storage = storageFor(emulator);
    type Interceptor = (typeof storage.interceptors)[number];
    const addTestId: Interceptor = {
      request: (opts) => {
        opts.headers = { ...opts.headers, 'x-retry-test-id': id };
        return opts as ReturnType<Interceptor['request']>;
      },
    };
    storage.interceptors.push(addTestId);
    const [meta] = await storage.bucket(BUCKET).file('retry-test/object').getMetadata();
    expect(meta.name).toBe('retry-test/object');
    const status = (await (await fetch(`${emulator.url}/retry_test/${id}`)).json()) as { completed: boolean };
    expect([status.completed, emulator.faults.fired]).toEqual([true, 2]);
  });

  it('POST /_emulator/faults injects a global fault that the client then meets', async () => {
    const file = await stored('http/global');
    const res = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'storage.objects.delete', fault: 'return-503' }),
    });
    expect(await res.json()).toMatchObject({ fired: 0, pending: [{ operation: 'storage.objects.delete', fault: 'return-503', times: 1 }] });
    const [meta] = await file.getMetadata();
    await file.delete({ ifGenerationMatch: meta.generation });
    expect((await file.exists())[0]).toBe(false);
    expect(await (await fetch(`${emulator.url}/_emulator/faults`)).json()).toMatchObject({ fired: 1, pending: [] });
  });

  it('rejects an unknown fault name with 400', async () => {
    const res = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'storage.objects.get', fault: 'return-teapot' }),
    });
    expect(res.status).toBe(400);
  });
});

function crcOf(body: Buffer): { crc32c: string } {
  const crc = new CRC32C();
  crc.update(body);
  return { crc32c: crc.toString() };
}
