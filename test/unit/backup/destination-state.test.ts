import fc from 'fast-check';
import { compareSequencers, decideCopy, decideDelete, type SourceVersion } from '../../../workflows/backup/destination-state';
import { PROVENANCE_KEYS as K, toGcsMetadata } from '../../../workflows/copy/metadata';

const source: SourceVersion = { bucket: 'src', key: 'a/b.txt', etag: 'e1', size: 10, sequencer: '0055AED6DCD90281E5' };

const CRC = 'AAAAAA==';
/** A destination object as GCS reports it: 10 bytes with CRC32C CRC unless told otherwise. */
function dest(metadata: Record<string, string>, generation = '1700000000000001', stored: { size?: number; crc32c?: string } = {}) {
  return { generation, metadata, size: 10, crc32c: CRC, ...stored };
}
/** Provenance of a verified copy of `source`. */
const ours = (extra: Record<string, string> = {}) => ({
  [K.bucket]: 'src',
  [K.key]: 'a/b.txt',
  [K.etag]: 'e1',
  [K.size]: '10',
  [K.sequencer]: '0055AED6DCD90281E5',
  [K.verified]: CRC,
  ...extra,
});

describe('compareSequencers', () => {
  it('left-pads the shorter sequencer with zeros before comparing (AWS rule)', () => {
    expect(compareSequencers('FF', '0100')).toBeLessThan(0);
    expect(compareSequencers('0100', 'FF')).toBeGreaterThan(0);
    expect(compareSequencers('00FF', 'FF')).toBe(0);
  });

  it('compares hex digits case-insensitively', () => {
    expect(compareSequencers('00ab', '00AB')).toBe(0);
  });

  it('agrees with numeric order for any two values', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 96n }), fc.bigInt({ min: 0n, max: 2n ** 96n }), fc.nat(8), fc.nat(8), (a, b, padA, padB) => {
        const sa = '0'.repeat(padA) + a.toString(16);
        const sb = '0'.repeat(padB) + b.toString(16);
        expect(Math.sign(compareSequencers(sa, sb))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it('refuses non-hex input instead of guessing', () => {
    expect(() => compareSequencers('xyz', '01')).toThrow(RangeError);
  });
});

describe('decideCopy', () => {
  it('copies with ifGenerationMatch 0 when the destination is absent', () => {
    expect(decideCopy(source, undefined)).toMatchObject({ action: 'copy', ifGenerationMatch: '0' });
  });

  it('is already-current when the same ETag and size are recorded (unversioned)', () => {
    expect(decideCopy(source, dest(ours()))).toMatchObject({ action: 'already-current', generation: '1700000000000001' });
  });

  it('is already-current when the same versionId is recorded, whatever the ETag', () => {
    const v = { ...source, versionId: 'v1', etag: 'other' };
    expect(decideCopy(v, dest(ours({ [K.versionId]: 'v1' })))).toMatchObject({ action: 'already-current' });
  });

  it('re-verifies instead of calling it current when the copy of this version carries no verified mark', () => {
    const { [K.verified]: _mark, ...unmarked } = ours();
    expect(decideCopy(source, dest(unmarked))).toMatchObject({ action: 'reverify', generation: '1700000000000001', reason: /no verified mark/ });
  });

  it('re-verifies when the bytes GCS holds now are not the ones marked verified, or not the recorded size', () => {
    expect(decideCopy(source, dest(ours(), undefined, { crc32c: 'BBBBBB==' }))).toMatchObject({ action: 'reverify', reason: /CRC32C BBBBBB==, not the verified/ });
    expect(decideCopy(source, dest(ours(), undefined, { size: 9 }))).toMatchObject({ action: 'reverify', reason: /9 bytes/ });
    expect(decideCopy(source, dest(ours(), undefined, { crc32c: undefined }))).toMatchObject({ action: 'reverify', reason: /no CRC32C/ });
  });

  it('lets no user metadata forge the mark: a source key named like it is stored under its x-amz-meta- name', () => {
    const forged = toGcsMetadata({ bucket: 'src', key: 'a/b.txt', size: 10, etag: 'e1', userMetadata: { [K.verified]: CRC } }, {});
    expect(forged.metadata).not.toHaveProperty([K.verified]);
    expect(decideCopy(source, dest(forged.metadata))).toMatchObject({ action: 'reverify' });
  });

  it('copies when the versionId differs even if the content is the same', () => {
    const v = { ...source, versionId: 'v2', sequencer: '0055AED6DCD90281F0' };
    expect(decideCopy(v, dest(ours({ [K.versionId]: 'v1' })))).toMatchObject({ action: 'copy', ifGenerationMatch: '1700000000000001' });
  });

  it('is stale-event when the destination records a newer sequencer', () => {
    const older = { ...source, etag: 'e0', sequencer: '0055AED6DCD90281E4' };
    expect(decideCopy(older, dest(ours()))).toMatchObject({ action: 'stale-event', generation: '1700000000000001' });
  });

  it('pads sequencers of different lengths when ordering events', () => {
    const newer = { ...source, etag: 'e2', sequencer: '0100' };
    expect(decideCopy(newer, dest(ours({ [K.sequencer]: 'FF' })))).toMatchObject({ action: 'copy' });
    const older = { ...source, etag: 'e0', sequencer: 'FF' };
    expect(decideCopy(older, dest(ours({ [K.sequencer]: '0100' })))).toMatchObject({ action: 'stale-event' });
  });

  it('copies over an older version, guarded by the generation read', () => {
    const newer = { ...source, etag: 'e2', size: 11, sequencer: '0055AED6DCD90281F0' };
    expect(decideCopy(newer, dest(ours()))).toEqual({ action: 'copy', ifGenerationMatch: '1700000000000001', reason: expect.any(String) });
  });

  it('copies when the event has no sequencer (manual replay) and the content differs', () => {
    const manual = { bucket: 'src', key: 'a/b.txt', etag: 'e2', size: 10 };
    expect(decideCopy(manual, dest(ours()))).toMatchObject({ action: 'copy' });
  });

  it('does not call it already-current when only the ETag is known (size unknown)', () => {
    const partial = { bucket: 'src', key: 'a/b.txt', etag: 'e1' };
    expect(decideCopy(partial, dest(ours()))).toMatchObject({ action: 'copy' });
  });

  it('ignores sequencers recorded for a different source key (they are not comparable)', () => {
    const other = ours({ [K.bucket]: 'other-bucket', [K.sequencer]: 'FFFFFFFFFFFFFFFFFFFF' });
    expect(decideCopy(source, dest(other))).toMatchObject({ action: 'copy' });
  });

  it('copies over an object that carries no provenance (written by something else)', () => {
    expect(decideCopy(source, dest({}))).toMatchObject({ action: 'copy', ifGenerationMatch: '1700000000000001' });
  });
});

describe('decideDelete', () => {
  const deletion = { bucket: 'src', key: 'a/b.txt', sequencer: '0055AED6DCD90281F0' };

  it('reports absent when there is nothing to delete', () => {
    expect(decideDelete(deletion, undefined)).toMatchObject({ action: 'absent' });
  });

  it('deletes guarded by the generation read', () => {
    expect(decideDelete(deletion, dest(ours()))).toMatchObject({ action: 'delete', ifGenerationMatch: '1700000000000001' });
  });

  it('keeps a backup written by a later event', () => {
    const oldDelete = { ...deletion, sequencer: '0055AED6DCD90281E0' };
    expect(decideDelete(oldDelete, dest(ours()))).toMatchObject({ action: 'stale-event' });
  });

  it('keeps the backup when another version than the deleted one is current', () => {
    const versionDelete = { ...deletion, versionId: 'v1' };
    expect(decideDelete(versionDelete, dest(ours({ [K.versionId]: 'v2' })))).toMatchObject({ action: 'stale-event' });
  });
});
