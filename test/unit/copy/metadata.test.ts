import { PROVENANCE_KEYS, readProvenance, toGcsMetadata, type SourceObject } from '../../../workflows/copy/metadata';

const source: SourceObject = {
  bucket: 'src-bucket',
  key: 'photos/été 1.jpg',
  size: 1234,
  etag: '9e107d9d372bb6826bd81d3542a419d6',
  versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
  lastModified: new Date('2026-11-01T10:00:00Z'),
  contentType: 'image/jpeg',
  contentEncoding: 'gzip',
  contentDisposition: 'attachment; filename="a.jpg"',
  contentLanguage: 'fr',
  cacheControl: 'max-age=3600',
  userMetadata: { owner: 'ana', 'camera-model': 'X100' },
};

describe('toGcsMetadata', () => {
  it('preserves the five HTTP headers and the user metadata', () => {
    const m = toGcsMetadata(source, { crc32c: 'AAAAAA==' });
    expect(m).toMatchObject({
      contentType: 'image/jpeg',
      contentEncoding: 'gzip',
      contentDisposition: 'attachment; filename="a.jpg"',
      contentLanguage: 'fr',
      cacheControl: 'max-age=3600',
    });
    expect(m.metadata).toMatchObject({ owner: 'ana', 'camera-model': 'X100' });
  });

  it('records the provenance under the stable key names', () => {
    const m = toGcsMetadata(source, { crc32c: 'yZRlqg==', sequencer: '0055AED6DCD90281E5' });
    expect(m.metadata).toMatchObject({
      's3-bucket': 'src-bucket',
      's3-key': 'photos/été 1.jpg',
      's3-version-id': '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
      's3-etag': '9e107d9d372bb6826bd81d3542a419d6',
      's3-size': '1234',
      's3-crc32c': 'yZRlqg==',
      's3-sequencer': '0055AED6DCD90281E5',
      's3-last-modified': '2026-11-01T10:00:00.000Z',
    });
  });

  it('leaves out what is unknown instead of writing empty values', () => {
    const bare: SourceObject = { bucket: 'b', key: 'k', size: 0, etag: 'e', userMetadata: {} };
    const m = toGcsMetadata(bare, {});
    expect(Object.keys(m.metadata).sort()).toEqual(['s3-bucket', 's3-etag', 's3-key', 's3-size']);
    expect(m).not.toHaveProperty('contentEncoding');
    expect(m).not.toHaveProperty('storageClass');
  });

  it('maps S3\'s default content type to GCS\'s', () => {
    expect(toGcsMetadata({ ...source, contentType: 'binary/octet-stream' }, {}).contentType).toBe('application/octet-stream');
    expect(toGcsMetadata({ ...source, contentType: undefined }, {}).contentType).toBe('application/octet-stream');
  });

  it('sets the target storage class when configured', () => {
    expect(toGcsMetadata(source, {}, 'NEARLINE').storageClass).toBe('NEARLINE');
  });

  it('keeps a user key that collides with a provenance key under its header name', () => {
    const m = toGcsMetadata({ ...source, userMetadata: { 's3-bucket': 'user value' } }, {});
    expect(m.metadata['s3-bucket']).toBe('src-bucket');
    expect(m.metadata['x-amz-meta-s3-bucket']).toBe('user value');
  });
});

describe('readProvenance', () => {
  it('reads back what toGcsMetadata wrote', () => {
    const m = toGcsMetadata(source, { crc32c: 'yZRlqg==', sequencer: '01' });
    expect(readProvenance(m.metadata)).toEqual({
      bucket: 'src-bucket',
      key: 'photos/été 1.jpg',
      versionId: source.versionId,
      etag: source.etag,
      sequencer: '01',
      size: 1234,
      crc32c: 'yZRlqg==',
      lastModified: source.lastModified,
    });
  });

  it('ignores a LastModified that is not a date (it would order nothing)', () => {
    expect(readProvenance({ [PROVENANCE_KEYS.lastModified]: 'yesterday' }).lastModified).toBeUndefined();
  });

  it('ignores malformed sizes and missing metadata', () => {
    expect(readProvenance({ [PROVENANCE_KEYS.size]: 'ten' }).size).toBeUndefined();
    expect(readProvenance(undefined)).toEqual({});
  });
});
