import { compileSkipRules } from '../../../workflows/backup/skip-rules';
import { PROVENANCE_KEYS as K, toGcsMetadata, userMetadataOf } from '../../../workflows/copy/metadata';
import type { Backup } from '../../../workflows/restore/backups';
import { planRestore, s3KeyProblem, type RestoreSelection } from '../../../workflows/restore/plan';
import { sameHeaders } from '../../../workflows/restore/restore-object';

const backup = (metadata: Record<string, unknown>, extra: Partial<Backup> = {}): Backup => ({ name: 'pre/src/a/b.txt', generation: '7', size: 3, crc32c: 'CRC=', metadata, ...extra });
const proven = { [K.bucket]: 'src', [K.key]: 'a/b.txt', [K.etag]: 'e', [K.verified]: 'CRC=' };
const sel = (extra: Partial<RestoreSelection> = {}): RestoreSelection => ({ gcsPrefix: 'pre/', targetPrefix: 'restored/', allowUnproven: false, ...extra });

describe('planRestore', () => {
  it('takes the key from provenance, never from the GCS name, and the verified mark as the CRC32C to prove', () => {
    const planned = planRestore(backup({ ...proven, [K.key]: 'not/the/name' }), sel());
    expect(planned).toMatchObject({ kind: 'restore', item: { targetKey: 'restored/not/the/name', sourceBucket: 'src', expectedCrc32c: 'CRC=', proof: 'recorded' } });
  });

  it('filters by source bucket and by include/exclude globs over the original key', () => {
    expect(planRestore(backup(proven), sel({ sourceBucket: 'other' })).kind).toBe('filtered');
    expect(planRestore(backup(proven), sel({ include: compileSkipRules(['x/**']) })).kind).toBe('filtered');
    expect(planRestore(backup(proven), sel({ exclude: compileSkipRules(['**/*.txt']) })).kind).toBe('filtered');
    expect(planRestore(backup(proven), sel({ include: compileSkipRules(['a/**']) })).kind).toBe('restore');
  });

  it('lists a backup without provenance, or never verified, as unproven; --allow-unproven restores it by its name under the prefix', () => {
    expect(planRestore(backup({}), sel())).toMatchObject({ kind: 'unproven', reason: expect.stringContaining('no provenance') });
    expect(planRestore(backup({ [K.bucket]: 'src', [K.key]: 'k' }), sel())).toMatchObject({ kind: 'unproven', reason: expect.stringContaining('never verified') });
    expect(planRestore(backup({}), sel({ allowUnproven: true }))).toMatchObject({ kind: 'restore', item: { targetKey: 'restored/src/a/b.txt', proof: 'gcs', expectedCrc32c: 'CRC=' } });
  });
});

describe('userMetadataOf', () => {
  it('gives back exactly the user metadata toGcsMetadata stored, a key colliding with provenance included', () => {
    const user = { owner: 'ops', 's3-key': 'mine', [K.verified]: 'also mine' };
    const stored = toGcsMetadata({ bucket: 'b', key: 'k', size: 1, etag: 'e', userMetadata: user }, { crc32c: 'C', verifiedCrc32c: 'C' });
    expect(userMetadataOf(stored.metadata)).toEqual(user);
  });
});

describe('sameHeaders', () => {
  it("treats S3's binary/octet-stream as the application/octet-stream the backup recorded, and compares metadata exactly", () => {
    expect(sameHeaders({ contentType: 'binary/octet-stream', userMetadata: {} }, { contentType: 'application/octet-stream', userMetadata: {} })).toBe(true);
    expect(sameHeaders({ userMetadata: { a: '1' } }, { userMetadata: { a: '2' } })).toBe(false);
    expect(sameHeaders({ cacheControl: 'x', userMetadata: {} }, { userMetadata: {} })).toBe(false);
  });
});

describe('s3KeyProblem', () => {
  it('refuses keys over 1,024 bytes of UTF-8', () => {
    expect(s3KeyProblem('é'.repeat(512))).toBeUndefined();
    expect(s3KeyProblem('é'.repeat(513))).toContain('1026 bytes');
  });
});
