import { compareObject, type DestinationEntry } from '../../../../workflows/cli/verify/compare';

const source = { key: 'reports/q3.pdf', size: 11, etag: 'abc123' };
const backup = (over: Partial<DestinationEntry> = {}, metadata: Record<string, string> = {}): DestinationEntry => ({
  name: 'reports/q3.pdf',
  size: 11,
  generation: '7',
  metageneration: '1',
  crc32c: 'AAAAAA==',
  metadata: { 's3-bucket': 'acme', 's3-key': 'reports/q3.pdf', 's3-etag': 'abc123', 's3-size': '11', 's3-crc32c': 'AAAAAA==', 'verified-crc32c': 'AAAAAA==', ...metadata },
  ...over,
});

describe('compareObject', () => {
  it('accepts a faithful backup', () => {
    expect(compareObject('acme', source, 'reports/q3.pdf', backup())).toBeUndefined();
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['overwritten by something else (no provenance)', backup({ metadata: {} }), 'no-provenance'],
    ['a backup of another key', backup({}, { 's3-key': 'other.pdf' }), 'no-provenance'],
    ['a backup of an older version', backup({}, { 's3-etag': 'old999' }), 'stale'],
    ['truncated although its provenance claims the current version', backup({ size: 5 }), 'size-mismatch'],
    ['altered bytes with the provenance kept', backup({ crc32c: 'BBBBBB==' }), 'content-mismatch'],
    ['altered bytes with the provenance kept, copied before s3-crc32c was recorded', backup({ crc32c: 'BBBBBB==' }, { 's3-crc32c': '' }), 'content-mismatch'],
    ['never checked by its copier (no verified mark)', backup({}, { 'verified-crc32c': '' }), 'unverified'],
  ])('reports a destination that is %s', (_what, dest, kind) => {
    const diff = compareObject('acme', source, 'reports/q3.pdf', dest);
    expect(diff).toMatchObject({ kind, key: 'reports/q3.pdf', repairable: true });
    expect(diff!.detail.length).toBeGreaterThan(10);
  });

  it('reports a key GCS cannot hold as not repairable by a replay', () => {
    const diff = compareObject('acme', { ...source, key: '.well-known/acme-challenge/t' }, '.well-known/acme-challenge/t', undefined);
    expect(diff).toMatchObject({ kind: 'invalid-name', repairable: false });
  });

  it('calls a copy made before the verified mark existed unverified, even with s3-crc32c recorded (a replay checks it)', () => {
    const legacy = backup();
    delete (legacy.metadata as Record<string, string>)['verified-crc32c'];
    expect(compareObject('acme', source, 'reports/q3.pdf', legacy)).toMatchObject({ kind: 'unverified', detail: /no verified mark/ });
  });
});
