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

  it('asks S3 before copying when a manual replay (no sequencer, before HeadObject) meets another version', () => {
    const manual = { bucket: 'src', key: 'a/b.txt', etag: 'e2', size: 10 };
    expect(decideCopy(manual, dest(ours()))).toMatchObject({ action: 'ask-current' });
  });

  it('does not call it already-current when only the ETag is known (size unknown)', () => {
    const partial = { bucket: 'src', key: 'a/b.txt', etag: 'e1' };
    expect(decideCopy(partial, dest(ours())).action).not.toBe('already-current');
  });

  it("refuses to overwrite another source's backup under this name (two sources map to one name), whatever its sequencer", () => {
    const other = ours({ [K.bucket]: 'other-bucket', [K.sequencer]: '00' });
    expect(() => decideCopy(source, dest(other))).toThrow(expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(/s3:\/\/other-bucket\/a\/b.txt/) }));
    expect(() => decideCopy(source, dest(ours({ [K.key]: 'a/other.txt' })))).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
  });

  it("refuses to delete another source's backup under this name (mirror policy)", () => {
    const other = ours({ [K.bucket]: 'other-bucket' });
    expect(() => decideDelete({ bucket: 'src', key: 'a/b.txt' }, dest(other))).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
    expect(decideDelete({ bucket: 'src', key: 'a/b.txt' }, dest({}))).toMatchObject({ action: 'delete' });
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

/**
 * Order after any mix of events (sequencer), replays, backfills and `verify --repair` (no sequencer, LastModified from
 * HeadObject). Versioned scenarios: the local S3 server has no versioning, so they are proved here and in the engine's
 * unit tests with aws-sdk-client-mock.
 */
describe('order across events, replays and backfills', () => {
  const T1 = new Date('2026-11-20T10:00:01Z');
  const T2 = new Date('2026-11-20T10:00:02Z');
  const T3 = new Date('2026-11-20T10:00:03Z');
  /** A backup a replay or backfill wrote: version, LastModified, no sequencer. */
  const byReplay = (versionId: string, at: Date) => dest({ [K.bucket]: 'src', [K.key]: 'a/b.txt', [K.etag]: `e-${versionId}`, [K.size]: '10', [K.versionId]: versionId, [K.lastModified]: at.toISOString() });
  /** A backup an event wrote: the same, with its sequencer. */
  const byEvent = (versionId: string, at: Date, sequencer: string) => dest({ ...byReplay(versionId, at).metadata, [K.sequencer]: sequencer });
  const version = (versionId: string, extra: Partial<SourceVersion> = {}): SourceVersion => ({ bucket: 'src', key: 'a/b.txt', versionId, etag: `e-${versionId}`, size: 10, ...extra });

  it('a delayed older event after a replay copied a newer version is stale-event (LastModified decides)', () => {
    expect(decideCopy(version('v1', { sequencer: '0055AED6DCD90281E5', lastModified: T1 }), byReplay('v2', T2))).toMatchObject({ action: 'stale-event' });
  });

  it('a backfill of an older version after an event copied a newer one is stale-event', () => {
    expect(decideCopy(version('v1', { lastModified: T1 }), byEvent('v2', T2, '0055AED6DCD90281F0'))).toMatchObject({ action: 'stale-event' });
  });

  it('a replay of a newer version copies over an event\'s backup, and an event newer than a replay\'s backup copies', () => {
    expect(decideCopy(version('v3', { lastModified: T3 }), byEvent('v2', T2, '0055AED6DCD90281F0'))).toMatchObject({ action: 'copy' });
    expect(decideCopy(version('v3', { sequencer: '0055AED6DCD9028200', lastModified: T3 }), byReplay('v2', T2))).toMatchObject({ action: 'copy' });
  });

  it('sequencers decide when both sides have one, whatever LastModified says', () => {
    expect(decideCopy(version('v1', { sequencer: '0055AED6DCD90281E5', lastModified: T3 }), byEvent('v2', T2, '0055AED6DCD90281F0'))).toMatchObject({ action: 'stale-event' });
  });

  it('before HeadObject (no LastModified yet) a request without a sequencer does not decide the order', () => {
    expect(decideCopy(version('v1'), byReplay('v2', T2))).toMatchObject({ action: 'ask-current' });
  });

  describe('equal LastModified with different versions (version ids are opaque; one-second dates tie)', () => {
    it('asks S3 which version is current instead of guessing', () => {
      expect(decideCopy(version('v1', { lastModified: T2 }), byReplay('v2', T2))).toMatchObject({ action: 'ask-current', reason: expect.stringMatching(/equal LastModified/) });
    });

    it('copies only S3\'s current version; any other answer keeps the backup (stale-event)', () => {
      expect(decideCopy(version('v1', { lastModified: T2, current: 'this' }), byReplay('v2', T2))).toMatchObject({ action: 'copy' });
      expect(decideCopy(version('v1', { lastModified: T2, current: 'other' }), byReplay('v2', T2))).toMatchObject({ action: 'stale-event' });
      expect(decideCopy(version('v1', { lastModified: T2, current: 'none' }), byReplay('v2', T2))).toMatchObject({ action: 'stale-event' });
    });

    it('treats a backup recorded without LastModified (older releases) the same way', () => {
      const legacy = dest({ [K.bucket]: 'src', [K.key]: 'a/b.txt', [K.etag]: 'e-v2', [K.size]: '10', [K.versionId]: 'v2' });
      expect(decideCopy(version('v1', { lastModified: T1 }), legacy)).toMatchObject({ action: 'ask-current' });
    });
  });

  describe('deletes (mirror) by the same evidence', () => {
    const deletion = { bucket: 'src', key: 'a/b.txt', sequencer: '0055AED6DCD90281F0' };

    it('a delayed delete after a replay copied the re-created object asks S3, and keeps the backup while the key exists', () => {
      expect(decideDelete(deletion, byReplay('v2', T2))).toMatchObject({ action: 'ask-current' });
      expect(decideDelete({ ...deletion, current: 'other' }, byReplay('v2', T2))).toMatchObject({ action: 'stale-event' });
      expect(decideDelete({ ...deletion, current: 'this' }, byReplay('v2', T2))).toMatchObject({ action: 'stale-event' });
    });

    it('deletes when S3 holds no current version of the key', () => {
      expect(decideDelete({ ...deletion, current: 'none' }, byReplay('v2', T2))).toMatchObject({ action: 'delete' });
    });

    it('deletes the backup of exactly the version deleted, with or without sequencers', () => {
      expect(decideDelete({ bucket: 'src', key: 'a/b.txt', versionId: 'v2' }, byReplay('v2', T2))).toMatchObject({ action: 'delete' });
    });
  });
});
