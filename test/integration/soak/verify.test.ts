/**
 * The soak's verdicts must be able to fail: lost, stale, alerted, corrupt, wrong-bucket, unverified and
 * bad-provenance told apart, deleted-after-backup keys held to the retain policy, and stray backups found — read
 * over real HTTP from both sides.
 */
import type { Storage } from '@google-cloud/storage';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { expectedDestinationName, sourceId } from '../../soak/naming';
import { sha256 } from '../../soak/random';
import { crc32cOf, verifyBackups, VERIFIED_MARK, type SequencersSeen, type WrittenKey } from '../../soak/verify';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

const A = 'verify-source-a';
const B = 'verify-source-b';
const DST = 'verify-backup';
const PREFIX = 'mirror/';
let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  ({ s3fx, emulator, storage } = await startLocalServers({ s3Buckets: [A, B], gcsBuckets: [DST] }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

const v1 = Buffer.from('version one');
const v2 = Buffer.from('version two');

test('expect every verdict told apart, late deletes held to the retain policy, and strays found', async () => {
  const written = new Map<string, WrittenKey>();
  const sequencers: SequencersSeen = new Map();
  const target = { s3: s3fx.s3, storage, destinationBucket: DST, destinationPrefix: PREFIX };
  /** Writes versions to the source (unless deleted) and `backup` (with provenance of the last version, or `meta`). */
  const write = async (
    bucket: string,
    key: string,
    versions: Buffer[],
    backup?: Buffer,
    meta: Record<string, string | undefined> = {},
    deleted: WrittenKey['deleted'] = 'no',
  ): Promise<void> => {
    const etags: string[] = [];
    for (const body of versions) etags.push(deleted === 'no' ? await putObject(s3fx.s3, bucket, key, body) : `etag-${sha256(body).slice(0, 8)}`);
    const id = sourceId(bucket, key);
    written.set(id, { bucket, key, deleted, versions: versions.map((b, i) => ({ sha: sha256(b), size: b.length, etag: etags[i]!, crc32c: crc32cOf(b) })) });
    sequencers.set(id, new Map(etags.map((e, i) => [e, new Set([`0${i + 1}`])])));
    if (!backup) return;
    const last = versions.at(-1)!;
    const metadata = {
      's3-bucket': bucket,
      's3-key': key,
      's3-etag': etags.at(-1)!,
      's3-size': String(last.length),
      's3-sequencer': `0${versions.length}`,
      [VERIFIED_MARK]: crc32cOf(backup),
      ...meta,
    };
    const file = storage.bucket(DST).file(expectedDestinationName(PREFIX, bucket, key));
    await file.save(backup, { resumable: false, metadata: { metadata: Object.fromEntries(Object.entries(metadata).filter(([, x]) => x !== undefined)) } });
  };
  await write(A, 'ok', [v1, v2], v2);
  await write(B, 'ok', [v2, v1], v1); // the same key in another bucket, its own backup
  await write(A, 'missing', [v1]);
  await write(A, 'older', [v1, v2], v1);
  await write(A, 'alerted', [v1]);
  await write(A, 'garbage', [v1], Buffer.from('never written'));
  await write(A, 'unmarked', [v1], v1, { [VERIFIED_MARK]: undefined });
  await write(A, 'other-bucket', [v1], v1, { 's3-bucket': B });
  await write(A, 'wrong-sequencer', [v1], v1, { 's3-sequencer': '99' });
  await write(A, 'kept-after-delete', [v1], v1, {}, 'late');
  await write(A, 'gone-after-delete', [v1], undefined, {}, 'late');
  await write(A, 'gone-while-copying', [v1], undefined, {}, 'early');
  await storage.bucket(DST).file(`${PREFIX}stray`).save(Buffer.from('x'), { resumable: false, metadata: { metadata: { 's3-bucket': A, 's3-key': 'ok' } } });

  const result = await verifyBackups(target, written, sequencers, new Set([sourceId(A, 'alerted')]));
  const verdicts = Object.fromEntries(result.checks.map((c) => [c.id, c.verdict]));
  expect(verdicts).toEqual({
    [`${A}/ok`]: 'ok',
    [`${B}/ok`]: 'ok',
    [`${A}/missing`]: 'lost',
    [`${A}/older`]: 'stale',
    [`${A}/alerted`]: 'alerted',
    [`${A}/garbage`]: 'corrupt',
    [`${A}/unmarked`]: 'unverified',
    [`${A}/other-bucket`]: 'wrong-bucket',
    [`${A}/wrong-sequencer`]: 'bad-provenance',
    [`${A}/kept-after-delete`]: 'ok',
    [`${A}/gone-after-delete`]: 'lost',
  });
  expect(result.checks.find((c) => c.id === `${A}/older`)!.detail).toMatch(/version 1 of 2/);
  expect(result.checks.find((c) => c.id === `${A}/gone-after-delete`)!.detail).toMatch(/retain policy/);
  expect(result.strays).toEqual([expect.objectContaining({ id: `${PREFIX}stray`, verdict: 'wrong-bucket' })]);
  expect(result.sourceProblems).toEqual([]);

  const only = await verifyBackups(target, written, sequencers, new Set(), new Set([`${A}/ok`]));
  expect(only.checks.map((c) => c.verdict)).toEqual(['ok']);
});

test('expect a source that differs from what was written reported', async () => {
  const written = new Map<string, WrittenKey>([[`${A}/never-put`, { bucket: A, key: 'never-put', versions: [], deleted: 'no' }]]);
  const target = { s3: s3fx.s3, storage, destinationBucket: DST, destinationPrefix: PREFIX };
  const result = await verifyBackups(target, written, new Map(), new Set(), new Set(['none']));
  expect(result.checks).toEqual([]);
  const all = await verifyBackups(target, new Map([...written].map(([id, w]) => [id, { ...w, versions: [{ sha: '00', size: 0, etag: '', crc32c: '' }] }])), new Map(), new Set());
  expect(all.sourceProblems).toContain(`${A}/never-put: written, never deleted, but absent from the source`);
  expect(all.sourceProblems.some((p) => p.startsWith(`${A}/ok: in the source, but never written`))).toBe(true);
});
