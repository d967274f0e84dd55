/**
 * Text from outside (object keys, names, error messages) on a terminal: a key may hold a CR that overwrites the line,
 * an ESC sequence that recolours or retitles the terminal, a line break that forges a row, or a bidi override that
 * reorders what is shown. Human output shows such characters escaped; --json carries every key exactly.
 */

/** C0 controls, DEL, C1 controls, line/paragraph separators and the bidi embedding/override/isolate characters. */
function isUnsafe(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escapeWhere(text: string, unsafe: (ch: string, code: number) => boolean): string {
  let out = '';
  for (const ch of text) out += unsafe(ch, ch.codePointAt(0)!) ? escape(ch) : ch;
  return out;
}

function escape(ch: string): string {
  const code = ch.codePointAt(0)!;
  return NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** One value (a key, a name, a table cell) for human output: every unsafe character escaped, backslashes doubled. */
export function displayText(value: string): string {
  return escapeWhere(value, (ch, code) => ch === '\\' || isUnsafe(code));
}

/**
 * A whole block of human output: its own line breaks kept, every other unsafe character escaped (backslashes are
 * left alone: values in it were escaped with displayText already, or are the program's own text).
 */
export function displayLines(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeWhere(line, (_, code) => isUnsafe(code)))
    .join('\n');
}
