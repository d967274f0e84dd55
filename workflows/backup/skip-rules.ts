import picomatch from 'picomatch';
import { ConfigurationError } from './errors';

/**
 * Skip rules: glob patterns over the decoded S3 key (case-sensitive, matched against the whole key). A key that
 * matches any pattern is not backed up (outcome `skipped`), and neither are its deletes.
 *
 * Syntax (picomatch with `dot: true`, POSIX paths; below, `**\/` stands for globstar-slash, escaped to keep this comment open):
 * - `*`  any run of characters within one path segment (not `/`), dot-files included: `*.tmp` matches `a.tmp`, not `x/a.tmp`
 * - `**` any number of segments, including none: `**\/*.tmp` matches `a.tmp` and `x/y/a.tmp`; `tmp/**` matches `tmp` and all below
 * - `?`  exactly one character other than `/`
 * - `[abc]`, `[a-z]`, `[!a-z]` one character from (or not from) a set
 * - `{a,b}` either alternative: `**\/*.{tmp,part}`
 * - `\` escapes the next character, so `\*` matches a literal `*`
 * Patterns starting with `!` (negation) are refused: in a skip list "everything except X" would silently skip
 * almost every object. Keys are matched as stored, so a key with a leading `/` needs a pattern with one.
 */
export function compileSkipRules(patterns: string[]): (key: string) => string | undefined {
  const rules = patterns.map((pattern, i) => {
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new ConfigurationError(`Skip pattern #${i + 1} must be a non-empty glob string, got ${JSON.stringify(pattern)}`);
    }
    if (pattern.startsWith('!')) {
      throw new ConfigurationError(
        `Skip pattern ${JSON.stringify(pattern)} starts with '!': negated patterns are not supported in skip rules ` +
          '(they would skip every key that does not match)',
      );
    }
    let matches: (key: string) => boolean;
    try {
      matches = picomatch(pattern, { dot: true, windows: false });
    } catch (err) {
      throw new ConfigurationError(`Skip pattern ${JSON.stringify(pattern)} is not a valid glob: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { pattern, matches };
  });
  return (key) => rules.find((rule) => rule.matches(key))?.pattern;
}

/** Parses a JSON array of glob strings (e.g. the SKIP_PATTERNS setting); `what` names the setting in errors. */
export function parseSkipPatterns(json: string | undefined, what: string): string[] {
  if (json === undefined || json.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ConfigurationError(`${what} must be a JSON array of glob strings, e.g. ["**/*.tmp"]; got ${JSON.stringify(json)}`, {
      cause: err,
    });
  }
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
    throw new ConfigurationError(`${what} must be a JSON array of glob strings, e.g. ["**/*.tmp"]; got ${json}`);
  }
  return parsed;
}
