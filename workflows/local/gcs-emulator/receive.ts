import type { ContentWriter } from './content';
import { badRequest } from './errors';
import { withDataFault } from './fault-streams';
import type { Fault } from './faults';
import type { RequestContext } from './context';
import { parseGoogHash, type ObjectHashes, type StreamHasher } from './hashes';

/** Streams object bytes into storage and the hashes; `skip` drops bytes the server already holds (resumable overlap). */
export async function receiveInto(source: AsyncIterable<Buffer>, writer: ContentWriter, hasher: StreamHasher, fault?: Fault, skip = 0): Promise<void> {
  // A 'corrupt-data' fault flips a byte before hashing: the stored hashes describe the corrupted bytes, as if
  // the bytes had been damaged in transit.
  const bytes = fault ? withDataFault(source, fault, false) : source;
  for await (let chunk of bytes) {
    if (skip > 0) {
      const drop = Math.min(skip, chunk.length);
      skip -= drop;
      chunk = chunk.subarray(drop);
      if (chunk.length === 0) continue;
    }
    hasher.update(chunk);
    const pending = writer.write(chunk);
    if (pending) await pending;
  }
}

/** Like GCS: hashes the client declared (object metadata or X-Goog-Hash) must match the bytes received, else 400. */
export function verifyHashes(actual: ObjectHashes, expected: Partial<ObjectHashes>): void {
  if (expected.crc32c !== undefined && expected.crc32c !== actual.crc32c) {
    throw badRequest(`Provided CRC32C "${expected.crc32c}" doesn't match calculated CRC32C "${actual.crc32c}".`);
  }
  if (expected.md5Hash !== undefined && expected.md5Hash !== actual.md5Hash) {
    throw badRequest(`Provided MD5 hash "${expected.md5Hash}" doesn't match calculated MD5 hash "${actual.md5Hash}".`);
  }
}

export function declaredHashes(json: Record<string, unknown>): Partial<ObjectHashes> {
  const out: Partial<ObjectHashes> = {};
  if (typeof json.crc32c === 'string') out.crc32c = json.crc32c;
  if (typeof json.md5Hash === 'string') out.md5Hash = json.md5Hash;
  return out;
}

/** Hashes the client declared for the bytes: in the object resource, or in an X-Goog-Hash header. */
export function expectedHashes(ctx: RequestContext, meta: Record<string, unknown>): Partial<ObjectHashes>[] {
  const header = ctx.req.headers['x-goog-hash'];
  return [declaredHashes(meta), parseGoogHash(Array.isArray(header) ? header.join(',') : header)];
}

export function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
