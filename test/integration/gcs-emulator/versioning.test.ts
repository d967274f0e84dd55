/** Object Versioning through the real @google-cloud/storage client: what `s3gcs restore --as-of` relies on. */
import type { Storage } from '@google-cloud/storage';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { startTestGcs, storageFor } from '../../support/gcs-emulator';

let emulator: GcsEmulator;
let storage: Storage;
const SAVE = { resumable: false, validation: false } as const;

beforeAll(async () => {
  ({ emulator } = await startTestGcs());
  storage = storageFor(emulator);
  await storage.createBucket('versioned', { versioning: { enabled: true } });
  await storage.createBucket('plain');
});
afterAll(() => emulator.close());

it('reports versioning on the bucket resource', async () => {
  const [[v], [p]] = await Promise.all([storage.bucket('versioned').getMetadata(), storage.bucket('plain').getMetadata()]);
  expect([v.versioning, p.versioning]).toEqual([{ enabled: true }, { enabled: false }]);
});

it('keeps overwritten and deleted generations: listed with versions, read by generation, gone from the plain listing', async () => {
  const file = storage.bucket('versioned').file('doc.txt');
  await file.save('one', { ...SAVE, preconditionOpts: { ifGenerationMatch: 0 } });
  const [first] = await file.getMetadata();
  await file.save('two', { ...SAVE, preconditionOpts: { ifGenerationMatch: Number(first.generation) } });
  await file.delete();
  const [all] = await storage.bucket('versioned').getFiles({ versions: true });
  expect(all.map((f) => [f.name, f.metadata.timeDeleted !== undefined])).toEqual([
    ['doc.txt', true],
    ['doc.txt', true],
  ]);
  const [old] = await storage.bucket('versioned').file('doc.txt', { generation: Number(first.generation) }).download();
  expect(old.toString()).toBe('one');
  expect((await storage.bucket('versioned').getFiles())[0]).toEqual([]);
});

it('keeps nothing in a bucket without versioning', async () => {
  const file = storage.bucket('plain').file('doc.txt');
  await file.save('one', { ...SAVE, preconditionOpts: { ifGenerationMatch: 0 } });
  const [first] = await file.getMetadata();
  await file.save('two', { ...SAVE, preconditionOpts: { ifGenerationMatch: Number(first.generation) } });
  const [all] = await storage.bucket('plain').getFiles({ versions: true });
  expect(all).toHaveLength(1);
  await expect(storage.bucket('plain').file('doc.txt', { generation: Number(first.generation) }).download()).rejects.toMatchObject({ code: 404 });
});
