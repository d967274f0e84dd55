/**
 * The soak's verdicts must be able to fail: a missing backup is `lost` (or `alerted` when an alert named the key), a
 * backup of an older version is `lost`, bytes never written are `corrupt` — read over real HTTP from both sides.
 */
import type { Storage } from '@google-cloud/storage';
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { sha256 } from '../../soak/random';
import { verifyBackups, type WrittenKey } from '../../soak/verify';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

const SRC = 'verify-source';
const DST = 'verify-backup';
const DESTINATION: CopyTarget = { bucket: DST, prefix: 'mirror/' };
const nameOf = (key: string): string => destinationObjectName(DESTINATION, SRC, key);
let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  ({ s3fx, emulator, storage } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

test('expect ok, lost, alerted and corrupt told apart, and deleted keys checked for corruption only', async () => {
  const v1 = Buffer.from('version one');
  const v2 = Buffer.from('version two');
  const written = new Map<string, WrittenKey>();
  const write = async (key: string, versions: Buffer[], backup: Buffer | undefined): Promise<void> => {
    await putObject(s3fx.s3, SRC, key, versions.at(-1)!);
    written.set(key, { key, versions: versions.map(sha256), deleted: false });
    if (backup) await storage.bucket(DST).file(nameOf(key)).save(backup, { resumable: false });
  };
  await write('ok', [v1, v2], v2);
  await write('missing', [v1], undefined);
  await write('older', [v1, v2], v1);
  await write('alerted', [v1], undefined);
  await write('garbage', [v1], Buffer.from('never written'));
  written.set('gone', { key: 'gone', versions: [sha256(v1)], deleted: true });
  await storage.bucket(DST).file(nameOf('gone')).save(Buffer.from('tampered'), { resumable: false });

  const target = { s3: s3fx.s3, sourceBucket: SRC, storage, destination: DESTINATION };
  const result = await verifyBackups(target, written, new Set(['alerted']));
  const verdicts = Object.fromEntries(result.checks.map((c) => [c.key, c.verdict]));
  expect(verdicts).toEqual({ ok: 'ok', missing: 'lost', older: 'lost', alerted: 'alerted', garbage: 'corrupt' });
  expect(result.checks.find((c) => c.key === 'older')!.detail).toMatch(/version 1 of 2/);
  expect(result.corruptBackups.sort()).toEqual([nameOf('garbage'), nameOf('gone')]);
  expect(result.sourceProblems).toEqual([]);

  const only = await verifyBackups(target, written, new Set(), new Set(['ok']));
  expect(only.checks.map((c) => c.verdict)).toEqual(['ok']);
});

test('expect a source that differs from what was written reported', async () => {
  const written = new Map<string, WrittenKey>([['never-put', { key: 'never-put', versions: ['00'], deleted: false }]]);
  const target = { s3: s3fx.s3, sourceBucket: SRC, storage, destination: DESTINATION };
  const result = await verifyBackups(target, written, new Set());
  expect(result.sourceProblems).toContain('never-put: written, never deleted, but absent from the source');
  expect(result.sourceProblems.some((p) => p.startsWith('ok: in the source, but never written'))).toBe(true);
});
