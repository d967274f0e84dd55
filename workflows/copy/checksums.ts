import { createHash, type Hash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';

/** Content checksums in GCS's encoding: base64 of the big-endian CRC32C, base64 of the MD5 digest (when computed). */
export interface ContentChecksums {
  crc32c: string;
  md5?: string;
}

/**
 * When a copy computes MD5 (EngineOptions.md5). CRC32C is always computed, end to end: compared with GCS's stored
 * crc32c, and with S3's full-object CRC32C when S3 has one. MD5 is worth its cost only when something independent
 * vouches for one — the source's single-part ETag (`when-verifiable`, the default). Otherwise the only MD5 to compare
 * with is GCS's MD5 of the bytes it received, which repeats the CRC32C check at about 7× its CPU cost (measured:
 * ~2 CPU-s per GiB, the largest single cost of a copy). `always` computes it anyway and compares it with GCS's.
 */
export type Md5Policy = 'when-verifiable' | 'always';

export function md5Wanted(policy: Md5Policy, sourceMd5: string | undefined): boolean {
  return policy === 'always' || sourceMd5 !== undefined;
}

/**
 * CRC32C (SIMD, incremental) and, unless told not to, MD5 over a byte stream, in one pass, without keeping the bytes.
 * Whether to ask for MD5 is the Md5Policy above.
 */
export class StreamHasher {
  private crc = 0;
  private readonly md5: Hash | undefined;
  private length = 0;

  constructor(options: { md5?: boolean } = {}) {
    this.md5 = options.md5 === false ? undefined : createHash('md5');
  }

  update(chunk: Uint8Array): void {
    this.crc = crc32c(chunk, this.crc);
    this.md5?.update(chunk);
    this.length += chunk.byteLength;
  }

  get bytes(): number {
    return this.length;
  }

  /** Call once, after the last update. */
  digest(): ContentChecksums {
    const crc = crc32cToBase64(this.crc);
    return this.md5 ? { crc32c: crc, md5: this.md5.digest('base64') } : { crc32c: crc };
  }
}

export function checksumsOf(data: Uint8Array, options: { md5?: boolean } = {}): ContentChecksums {
  const hasher = new StreamHasher(options);
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
