import { ConfigurationError } from '../../../workflows/backup/errors';
import { readCopierConfig, readPrepareConfig } from '../../../workflows/backup/settings';

describe('readCopierConfig', () => {
  test('reads tier, target and engine tuning', () => {
    expect(
      readCopierConfig({ TIER: 'large', DEST_BUCKET: 'b', DEST_PREFIX: 'p/', STORAGE_CLASS: 'NEARLINE', PART_SIZE_BYTES: '16777216', CONCURRENCY: '8' }),
    ).toEqual({ tier: 'large', target: { bucket: 'b', prefix: 'p/', storageClass: 'NEARLINE' }, engine: { partSizeBytes: 16777216, concurrency: 8 } });
  });

  test('defaults: no prefix, no storage class, the engine decides the tuning; the heavy task defaults its tier', () => {
    expect(readCopierConfig({ DEST_BUCKET: 'b' }, 'heavy')).toEqual({ tier: 'heavy', target: { bucket: 'b', prefix: '' }, engine: {} });
  });

  test.each([
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
