import { table } from '../../../workflows/cli/io';
import { displayLines, displayText } from '../../../workflows/cli/safe-text';

describe('displayText', () => {
  it('escapes C0 and C1 controls, DEL, line separators and bidi overrides, and doubles backslashes', () => {
    expect(displayText('a\r\nb\tc')).toBe('a\\r\\nb\\tc');
    expect(displayText('\x1b[2J\x07\x00\x7f\x9b')).toBe('\\x1b[2J\\x07\\x00\\x7f\\x9b');
    expect(displayText('abc\u202Etxt.exe\u2066\u2028')).toBe('abc\\u202etxt.exe\\u2066\\u2028');
    expect(displayText('dir\\n')).toBe('dir\\\\n'); // a literal backslash-n stays distinguishable from a line break
  });

  it('leaves printable text alone: spaces, quotes, non-ASCII, emoji, zero-width joiners', () => {
    const text = 'reports/q3 "final" ü 日本語 \u{1F600}\u200D\u{1F525} +%20';
    expect(displayText(text)).toBe(text);
  });
});

describe('displayLines', () => {
  it("keeps the block's own line breaks and backslashes, and escapes every other control", () => {
    expect(displayLines('line 1\nline 2 \\ \r\x1b]0;title\x07')).toBe('line 1\nline 2 \\ \\r\\x1b]0;title\\x07');
  });
});

describe('table', () => {
  it('keeps one row per line whatever the cells hold', () => {
    const out = table(['KEY', 'DETAIL'], [['forged\nrow', 'x\r'], ['ok', 'y']]);
    expect(out.split('\n')).toEqual(['KEY          DETAIL', 'forged\\nrow  x\\r', 'ok           y']);
  });
});
