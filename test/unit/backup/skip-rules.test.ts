import { compileSkipRules, parseSkipPatterns } from '../../../workflows/backup/skip-rules';

const config = (pattern: RegExp) => expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(pattern) });

describe('compileSkipRules', () => {
  const skip = compileSkipRules(['**/*.tmp', 'tmp/**', '**/.DS_Store', 'logs/*.log', '**/*.{part,crdownload}', 'literal\\*star']);

  it.each([
    ['a.tmp', '**/*.tmp'],
    ['deep/er/a.tmp', '**/*.tmp'],
    ['.hidden/x.tmp', '**/*.tmp'],
    ['tmp', 'tmp/**'],
    ['tmp/a/b/c.bin', 'tmp/**'],
    ['photos/.DS_Store', '**/.DS_Store'],
    ['.DS_Store', '**/.DS_Store'],
    ['logs/app.log', 'logs/*.log'],
    ['logs/.app.log', 'logs/*.log'],
    ['downloads/movie.part', '**/*.{part,crdownload}'],
    ['downloads/movie.crdownload', '**/*.{part,crdownload}'],
    ['literal*star', 'literal\\*star'],
  ])('skips %s, returning the matching pattern %s', (key, pattern) => {
    expect(skip(key)).toBe(pattern);
  });

  it.each([
    'a.tmp.keep',
    'tmpfile',
    'logs/2026/app.log',
    'photos/DS_Store',
    'literalXstar',
    'photos/red flower c++ ✿.jpg',
  ])('keeps %s', (key) => {
    expect(skip(key)).toBeUndefined();
  });

  it('is case-sensitive, like S3 keys', () => {
    expect(skip('A.TMP')).toBeUndefined();
  });

  it('returns the first matching pattern when several match', () => {
    expect(skip('tmp/x.tmp')).toBe('**/*.tmp');
  });

  it('treats a backslash in a key as an ordinary character, not a separator', () => {
    expect(compileSkipRules(['dir/*'])('dir/a\\b')).toBe('dir/*');
  });

  it('skips nothing with no patterns', () => {
    expect(compileSkipRules([])('anything')).toBeUndefined();
  });

  it('refuses negated patterns, which would skip almost everything', () => {
    expect(() => compileSkipRules(['!keep/**'])).toThrow(config(/negated patterns are not supported/));
  });

  it('refuses empty patterns', () => {
    expect(() => compileSkipRules(['ok/*', ''])).toThrow(config(/#2 must be a non-empty glob/));
  });
});

describe('parseSkipPatterns', () => {
  it('reads a JSON array of globs', () => {
    expect(parseSkipPatterns('["**/*.tmp","tmp/**"]', 'SKIP_PATTERNS')).toEqual(['**/*.tmp', 'tmp/**']);
  });

  it('treats unset or blank as no patterns', () => {
    expect(parseSkipPatterns(undefined, 'SKIP_PATTERNS')).toEqual([]);
    expect(parseSkipPatterns('  ', 'SKIP_PATTERNS')).toEqual([]);
  });

  it.each(['**/*.tmp', '{"a":1}', '[1,2]', '["ok", null]'])('refuses %s, naming the setting', (json) => {
    expect(() => parseSkipPatterns(json, 'SKIP_PATTERNS')).toThrow(config(/^SKIP_PATTERNS must be a JSON array of glob strings/));
  });
});
