import { ConfigurationError } from '../../../workflows/backup/errors';
import { readCopierConfig, readLayout, readPrepareConfig } from '../../../workflows/backup/settings';

describe('readCopierConfig', () => {
  test('reads tier, target and engine tuning', () => {
    expect(
      readCopierConfig({ TIER: 'large', DEST_BUCKET: 'b', DEST_PREFIX: 'p/', STORAGE_CLASS: 'NEARLINE', PART_SIZE_BYTES: '16777216', CONCURRENCY: '8' }),
    ).toEqual({
      tier: 'large',
      target: { bucket: 'b', prefix: 'p/', layout: { kind: 'by-source-bucket' }, storageClass: 'NEARLINE' },
      engine: { partSizeBytes: 16777216, concurrency: 8 },
    });
  });

  test('defaults: no prefix, names by source bucket, no storage class, the engine decides the tuning; the heavy task defaults its tier', () => {
    expect(readCopierConfig({ DEST_BUCKET: 'b' }, 'heavy')).toEqual({
      tier: 'heavy',
      target: { bucket: 'b', prefix: '', layout: { kind: 'by-source-bucket' } },
      engine: {},
    });
  });

  test('reads the size bands (SMALL_MAX_BYTES, LARGE_MAX_BYTES) the escalation count compares with', () => {
    expect(readCopierConfig({ TIER: 'large', DEST_BUCKET: 'b', SMALL_MAX_BYTES: '100', LARGE_MAX_BYTES: '2000' }).routing).toEqual({
      smallMaxBytes: 100,
      largeMaxBytes: 2000,
    });
  });

  test.each([
    [{ TIER: 'large', DEST_BUCKET: 'b', SMALL_MAX_BYTES: '100' }, /SMALL_MAX_BYTES and LARGE_MAX_BYTES are set together/],
    [{ DEST_BUCKET: 'b' }, /TIER must be one of small, large, heavy, got undefined/],
    [{ TIER: 'medium', DEST_BUCKET: 'b' }, /TIER must be one of .* got "medium"/],
    [{ TIER: 'small' }, /DEST_BUCKET is not set/],
    [{ TIER: 'small', DEST_BUCKET: 'b', CONCURRENCY: 'lots' }, /CONCURRENCY must be a positive integer, got "lots"/],
  ])('fails fast naming the variable: %j', (env, message) => {
    expect(() => readCopierConfig(env)).toThrow(ConfigurationError);
    expect(() => readCopierConfig(env)).toThrow(message);
  });
});

describe('readPrepareConfig', () => {
  test('compiles SKIP_PATTERNS', () => {
    const config = readPrepareConfig({ DEST_BUCKET: 'b', SKIP_PATTERNS: '["**/*.tmp"]' });
    expect(config.skip('a/b.tmp')).toBe('**/*.tmp');
    expect(config.skip('a/b.txt')).toBeUndefined();
  });
  test('a malformed SKIP_PATTERNS names the variable', () => {
    expect(() => readPrepareConfig({ DEST_BUCKET: 'b', SKIP_PATTERNS: '*.tmp' })).toThrow(/SKIP_PATTERNS must be a JSON array/);
  });
});

describe('readLayout (DEST_LAYOUT)', () => {
  test.each([
    [undefined, { kind: 'by-source-bucket' }],
    ['{"kind":"by-source-bucket"}', { kind: 'by-source-bucket' }],
    ['{"kind":"by-source-bucket","bucketPrefixes":{"invoices":"billing/"}}', { kind: 'by-source-bucket', bucketPrefixes: { invoices: 'billing/' } }],
    ['{"kind":"legacy","sourceBucket":"invoices"}', { kind: 'legacy', sourceBucket: 'invoices' }],
  ])('reads %s', (text, layout) => {
    expect(readLayout(text === undefined ? {} : { DEST_LAYOUT: text })).toEqual(layout);
  });

  test.each([
    ['legacy', /DEST_LAYOUT is not JSON/],
    ['{"kind":"flat"}', /DEST_LAYOUT has no known kind/],
    ['{"kind":"legacy"}', /DEST_LAYOUT \(legacy\) must name its one sourceBucket/],
    ['{"kind":"by-source-bucket","bucketPrefixes":{"invoices":""}}', /DEST_LAYOUT bucketPrefixes must map bucket names to non-empty prefixes/],
  ])('refuses %s with a ConfigurationError naming the variable', (text, message) => {
    expect(() => readLayout({ DEST_LAYOUT: text })).toThrow(ConfigurationError);
    expect(() => readLayout({ DEST_LAYOUT: text })).toThrow(message);
  });
});
