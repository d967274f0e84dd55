import { badRequest } from './errors';

/** Events of a streamed multipart/related body. Part bodies arrive as subarrays of the received chunks (no copies). */
export type MultipartEvent = { type: 'part'; headers: Record<string, string> } | { type: 'data'; data: Buffer } | { type: 'end-part' };

const MAX_HEADER_BYTES = 64 * 1024;
/** RFC 2046 §5.1.1: bcharsnospace, plus space (not last), 1 to 70 of them. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * The boundaries a multipart/related Content-Type may mean, most likely first. RFC 2045 allows the parameter as a token
 * or a quoted-string (with `\` escapes). gcloud (apitools) writes Python's repr of the boundary, `boundary='===…=='`,
 * and GCS accepts it: for a single-quoted value both the inner and the literal reading are candidates, and the body's
 * first delimiter line decides (see parseMultipart). Anything that is not a valid RFC 2046 boundary is a 400.
 */
export function boundaryOf(contentType: string | undefined): string[] {
  const header = contentType ?? '';
  if (!/^\s*multipart\/related\s*(;|$)/i.test(header)) {
    throw badRequest(`Expected Content-Type multipart/related with a boundary, got '${header}'`);
  }
  const m = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i.exec(header);
  const value = m?.[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m?.[2];
  const candidates = value === undefined ? [] : /^'.+'$/.test(value) ? [value.slice(1, -1), value] : [value];
  const valid = candidates.filter((b) => BOUNDARY.test(b));
  if (valid.length === 0) throw badRequest(`Content-Type multipart/related needs a boundary of 1-70 RFC 2046 characters, got '${header}'`);
  return valid;
}

/**
 * Splits a multipart/related body while it streams (RFC 2046 §5.1.1): a preamble before the first delimiter and an
 * epilogue after the closing one are ignored, transport padding (spaces, tabs) may follow a delimiter, and a part may
 * have no headers at all (Go clients send the media part bare). The first delimiter line fixes the line break: CRLF as
 * the RFC says, or a bare LF, which Python's email generator writes for gcloud and GCS accepts. A line that starts with
 * the delimiter but goes on with anything else is malformed (400). Only the few bytes that could start a delimiter at
 * a chunk's end are held back.
 */
export async function* parseMultipart(source: AsyncIterable<Buffer>, boundaries: string | string[]): AsyncGenerator<MultipartEvent> {
  const candidates = (Array.isArray(boundaries) ? boundaries : [boundaries]).map((b) => Buffer.from(`\n--${b}`));
  let eol: Buffer = Buffer.from('\r\n');
  let delimiter: Buffer = candidates[0]!; // set for good at the first delimiter line
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'epilogue' = 'preamble';
  let parts = 0;
  let pending: Buffer = Buffer.from('\n'); // unparsed bytes; the leading LF lets the first delimiter start a line
  for await (const chunk of source) {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (buf.length) {
      if (state === 'preamble') {
        const found = firstDelimiter(buf, candidates);
        if (!found) {
          const keep = Math.max(...candidates.map((c) => c.length)) - 1;
          pending = buf.subarray(Math.max(0, buf.length - keep));
          break;
        }
        delimiter = found.delimiter;
        buf = buf.subarray(found.at + delimiter.length);
        state = 'after-delimiter';
      } else if (state === 'body') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const keep = partialDelimiterSuffix(buf, delimiter);
          if (buf.length > keep) yield { type: 'data', data: buf.subarray(0, buf.length - keep) };
          pending = buf.subarray(buf.length - keep);
          break;
        }
        if (at > 0) yield { type: 'data', data: buf.subarray(0, at) };
        yield { type: 'end-part' };
        buf = buf.subarray(at + delimiter.length);
        state = 'after-delimiter';
      } else if (state === 'after-delimiter') {
        const line = delimiterLineEnd(buf);
        if (line === undefined) {
          if (buf.length > MAX_HEADER_BYTES) throw badRequest('multipart delimiter line too long');
          pending = buf;
          break;
        }
        if (line.close) {
          state = 'epilogue';
          break;
        }
        if (parts === 0) {
          eol = line.eol;
          // From now on a delimiter is a line break followed by --boundary (RFC 2046: the CRLF belongs to it).
          delimiter = Buffer.concat([eol, delimiter.subarray(1)]);
        } else if (!line.eol.equals(eol)) {
          throw badRequest('multipart body mixes CRLF and LF line breaks on its delimiter lines');
        }
        buf = buf.subarray(line.length);
        parts++;
        state = 'headers';
      } else if (state === 'headers') {
        if (buf.length < eol.length) {
          pending = buf;
          break;
        }
        if (buf.subarray(0, eol.length).equals(eol)) {
          buf = buf.subarray(eol.length); // a part without headers
          yield { type: 'part', headers: {} };
          state = 'body';
          continue;
        }
        const blank = Buffer.concat([eol, eol]);
        const end = buf.indexOf(blank);
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw badRequest('multipart part headers too large');
          pending = buf;
          break;
        }
        yield { type: 'part', headers: parseHeaders(buf.subarray(0, end).toString('latin1'), eol.toString('latin1')) };
        buf = buf.subarray(end + blank.length);
        state = 'body';
      } else {
        break; // epilogue: ignored
      }
    }
    if (state === 'epilogue') pending = Buffer.alloc(0);
  }
  if (state !== 'epilogue') throw badRequest('multipart body ended before its closing boundary');
}

/** The earliest line-start delimiter of any candidate boundary in `buf`. */
function firstDelimiter(buf: Buffer, candidates: Buffer[]): { at: number; delimiter: Buffer } | undefined {
  let best: { at: number; delimiter: Buffer } | undefined;
  for (const delimiter of candidates) {
    const at = buf.indexOf(delimiter);
    if (at >= 0 && (!best || at < best.at)) best = { at, delimiter };
  }
  return best;
}

/**
 * What follows `--boundary`: `--` closes the body; otherwise transport padding (SP / HTAB) and the line break. Returns
 * undefined when more bytes are needed; throws when the line goes on with anything else.
 */
function delimiterLineEnd(buf: Buffer): { close: true } | { close: false; eol: Buffer; length: number } | undefined {
  if (buf.length < 2) return undefined;
  if (buf[0] === 0x2d && buf[1] === 0x2d) return { close: true };
  let i = 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  if (i === buf.length) return undefined;
  if (buf[i] === 0x0a) return { close: false, eol: Buffer.from('\n'), length: i + 1 };
  if (buf[i] === 0x0d) {
    if (i + 1 === buf.length) return undefined;
    if (buf[i + 1] === 0x0a) return { close: false, eol: Buffer.from('\r\n'), length: i + 2 };
  }
  throw badRequest('multipart delimiter line goes on after the boundary');
}

/** Length of the longest suffix of `buf` that is a proper prefix of `delimiter` (usually 0: no line break near the end). */
function partialDelimiterSuffix(buf: Buffer, delimiter: Buffer): number {
  const from = Math.max(0, buf.length - delimiter.length + 1);
  for (let i = buf.indexOf(delimiter[0]!, from); i >= 0; i = buf.indexOf(delimiter[0]!, i + 1)) {
    if (buf.subarray(i).equals(delimiter.subarray(0, buf.length - i))) return buf.length - i;
  }
  return 0;
}

function parseHeaders(block: string, eol: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split(eol)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}
