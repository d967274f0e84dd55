import { createHash, type Hash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';

export interface ObjectHashes {
  /** base64 of the big-endian CRC32C, as GCS reports it */
  crc32c: string;
  /** base64 MD5 digest */
  md5Hash: string;
}

/** CRC32C + MD5 computed incrementally over streamed chunks; a snapshot lets an upload roll back to a committed offset. */
export class StreamHasher {
  private crc = 0;
  private md5: Hash;

  constructor(from?: { crc: number; md5: Hash }) {
    this.crc = from?.crc ?? 0;
    this.md5 = from ? from.md5.copy() : createHash('md5');
  }

  update(chunk: Buffer): void {
    this.crc = crc32c(chunk, this.crc);
    this.md5.update(chunk);
  }

  snapshot(): StreamHasher {
    return new StreamHasher({ crc: this.crc, md5: this.md5 });
  }

  digest(): ObjectHashes {
    return { crc32c: crc32cBase64(this.crc), md5Hash: this.md5.copy().digest('base64') };
  }
}

export function crc32cBase64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}

/** Parses `X-Goog-Hash: crc32c=...,md5=...` into the object-resource field names. */
export function parseGoogHash(header: string | undefined): Partial<ObjectHashes> {
  const out: Partial<ObjectHashes> = {};
  for (const pair of (header ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i < 0) continue;
    const type = pair.slice(0, i).trim().toLowerCase();
    const value = pair.slice(i + 1).trim();
    if (type === 'crc32c') out.crc32c = value;
    if (type === 'md5') out.md5Hash = value;
  }
  return out;
}
