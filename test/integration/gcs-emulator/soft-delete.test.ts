import type { Storage } from '@google-cloud/storage';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { startTestGcs } from '../../support/gcs-emulator';

/**
 * Soft delete and buckets.testIamPermissions through the real @google-cloud/storage client: what `s3gcs doctor` checks
 * and what keeps a deleted or overwritten backup recoverable (https://cloud.google.com/storage/docs/soft-delete).
 */
let emulator: GcsEmulator;
let storage: Storage;
const WEEK = 7 * 24 * 3600;

beforeAll(async () => {
  ({ emulator, storage } = await startTestGcs({ buckets: ['plain', 'protected'] }));
});
afterAll(async () => {
  await emulator?.close();
});

describe('soft delete', () => {
  it('reports a policy set by a bucket patch, and refuses a duration GCS refuses', async () => {
    await storage.bucket('protected').setMetadata({ softDeletePolicy: { retentionDurationSeconds: 30 * 24 * 3600 } });
    const [metadata] = await storage.bucket('protected').getMetadata();
    expect(metadata.softDeletePolicy).toMatchObject({ retentionDurationSeconds: String(30 * 24 * 3600), effectiveTime: expect.any(String) });
    expect((await storage.bucket('plain').getMetadata())[0].softDeletePolicy).toBeUndefined();
    await expect(storage.bucket('plain').setMetadata({ softDeletePolicy: { retentionDurationSeconds: 3600 } })).rejects.toMatchObject({ code: 400 });
    await expect(storage.bucket('plain').setMetadata({ versioning: { enabled: true } })).rejects.toMatchObject({ code: 400 });
  });

  it('keeps a deleted and an overwritten generation, lists them only with softDeleted, and restores one under a new generation', async () => {
    const file = storage.bucket('protected').file('a/backup.bin');
    await file.save('first', { preconditionOpts: { ifGenerationMatch: 0 }, metadata: { metadata: { 's3-key': 'a/backup.bin' } } });
    const [first] = await file.getMetadata();
    await file.save('second', { preconditionOpts: { ifGenerationMatch: first.generation! } });
    const [second] = await file.getMetadata();
    await file.delete({ ifGenerationMatch: second.generation! });

    expect((await storage.bucket('protected').getFiles({ prefix: 'a/' }))[0]).toEqual([]);
    const [softDeleted] = await storage.bucket('protected').getFiles({ prefix: 'a/', softDeleted: true });
    expect(softDeleted.map((f) => [f.name, f.metadata.generation, typeof f.metadata.hardDeleteTime])).toEqual([
      ['a/backup.bin', String(first.generation), 'string'],
      ['a/backup.bin', String(second.generation), 'string'],
    ]);
    const [sd] = softDeleted;
    expect(Date.parse(sd!.metadata.hardDeleteTime!) - Date.parse(sd!.metadata.softDeleteTime!)).toBe(30 * 24 * 3600 * 1000);
    await expect(storage.bucket('protected').file('a/backup.bin', { generation: first.generation! }).download()).rejects.toMatchObject({ code: 404 });

    // The client resolves with the object resource the API returned (its typing says File).
    const restored = (await file.restore({ generation: Number(first.generation) })) as unknown as { generation: string };
    expect(restored).toMatchObject({ metageneration: '1', metadata: { 's3-key': 'a/backup.bin' } });
    expect(BigInt(restored.generation)).toBeGreaterThan(BigInt(second.generation!));
    expect((await file.download())[0].toString()).toBe('first');
    // A live object now exists: restoring the other generation only if none is live fails the precondition.
    await expect(file.restore({ generation: Number(second.generation), ifGenerationMatch: 0 })).rejects.toMatchObject({ code: 412 });
    await expect(file.restore({ generation: 42 })).rejects.toMatchObject({ code: 404 });
  });

  it('releases deleted generations at once in a bucket without a policy', async () => {
    const file = storage.bucket('plain').file('gone');
    await file.save('x', { preconditionOpts: { ifGenerationMatch: 0 } });
    await file.delete();
    expect((await storage.bucket('plain').getFiles({ softDeleted: true }))[0]).toEqual([]);
  });

  it('turned off later, still keeps what was soft-deleted before', async () => {
    emulator.setSoftDeletePolicy('plain', WEEK);
    const file = storage.bucket('plain').file('kept');
    await file.save('x', { preconditionOpts: { ifGenerationMatch: 0 } });
    await file.delete();
    await storage.bucket('plain').setMetadata({ softDeletePolicy: { retentionDurationSeconds: 0 } });
    expect((await storage.bucket('plain').getMetadata())[0].softDeletePolicy).toBeUndefined();
    expect((await storage.bucket('plain').getFiles({ softDeleted: true }))[0].map((f) => f.name)).toEqual(['kept']);
  });
});

describe('soft delete with object versioning', () => {
  it('keeps a deleted live generation as noncurrent, and soft-deletes a noncurrent one deleted by number', async () => {
    emulator.createBucket('versioned', { versioning: true });
    emulator.setSoftDeletePolicy('versioned', WEEK);
    const file = storage.bucket('versioned').file('v');
    await file.save('one', { preconditionOpts: { ifGenerationMatch: 0 } });
    const [{ generation }] = await file.getMetadata();
    await file.delete();
    expect((await storage.bucket('versioned').getFiles({ versions: true }))[0].map((f) => f.metadata.generation)).toEqual([String(generation)]);
    expect((await storage.bucket('versioned').getFiles({ softDeleted: true }))[0]).toEqual([]);
    await storage.bucket('versioned').file('v', { generation: generation! }).delete();
    expect((await storage.bucket('versioned').getFiles({ versions: true }))[0]).toEqual([]);
    expect((await storage.bucket('versioned').getFiles({ softDeleted: true }))[0].map((f) => f.metadata.generation)).toEqual([String(generation)]);
  });
});

describe('buckets.testIamPermissions', () => {
  const ASKED = ['storage.objects.create', 'storage.objects.delete', 'storage.buckets.update'];

  it('grants everything by default (the emulator enforces no IAM), and what a test configured otherwise', async () => {
    expect((await storage.bucket('protected').iam.testPermissions(ASKED))[0]).toEqual({
      'storage.objects.create': true,
      'storage.objects.delete': true,
      'storage.buckets.update': true,
    });
    emulator.iam.setPermissions('protected', ['storage.objects.create', 'storage.objects.get']);
    expect((await storage.bucket('protected').iam.testPermissions(ASKED))[0]).toEqual({
      'storage.objects.create': true,
      'storage.objects.delete': false,
      'storage.buckets.update': false,
    });
  });

  it('answers 404 for a bucket that does not exist', async () => {
    await expect(storage.bucket('no-such-bucket').iam.testPermissions(ASKED)).rejects.toMatchObject({ code: 404 });
  });
});
