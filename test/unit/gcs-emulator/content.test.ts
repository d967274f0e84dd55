import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileContentStore, memoryContentStore, type ContentStore } from '../../../workflows/local/gcs-emulator/content';

const dir = mkdtempSync(join(tmpdir(), 'gcs-emulator-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe.each<[string, () => ContentStore]>([
  ['memory', () => memoryContentStore()],
  ['dataDir', () => fileContentStore(dir)],
])('%s content', (_kind, makeStore) => {
  it('reads back any byte range of what was written in several chunks', async () => {
    const w = await makeStore().createWriter();
    for (const part of ['hello ', 'streaming ', 'world']) await w.write(Buffer.from(part));
    const c = await w.finish();
    expect([c.size, await text(c.read(0, c.size)), await text(c.read(4, 13)), await text(c.read(21, 21))]).toEqual([21, 'hello streaming world', 'o streami', '']);
  });

  it('truncate rolls back to an offset inside a chunk', async () => {
    const w = await makeStore().createWriter();
    await w.write(Buffer.from('abcdef'));
    await w.write(Buffer.from('ghij'));
    await w.truncate(4);
    await w.write(Buffer.from('XY'));
    const c = await w.finish();
    expect(await text(c.read(0, c.size))).toBe('abcdXY');
  });
});

it('memory content keeps the written Buffers instead of copying them', async () => {
  const chunk = Buffer.from('shared');
  const w = await memoryContentStore().createWriter();
  w.write(chunk);
  const c = await w.finish();
  const [first] = (await c.read(0, 6).toArray()) as Buffer[];
  expect(first!.buffer).toBe(chunk.buffer);
});

it('dataDir content lives in one file, removed by dispose() or abort()', async () => {
  const own = mkdtempSync(join(dir, 'own-'));
  const store = fileContentStore(own);
  const kept = await store.createWriter();
  await kept.write(Buffer.from('x'));
  const c = await kept.finish();
  const dropped = await store.createWriter();
  expect(readdirSync(own)).toHaveLength(2);
  await dropped.abort();
  c.dispose();
  expect(readdirSync(own)).toHaveLength(0);
});
