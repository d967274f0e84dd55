import { Storage } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { FAST_RETRY_OPTIONS, startTestGcs, storageFor } from '../../support/gcs-emulator';

const BUCKET = 'objects';
const BIN = { resumable: false, contentType: 'application/octet-stream', preconditionOpts: { ifGenerationMatch: 0 } } as const;
let emulator: GcsEmulator;

beforeAll(async () => {
  ({ emulator } = await startTestGcs({ buckets: [BUCKET] }));
});
afterAll(() => emulator.close());

const bucket = () => storageFor(emulator).bucket(BUCKET);

describe('media download', () => {
  const body = randomBytes(300 * 1024);
  beforeAll(() => bucket().file('dl/object.bin').save(body, BIN));

  it('downloads the whole object with the client validating its crc32c', async () => {
    const [back] = await bucket().file('dl/object.bin').download({ validation: 'crc32c' });
    expect(back.equals(body)).toBe(true);
  });

  it('downloads the whole object with md5 validation', async () => {
    const [back] = await bucket().file('dl/object.bin').download({ validation: 'md5' });
    expect(back.equals(body)).toBe(true);
  });

  it('serves a Range as 206 with exactly those bytes', async () => {
    const [part] = await bucket().file('dl/object.bin').download({ start: 1000, end: 204_799 });
    expect(part.equals(body.subarray(1000, 204_800))).toBe(true);
  });

  it('sends x-goog-hash, x-goog-stored-content-encoding and Content-Range on the wire', async () => {
    const res = await fetch(`${emulator.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('dl/object.bin')}?alt=media`, { headers: { range: 'bytes=-10' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${body.length - 10}-${body.length - 1}/${body.length}`);
    expect(res.headers.get('x-goog-hash')).toMatch(/^crc32c=[A-Za-z0-9+/]{6}==,md5=[A-Za-z0-9+/]{22}==$/);
    expect(res.headers.get('x-goog-stored-content-encoding')).toBe('identity');
    expect(Buffer.from(await res.arrayBuffer()).equals(body.subarray(-10))).toBe(true);
  });

  it('answers 416 for a range past the end', async () => {
    const res = await fetch(`${emulator.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('dl/object.bin')}?alt=media`, { headers: { range: `bytes=${body.length}-` } });
    expect(res.status).toBe(416);
  });

  it('serves the mediaLink of the object resource', async () => {
    const [meta] = await bucket().file('dl/object.bin').getMetadata();
    const res = await fetch(meta.mediaLink!);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  it('reports a missing object as 404 in the GCS error shape', async () => {
    const err = await bucket().file('dl/missing').download().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 404 });
    const res = await fetch(`${emulator.url}/storage/v1/b/${BUCKET}/o/missing`);
    expect(await res.json()).toEqual({ error: { code: 404, message: expect.stringContaining('missing'), errors: [{ reason: 'notFound', domain: 'global', message: expect.any(String) }] } });
  });
});

describe('object metadata', () => {
  it('getMetadata returns the object resource with kind, int64 strings and timestamps', async () => {
    const file = bucket().file('meta/get');
    await file.save('abc', { ...BIN, contentType: 'text/plain' });
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({ kind: 'storage#object', name: 'meta/get', bucket: BUCKET, size: '3', contentType: 'text/plain', storageClass: 'STANDARD' });
    expect(Date.parse(meta.updated!)).toBeGreaterThan(0);
  });

  it('setMetadata merges custom metadata, deletes null keys, sets fields and bumps metageneration', async () => {
    const file = bucket().file('meta/patch');
    await file.save('abc', { ...BIN, metadata: { metadata: { keep: '1', drop: '2' } } });
    const [before] = await file.getMetadata();
    await file.setMetadata(
      { contentType: 'application/json', cacheControl: 'max-age=60', contentEncoding: 'identity', metadata: { drop: null, added: '3' } },
      { ifMetagenerationMatch: before.metageneration },
    );
    const [after] = await file.getMetadata();
    expect(after).toMatchObject({ contentType: 'application/json', cacheControl: 'max-age=60', contentEncoding: 'identity', metadata: { keep: '1', added: '3' }, metageneration: '2', generation: before.generation });
    expect(after.metadata).not.toHaveProperty('drop');
  });

  it('setMetadata with a stale ifMetagenerationMatch gets 412 and changes nothing', async () => {
    const file = bucket().file('meta/stale');
    await file.save('abc', BIN);
    await expect(file.setMetadata({ contentType: 'x/y' }, { ifMetagenerationMatch: 7 })).rejects.toMatchObject({ code: 412 });
    expect((await file.getMetadata())[0]).toMatchObject({ contentType: 'application/octet-stream', metageneration: '1' });
  });

  it('getMetadata honours ifGenerationNotMatch with 412', async () => {
    const file = bucket().file('meta/not-match');
    await file.save('abc', BIN);
    const [meta] = await file.getMetadata();
    await expect(file.getMetadata({ ifGenerationNotMatch: meta.generation })).rejects.toMatchObject({ code: 412 });
  });
});

describe('list', () => {
  const names = ['list/a.txt', 'list/b/1.txt', 'list/b/2.txt', 'list/c/1.txt', 'list/d.txt', 'other/x.txt'];
  beforeAll(async () => {
    for (const name of names) await bucket().file(name).save(name, BIN);
  });

  it('filters by prefix', async () => {
    const [files] = await bucket().getFiles({ prefix: 'list/' });
    expect(files.map((f) => f.name)).toEqual(names.filter((n) => n.startsWith('list/')));
  });

  it('groups names under a delimiter into prefixes', async () => {
    const [files, , response] = await bucket().getFiles({ prefix: 'list/', delimiter: '/', autoPaginate: false });
    expect(files.map((f) => f.name)).toEqual(['list/a.txt', 'list/d.txt']);
    expect((response as { prefixes?: string[] }).prefixes).toEqual(['list/b/', 'list/c/']);
  });

  it('pages with maxResults and pageToken, each name or prefix once', async () => {
    const seen: string[] = [];
    let query: { prefix: string; delimiter: string; maxResults: number; autoPaginate: false; pageToken?: string } | null = { prefix: 'list/', delimiter: '/', maxResults: 1, autoPaginate: false };
    let pages = 0;
    while (query) {
      const [files, next, response] = await bucket().getFiles(query);
      seen.push(...files.map((f) => f.name), ...((response as { prefixes?: string[] }).prefixes ?? []));
      query = next as typeof query;
      pages++;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(['list/a.txt', 'list/b/', 'list/c/', 'list/d.txt']);
  });
});

describe('delete', () => {
  it('deletes the object (204); it is then 404', async () => {
    const file = bucket().file('del/one');
    await file.save('x', BIN);
    const [meta] = await file.getMetadata();
    await file.delete({ ifGenerationMatch: meta.generation });
    expect((await file.exists())[0]).toBe(false);
  });

  it('refuses a delete with a stale ifGenerationMatch (412)', async () => {
    const file = bucket().file('del/stale');
    await file.save('x', BIN);
    await expect(file.delete({ ifGenerationMatch: '1' })).rejects.toMatchObject({ code: 412 });
    expect((await file.exists())[0]).toBe(true);
  });

  it('answers 404 for a missing object', async () => {
    await expect(bucket().file('del/missing').delete()).rejects.toMatchObject({ code: 404 });
  });
});

describe('buckets and endpoint styles', () => {
  it('creates and gets a bucket through the client', async () => {
    const storage = storageFor(emulator);
    await storage.createBucket('made-by-client');
    const [exists] = await storage.bucket('made-by-client').exists();
    const [missing] = await storage.bucket('never-made').exists();
    expect([exists, missing]).toEqual([true, false]);
  });

  it('serves the STORAGE_EMULATOR_HOST paths (/b/..., no /storage/v1)', async () => {
    process.env.STORAGE_EMULATOR_HOST = emulator.url;
    let storage: Storage;
    try {
      storage = new Storage({ projectId: 'test-project', retryOptions: FAST_RETRY_OPTIONS });
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
    expect(storage.baseUrl).toBe(emulator.url);
    const file = storage.bucket(BUCKET).file('env-style/x.bin');
    await file.save(randomBytes(2048), { ...BIN, resumable: true });
    const [meta] = await file.getMetadata();
    const [files] = await storage.bucket(BUCKET).getFiles({ prefix: 'env-style/' });
    const [back] = await file.download();
    expect([meta.size, files.length, back.length]).toEqual(['2048', 1, 2048]);
  });

  it('serves the apiEndpoint paths (/storage/v1/b/...)', () => {
    expect(storageFor(emulator).baseUrl).toBe(`${emulator.url}/storage/v1`);
  });
});

describe('dataDir storage', () => {
  it('keeps object bytes in files there, serves them back, and removes them on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gcs-emulator-'));
    try {
      const { emulator: onDisk, storage } = await startTestGcs({ dataDir: dir, buckets: ['disk'] });
      const body = randomBytes(600 * 1024);
      const file = storage.bucket('disk').file('f.bin');
      await file.save(body, { ...BIN, resumable: true, chunkSize: 256 * 1024 });
      await file.save(body.subarray(1), { ...BIN, preconditionOpts: { ifGenerationMatch: (await file.getMetadata())[0].generation! } });
      const [back] = await file.download();
      const filesWhileOpen = readdirSync(dir).length;
      await onDisk.close();
      expect([back.equals(body.subarray(1)), filesWhileOpen, readdirSync(dir).length]).toEqual([true, 1, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
