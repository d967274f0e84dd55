import { compareObject, misplacedBackup, namingOf, type DestinationEntry } from '../../../../workflows/cli/verify/compare';
import type { CopyTarget } from '../../../../workflows/copy/types';

const source = { key: 'reports/q3.pdf', size: 11, etag: 'abc123' };
const backup = (over: Partial<DestinationEntry> = {}, metadata: Record<string, string> = {}): DestinationEntry => ({
  name: 'acme/reports/q3.pdf',
  size: 11,
  generation: '7',
  metageneration: '1',
  crc32c: 'AAAAAA==',
  metadata: { 's3-bucket': 'acme', 's3-key': 'reports/q3.pdf', 's3-etag': 'abc123', 's3-size': '11', 's3-crc32c': 'AAAAAA==', 'verified-crc32c': 'AAAAAA==', ...metadata },
  ...over,
});

describe('compareObject', () => {
  it('accepts a faithful backup', () => {
    expect(compareObject('acme', source, { name: 'acme/reports/q3.pdf' }, backup())).toBeUndefined();
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['overwritten by something else (no provenance)', backup({ metadata: {} }), 'no-provenance'],
    ['a backup of an older version', backup({}, { 's3-etag': 'old999' }), 'stale'],
    ['truncated although its provenance claims the current version', backup({ size: 5 }), 'size-mismatch'],
    ['altered bytes with the provenance kept', backup({ crc32c: 'BBBBBB==' }), 'content-mismatch'],
    ['altered bytes with the provenance kept, copied before s3-crc32c was recorded', backup({ crc32c: 'BBBBBB==' }, { 's3-crc32c': '' }), 'content-mismatch'],
    ['never checked by its copier (no verified mark)', backup({}, { 'verified-crc32c': '' }), 'unverified'],
  ])('reports a destination that is %s', (_what, dest, kind) => {
    const diff = compareObject('acme', source, { name: 'acme/reports/q3.pdf' }, dest);
    expect(diff).toMatchObject({ kind, key: 'reports/q3.pdf', repairable: true });
    expect(diff!.detail.length).toBeGreaterThan(10);
  });

  it('reports a key GCS cannot hold as not repairable by a replay', () => {
    const legacy: CopyTarget = { bucket: 'backup', prefix: '', layout: { kind: 'legacy', sourceBucket: 'acme' } };
    const key = '.well-known/acme-challenge/t';
    const diff = compareObject('acme', { ...source, key }, namingOf(legacy, 'acme', key), undefined);
    expect(diff).toMatchObject({ kind: 'invalid-name', repairable: false, detail: expect.stringMatching(/GCS reserves names under \.well-known/) });
  });

  it('calls a copy made before the verified mark existed unverified, even with s3-crc32c recorded (a replay checks it)', () => {
    const legacy = backup();
    delete (legacy.metadata as Record<string, string>)['verified-crc32c'];
    expect(compareObject('acme', source, { name: 'acme/reports/q3.pdf' }, legacy)).toMatchObject({ kind: 'unverified', detail: /no verified mark/ });
  });
});

describe('wrong-source: provenance that names another source than the name belongs to', () => {
  it.each([
    ['another bucket (two buckets met on one name)', { 's3-bucket': 'other-bucket' }, 's3://other-bucket/reports/q3.pdf'],
    ['another key', { 's3-key': 'other.pdf' }, 's3://acme/other.pdf'],
  ])('reports a backup of %s as wrong-source, not repairable by a replay that would overwrite it', (_what, metadata, named) => {
    const diff = compareObject('acme', source, { name: 'acme/reports/q3.pdf' }, backup({}, metadata));
    expect(diff).toMatchObject({ kind: 'wrong-source', key: 'reports/q3.pdf', destinationName: 'acme/reports/q3.pdf', repairable: false });
    expect(diff!.detail).toContain(`a backup of ${named}, but its name belongs to s3://acme/reports/q3.pdf`);
  });

  describe('misplacedBackup (objects with no source object)', () => {
    const target: CopyTarget = { bucket: 'backup', prefix: 'aws/' };
    const at = (name: string, metadata: Record<string, string>) => backup({ name }, metadata);

    it("reports an object under a bucket's names that is another bucket's backup", () => {
      expect(misplacedBackup(target, 'acme', at('aws/acme/reports/q3.pdf', { 's3-bucket': 'globex' }))).toMatchObject({
        kind: 'wrong-source',
        key: 'reports/q3.pdf',
        destinationName: 'aws/acme/reports/q3.pdf',
        repairable: false,
        detail: expect.stringContaining('a backup of s3://globex/reports/q3.pdf, but its name belongs to s3://acme/reports/q3.pdf'),
      });
    });

    it('leaves a retained backup of a deleted key, and a foreign object without provenance, to the extras', () => {
      expect(misplacedBackup(target, 'acme', at('aws/acme/reports/q3.pdf', {}))).toBeUndefined();
      expect(misplacedBackup(target, 'acme', backup({ name: 'aws/acme/notes.txt', metadata: {} }))).toBeUndefined();
    });
  });
});
