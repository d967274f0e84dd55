import type { Storage } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import { classifyError } from '../backup/classify-error';
import { IntegrityError, TransientError } from '../backup/errors';
import { gsUrl } from '../copy/gcs-sink';

/**
 * Transport: bytes [start, endInclusive] of one pinned backup generation into `into`. `decompress: false` keeps a
 * gzip-encoded backup's stored bytes (no decompressive transcoding): restore writes back exactly what was backed up,
 * with its Content-Encoding. The client's own validation is off: restore hashes the whole stream itself.
 */
export async function readRange(
  storage: Storage,
  at: { bucket: string; name: string; generation: string },
  start: number,
  endInclusive: number,
  into: Buffer,
  signal: AbortSignal,
): Promise<Buffer> {
  const where = `${gsUrl(at.bucket, at.name)}#${at.generation} bytes ${start}-${endInclusive}`;
  const file = storage.bucket(at.bucket).file(at.name, { generation: Number(at.generation) });
  let offset = 0;
  let stream: Readable | undefined;
  const stop = (): void => void stream?.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', stop, { once: true });
  try {
    signal.throwIfAborted();
    stream = file.createReadStream({ start, end: endInclusive, validation: false, decompress: false });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (offset + chunk.length > into.length) throw new IntegrityError(`${where}: more bytes than asked for`);
      chunk.copy(into, offset);
      offset += chunk.length;
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof IntegrityError) throw err;
    throw classifyError(err, { side: 'gcs', operation: 'read backup', location: where });
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (offset !== into.length) throw new TransientError(`${where}: the body ended after ${offset} of ${into.length} bytes`);
  return into;
}
