/**
 * Request bodies of the local S3 server, read into ONE buffer of the declared length (fauxqs's Fastify parser
 * collects chunks, then concatenates them, then copies again to strip aws-chunked framing, and refuses bodies over
 * 11 MiB). aws-chunked framing (`<hex>;chunk-signature=…\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n`) is removed in
 * place, so a 1 GiB PUT holds about 1 GiB, once.
 */
import type { IncomingHttpHeaders } from 'node:http';

const GiB = 1024 ** 3;
/** S3's own limits: a single PUT and one part of a multipart upload each carry at most 5 GiB. */
export const MAX_BODY_BYTES = 5 * GiB;

export class RequestBodyError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface RequestBody {
  body: Buffer;
  /** Headers sent after an aws-chunked body (e.g. x-amz-checksum-crc32), lower-case names. */
  trailers: Record<string, string>;
}

export function tooLarge(bytes: number, limit = MAX_BODY_BYTES): RequestBodyError {
  return new RequestBodyError(
    'EntityTooLarge',
    413,
    `Your proposed upload exceeds the maximum allowed size: ${bytes} bytes; the local S3 server, like S3, accepts at most ` +
      `${limit} bytes (${limit / GiB} GiB) in one PUT or one part, held in memory once — use a multipart upload for more`,
  );
}

/** The body of a request whose headers are `headers`, from `payload`; aws-chunked framing removed. */
export async function readRequestBody(payload: AsyncIterable<Buffer | string>, headers: IncomingHttpHeaders, limit = MAX_BODY_BYTES): Promise<RequestBody> {
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  const chunked = isAwsChunked(headers);
  const decoded = headers['x-amz-decoded-content-length'];
  if (chunked && decoded !== undefined && Number(decoded) > limit) throw tooLarge(Number(decoded), limit);
  // The aws-chunked framing adds a few bytes per chunk; allow it on top of the decoded limit.
  const wireLimit = chunked ? limit + 1024 * 1024 : limit;
  if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) throw new RequestBodyError('InvalidArgument', 400, 'Content-Length is not a valid length');
  if (declared !== undefined && declared > wireLimit) throw tooLarge(declared, limit);

  const raw = declared === undefined ? await readUnknownLength(payload, wireLimit) : await readKnownLength(payload, declared);
  if (!chunked) return { body: raw, trailers: {} };
  const { length, trailers } = decodeAwsChunkedInPlace(raw);
  if (decoded !== undefined && Number(decoded) !== length) {
    throw new RequestBodyError('IncompleteBody', 400, `aws-chunked body decoded to ${length} bytes, x-amz-decoded-content-length says ${decoded}`);
  }
  return { body: raw.subarray(0, length), trailers };
}

export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  return String(headers['content-encoding'] ?? '').includes('aws-chunked');
}

async function readKnownLength(payload: AsyncIterable<Buffer | string>, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let at = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (at + bytes.length > length) throw new RequestBodyError('IncompleteBody', 400, `the body is longer than its Content-Length (${length})`);
    bytes.copy(buf, at);
    at += bytes.length;
  }
  if (at !== length) {
    throw new RequestBodyError('IncompleteBody', 400, `You did not provide the number of bytes specified by the Content-Length HTTP header (${at} of ${length})`);
  }
  return buf;
}

/** Transfer-Encoding: chunked without a length: collected, then joined (the only case that copies). */
async function readUnknownLength(payload: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > limit) throw tooLarge(total, limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

/** Strips aws-chunked framing by moving each chunk's data left within `buf`; returns the data length and trailers. */
export function decodeAwsChunkedInPlace(buf: Buffer): { length: number; trailers: Record<string, string> } {
  let read = 0;
  let write = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', read);
    if (eol < 0) throw malformed('a chunk header has no CRLF');
    const size = parseInt(buf.toString('latin1', read, eol).split(';')[0]!, 16);
    if (!Number.isInteger(size) || size < 0) throw malformed('a chunk size is not hexadecimal');
    read = eol + 2;
    if (size === 0) break;
    if (read + size > buf.length) throw malformed('a chunk is longer than the body');
    buf.copy(buf, write, read, read + size);
    write += size;
    read += size;
    if (buf.toString('latin1', read, read + 2) !== '\r\n') throw malformed('a chunk is not followed by CRLF');
    read += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of buf.toString('latin1', read).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { length: write, trailers };
}

function malformed(why: string): RequestBodyError {
  return new RequestBodyError('IncompleteBody', 400, `malformed aws-chunked body: ${why}`);
}
