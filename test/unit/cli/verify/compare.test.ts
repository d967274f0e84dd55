import { compareObject, contentUnchecked, type DestinationEntry } from '../../../../workflows/cli/verify/compare';

const source = { key: 'reports/q3.pdf', size: 11, etag: 'abc123' };
const backup = (over: Partial<DestinationEntry> = {}, metadata: Record<string, string> = {}): DestinationEntry => ({
  name: 'reports/q3.pdf',
  size: 11,
  generation: '7',
  metageneration: '1',
  crc32c: 'AAAAAA==',
  metadata: { 's3-bucket': 'acme', 's3-key': 'reports/q3.pdf', 's3-etag': 'abc123', 's3-size': '11', 's3-crc32c': 'AAAAAA==', ...metadata },
  ...over,
});

describe('compareObject', () => {
  it('accepts a faithful backup', () => {
    expect(compareObject('acme', source, 'reports/q3.pdf', backup())).toBeUndefined();
  });

  it.each([
    ['missing', undefined, 'missing', false],
    ['overwritten by something else (no provenance)', backup({ metadata: {} }), 'no-provenance', false],
    ['a backup of another key', backup({}, { 's3-key': 'other.pdf' }), 'no-provenance', false],
    ['a backup of an older version', backup({}, { 's3-etag': 'old999' }), 'stale', false],
    ['truncated although its provenance claims the current version', backup({ size: 5 }), 'size-mismatch', true],
    ['altered bytes with the provenance kept', backup({ crc32c: 'BBBBBB==' }), 'content-mismatch', true],
  ])('reports a destination that is %s', (_what, dest, kind, claimsCurrent) => {
    const diff = compareObject('acme', source, 'reports/q3.pdf', dest);
    expect(diff).toMatchObject({ kind, key: 'reports/q3.pdf', repairable: true, provenanceClaimsCurrent: claimsCurrent });
    expect(diff!.detail.length).toBeGreaterThan(10);
  });

  it('reports a key GCS cannot hold as not repairable by a replay', () => {
    const diff = compareObject('acme', { ...source, key: '.well-known/acme-challenge/t' }, '.well-known/acme-challenge/t', undefined);
    expect(diff).toMatchObject({ kind: 'invalid-name', repairable: false });
  });

  it('does not judge content without a recorded CRC32C (backups copied before the engine recorded one), and says so', () => {
    const dest = backup({ crc32c: 'ZZZZZZ==' });
    delete (dest.metadata as Record<string, string>)['s3-crc32c'];
    expect(compareObject('acme', source, 'reports/q3.pdf', dest)).toBeUndefined();
    expect(contentUnchecked(dest)).toBe(true);
    expect(contentUnchecked(backup())).toBe(false);
  });
});
