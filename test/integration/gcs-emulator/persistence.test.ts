import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGcs, storageFor } from '../../support/gcs-emulator';

const BIN = { resumable: false, contentType: 'application/octet-stream', preconditionOpts: { ifGenerationMatch: 0 } } as const;

/** The emulator with `persist`: what one run stored, the next run on the same directory serves, names never paths. */
describe('GCS emulator with a persistent data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gcs-persist-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves every object, byte-identical with generation, metageneration, crc32c and metadata, after a restart', async () => {
    const names = ['../../escape.txt', 'a/../b.txt', 'b.txt', 'dir/ü é/😀.bin', '/leading', 'trailing/'];
    const bodies = new Map(names.map((n) => [n, randomBytes(1 + Math.floor(Math.random() * 4096))]));
    const first = await startTestGcs({ dataDir: dir, persist: true, buckets: ['kept'] });
    const before = new Map<string, Record<string, unknown>>();
    for (const [name, body] of bodies) {
      const file = first.storage.bucket('kept').file(name);
      await file.save(body, { ...BIN, metadata: { metadata: { source: name } } });
      before.set(name, (await file.getMetadata())[0] as Record<string, unknown>);
    }
    const patched = first.storage.bucket('kept').file('b.txt');
    await patched.setMetadata({ cacheControl: 'no-store' }, { ifMetagenerationMatch: 1 });
    before.set('b.txt', (await patched.getMetadata())[0] as Record<string, unknown>);
    await first.storage.bucket('kept').file('trailing/').delete();
    bodies.delete('trailing/');
    before.delete('trailing/');
    await first.emulator.close();

    // Nothing was written outside the directory, and no file there is named after an object.
    expect(existsSync(join(dir, '..', '..', 'escape.txt'))).toBe(false);
    const second = await startTestGcs({ dataDir: dir, persist: true });
    try {
      const bucket = storageFor(second.emulator).bucket('kept');
      const [files] = await bucket.getFiles();
      expect(files.map((f) => f.name).sort()).toEqual([...bodies.keys()].sort());
      for (const [name, body] of bodies) {
        const [meta] = await bucket.file(name).getMetadata();
        const keep = (m: Record<string, unknown>) => [m['generation'], m['metageneration'], m['crc32c'], m['md5Hash'], m['size'], m['cacheControl'], m['metadata']];
        expect(keep(meta as Record<string, unknown>)).toEqual(keep(before.get(name)!));
        const [back] = await bucket.file(name).download({ validation: 'crc32c' });
        expect(back.equals(body)).toBe(true);
      }
      // Preconditions hold against the reloaded generations; a new generation is above every earlier one.
      const b = bucket.file('b.txt');
      const oldGeneration = String(before.get('b.txt')!['generation']);
      await expect(b.save('x', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } })).rejects.toMatchObject({ code: 412 });
      await b.save('y', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(oldGeneration) } });
      expect(BigInt(String((await b.getMetadata())[0].generation)) > BigInt(oldGeneration)).toBe(true);
    } finally {
      await second.emulator.close();
    }
    const stored = readdirSync(join(dir, 'objects'));
    expect(stored.every((f) => /^[0-9a-f]{64}\.json$/.test(f))).toBe(true);
    expect(stored).toHaveLength(bodies.size);
  });

  it('keeps the noncurrent generations of a versioned bucket across a restart', async () => {
    const first = await startTestGcs({ dataDir: dir, persist: true });
    first.emulator.createBucket('versioned', { versioning: true });
    const file = first.storage.bucket('versioned').file('report.txt');
    await file.save('one', BIN);
    const g1 = String((await file.getMetadata())[0].generation);
    await file.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(g1) } });
    const g2 = String((await file.getMetadata())[0].generation);
    await file.delete({ ifGenerationMatch: Number(g2) });
    await first.emulator.close();

    const second = await startTestGcs({ dataDir: dir, persist: true });
    try {
      const bucket = storageFor(second.emulator).bucket('versioned');
      const [versions] = await bucket.getFiles({ versions: true });
      expect(versions.map((f) => [f.name, String(f.metadata.generation), f.metadata.timeDeleted !== undefined]).sort()).toEqual([
        ['report.txt', g1, true],
        ['report.txt', g2, true],
      ]);
      const [old] = await bucket.file('report.txt', { generation: Number(g1) }).download();
      expect(old.toString()).toBe('one');
      expect((await bucket.getFiles())[0]).toEqual([]);
    } finally {
      await second.emulator.close();
    }
  });

  it('drops bytes no record points to and a record write cut short, at the next start', async () => {
    const first = await startTestGcs({ dataDir: dir, persist: true, buckets: ['kept'] });
    await first.storage.bucket('kept').file('one').save('1', BIN);
    await first.emulator.close();
    writeFileSync(join(dir, 'content', 'orphan.bin'), 'an upload the crash cut short');
    writeFileSync(join(dir, 'objects', `${'0'.repeat(64)}.json.tmp`), '{"half');
    const second = await startTestGcs({ dataDir: dir, persist: true });
    try {
      const [files] = await storageFor(second.emulator).bucket('kept').getFiles();
      expect(files.map((f) => f.name)).toEqual(['one']);
      expect([readdirSync(join(dir, 'content')).length, readdirSync(join(dir, 'objects')).length]).toEqual([1, 1]);
    } finally {
      await second.emulator.close();
    }
  });
});
