import { IntegrityError, SourceChanged, SourceNotReadable } from '../backup/errors';
import { etagMd5Base64, type ContentChecksums } from './checksums';
import type { StoredObject } from './gcs-sink';
import type { SourceObject } from './metadata';

/** Integrity and readability rules (policy). Transport modules only move bytes. */

/** Checksums S3 vouches for: the single-part ETag as an MD5, and a full-object CRC32C. */
export interface SourceChecksums {
  md5?: string;
  crc32c?: string;
}

export function sourceChecksums(source: SourceObject): SourceChecksums {
  const md5 = etagMd5Base64(source.etag, source.serverSideEncryption, source.sseCustomerAlgorithm);
  // Objects from before S3 reported ChecksumType carry a full-object value without a `-N` part count.
  const fullObject =
    source.checksumType === 'FULL_OBJECT' || (source.checksumType === undefined && !/-\d+$/.test(source.checksumCrc32c ?? ''));
  const crc32c = source.checksumCrc32c && fullObject ? source.checksumCrc32c : undefined;
  return { md5, crc32c };
}

/** The bytes we read must be the bytes S3 describes; else nothing may be committed. */
export function verifyAgainstSource(
  ours: ContentChecksums,
  bytes: number,
  source: SourceObject,
  expected: SourceChecksums,
  where: string,
): void {
  if (bytes !== source.size) {
    throw new IntegrityError(`${where}: read ${bytes} bytes but S3 reported ${source.size}; retry once, then investigate.`);
  }
  if (expected.md5 && expected.md5 !== ours.md5) {
    throw new IntegrityError(
      `${where}: the bytes read have MD5 ${ours.md5} but the S3 ETag says ${expected.md5}; corrupted in transit — retry once, then investigate.`,
    );
  }
  if (expected.crc32c && expected.crc32c !== ours.crc32c) {
    throw new IntegrityError(
      `${where}: the bytes read have CRC32C ${ours.crc32c} but S3 stored ${expected.crc32c}; corrupted in transit — retry once, then investigate.`,
    );
  }
}

/**
 * What GCS stored must hash to what we sent. Returns a description of the mismatch, or undefined.
 * CRC32C always; MD5 only when we computed one (see Md5Policy) and GCS reports one (composite objects have none).
 */
export function storedMismatch(ours: ContentChecksums, bytes: number, stored: StoredObject): string | undefined {
  if (stored.size !== bytes) return `GCS stored ${stored.size} bytes, we sent ${bytes}`;
  if (stored.crc32c !== ours.crc32c) return `GCS reports CRC32C ${stored.crc32c ?? '(none)'}, we sent ${ours.crc32c}`;
  if (ours.md5 !== undefined && stored.md5Hash !== undefined && stored.md5Hash !== ours.md5) {
    return `GCS reports MD5 ${stored.md5Hash}, we sent ${ours.md5}`;
  }
  return undefined;
}

/** Archived objects cannot be read until restored; say so before trying. */
export function assertReadable(source: SourceObject, where: string): void {
  const archived = source.storageClass === 'GLACIER' || source.storageClass === 'DEEP_ARCHIVE';
  const restored = /ongoing-request="false"/.test(source.restore ?? '');
  if (archived && !restored) {
    throw new SourceNotReadable(
      `${where} is in ${source.storageClass} and not restored; restore it (then replay) or exclude it from backup.`,
    );
  }
}

/** The event named one ETag and S3 now has another: the event is superseded by a newer write. */
export function assertSameEtag(eventEtag: string | undefined, source: SourceObject, where: string): void {
  if (eventEtag && eventEtag.replace(/"/g, '') !== source.etag) {
    throw new SourceChanged(
      `${where} now has ETag ${source.etag}, the event said ${eventEtag.replace(/"/g, '')}; a newer event backs up the new content.`,
    );
  }
}
