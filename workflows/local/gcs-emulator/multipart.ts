import { badRequest } from './errors';

/** Events of a streamed multipart/related body. Part bodies arrive as subarrays of the received chunks (no copies). */
export type MultipartEvent = { type: 'part'; headers: Record<string, string> } | { type: 'data'; data: Buffer } | { type: 'end-part' };

const CRLF = Buffer.from('\r\n');
const MAX_HEADER_BYTES = 64 * 1024;

export function boundaryOf(contentType: string | undefined): string {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!/^multipart\/related/i.test(contentType ?? '') || !boundary) {
    throw badRequest(`Expected Content-Type multipart/related with a boundary, got '${contentType ?? ''}'`);
  }
  return boundary;
}

/**
 * Splits a multipart/related body while it streams. Parts may have no headers at all (Go clients send the media part
 * bare). The delimiter is searched with Buffer.indexOf per chunk; only the few bytes that could start a delimiter at a
 * chunk's end are held back.
 */
export async function* parseMultipart(source: AsyncIterable<Buffer>, boundary: string): AsyncGenerator<MultipartEvent> {
  // A leading CRLF lets the first boundary match the same "\r\n--boundary" delimiter as the others.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'epilogue' = 'preamble';
  let pending: Buffer = CRLF; // unparsed bytes in non-body states; in 'body', a possible delimiter start
  for await (const chunk of source) {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (buf.length) {
      if (state === 'preamble' || state === 'body') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const keep = partialDelimiterSuffix(buf, delimiter);
          if (state === 'body' && buf.length > keep) yield { type: 'data', data: buf.subarray(0, buf.length - keep) };
          pending = buf.subarray(buf.length - keep);
          break;
        }
        if (state === 'body') {
          if (at > 0) yield { type: 'data', data: buf.subarray(0, at) };
          yield { type: 'end-part' };
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'after-delimiter';
      } else if (state === 'after-delimiter') {
        if (buf.length < 2) {
          pending = buf;
          break;
        }
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'epilogue';
          break;
        }
        const eol = buf.indexOf(CRLF); // transport padding may precede the line end
        if (eol < 0) {
          pending = buf;
          break;
        }
        buf = buf.subarray(eol + 2);
        state = 'headers';
      } else if (state === 'headers') {
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          buf = buf.subarray(2); // a part without headers
          yield { type: 'part', headers: {} };
          state = 'body';
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw badRequest('multipart part headers too large');
          pending = buf;
          break;
        }
        yield { type: 'part', headers: parseHeaders(buf.subarray(0, end).toString('latin1')) };
        buf = buf.subarray(end + 4);
        state = 'body';
      } else {
        break; // epilogue: ignored
      }
    }
    if (state === 'epilogue') pending = Buffer.alloc(0);
  }
  if (state !== 'epilogue') throw badRequest('multipart body ended before its closing boundary');
}

/** Length of the longest suffix of `buf` that is a proper prefix of `delimiter` (usually 0: no '\r' near the end). */
function partialDelimiterSuffix(buf: Buffer, delimiter: Buffer): number {
  const from = Math.max(0, buf.length - delimiter.length + 1);
  for (let i = buf.indexOf(0x0d, from); i >= 0; i = buf.indexOf(0x0d, i + 1)) {
    if (buf.subarray(i).equals(delimiter.subarray(0, buf.length - i))) return buf.length - i;
  }
  return 0;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}
