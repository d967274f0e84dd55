import { createHash, type Hash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';

/** Content checksums in GCS's encoding: base64 of the big-endian CRC32C, base64 of the MD5 digest. */
export interface ContentChecksums {
  crc32c: string;
  md5: string;
}

/** CRC32C (SIMD, incremental) and MD5 over a byte stream, in one pass, without keeping the bytes. */
export class StreamHasher {
  private crc = 0;
  private readonly md5: Hash = createHash('md5');
  private length = 0;

  update(chunk: Uint8Array): void {
    this.crc = crc32c(chunk, this.crc);
    this.md5.update(chunk);
    this.length += chunk.byteLength;
  }

  get bytes(): number {
    return this.length;
  }

  /** Call once, after the last update. */
  digest(): ContentChecksums {
    return { crc32c: crc32cToBase64(this.crc), md5: this.md5.digest('base64') };
  }
}

export function checksumsOf(data: Uint8Array): ContentChecksums {
  const hasher = new StreamHasher();
  hasher.update(data);
  return hasher.digest();
}

export function crc32cToBase64(value: number): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value >>> 0);
  return buf.toString('base64');
}

/**
 * An S3 ETag is the content MD5 only for single-part uploads stored without SSE-KMS/DSSE or SSE-C
 * (multipart ETags end in `-N`; KMS and customer-key ETags are not digests). Returns that MD5 in base64, else undefined.
 */
export function etagMd5Base64(etag: string, serverSideEncryption?: string, sseCustomerAlgorithm?: string): string | undefined {
  const hex = etag.replace(/"/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) return undefined;
  if (sseCustomerAlgorithm) return undefined;
  if (serverSideEncryption && serverSideEncryption !== 'AES256') return undefined;
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Hash every chunk as it passes. `beforeEnd` runs after the last chunk and before the consumer sees the end,
 * so a check that throws there stops a resumable upload before its final chunk is committed.
 */
export async function* hashEach(
  chunks: AsyncIterable<Buffer>,
  hasher: StreamHasher,
  beforeEnd: () => void,
): AsyncGenerator<Buffer, void, undefined> {
  for await (const chunk of chunks) {
    hasher.update(chunk);
    yield chunk;
  }
  beforeEnd();
}
