/**
 * How an S3 object's metadata becomes a GCS object's, and the provenance record the engine keeps on every copy.
 * The provenance keys are a stored format: objects already in GCS carry them, so renaming one breaks
 * already-current/stale-event decisions for existing backups.
 */
export const PROVENANCE_KEYS = {
  bucket: 's3-bucket',
  key: 's3-key',
  versionId: 's3-version-id',
  etag: 's3-etag',
  sequencer: 's3-sequencer',
  size: 's3-size',
  crc32c: 's3-crc32c',
  lastModified: 's3-last-modified',
  /**
   * The verified mark: the base64 CRC32C of the bytes this copy read from the source version named above, written
   * only once GCS is known to hold exactly those bytes (see markVerified in workflows/copy/engine.ts). A backup is
   * current only with the mark, and only while it equals the CRC32C GCS reports for the bytes it holds now.
   */
  verified: 'verified-crc32c',
} as const;

const RESERVED = new Set<string>(Object.values(PROVENANCE_KEYS));

/** What HeadObject told us about the source version (transport-neutral). */
export interface SourceObject {
  bucket: string;
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  versionId?: string;
  lastModified?: Date;
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** x-amz-meta-* with the prefix removed, as S3 returns them (lower-case names). */
  userMetadata: Record<string, string>;
  /** S3's stored CRC32C (base64) when the object has one. */
  checksumCrc32c?: string;
  /** 'FULL_OBJECT' or 'COMPOSITE' (a composite checksum covers parts, not the content). */
  checksumType?: string;
  storageClass?: string;
  /** x-amz-restore, e.g. 'ongoing-request="false", expiry-date="…"'. */
  restore?: string;
  serverSideEncryption?: string;
  sseCustomerAlgorithm?: string;
}

/** The subset of the GCS object resource the engine writes. */
export interface GcsObjectMetadata {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  storageClass?: string;
  metadata: Record<string, string>;
}

export interface Provenance {
  sequencer?: string;
  /**
   * Base64 CRC32C of the content, when known before the upload starts: always for single-request copies,
   * and for resumable copies of sources with an S3 full-object CRC32C. Other resumable copies get the engine's
   * own CRC32C added by a metadata patch once the stored object is verified. GCS's own `crc32c` field describes
   * the bytes it holds NOW; this key records what was copied, so `s3gcs verify` can tell if the bytes changed.
   * (No MD5 is recorded: it would add nothing to that comparison, and GCS keeps none for composite objects.)
   */
  crc32c?: string;
  /**
   * The verified mark, when the upload itself proves the bytes: GCS refuses to commit an upload whose content does
   * not match the CRC32C declared with it (https://cloud.google.com/storage/docs/data-validation), so an object
   * committed with a declared CRC32C is verified the moment it exists. Every other upload gets the mark by a patch
   * after the engine compared what GCS stored.
   */
  verifiedCrc32c?: string;
}

/**
 * User metadata keeps its names; a user key that collides with a provenance key is kept under its original
 * header name (x-amz-meta-…) so neither is lost.
 */
export function toGcsMetadata(source: SourceObject, provenance: Provenance, storageClass?: string): GcsObjectMetadata {
  const custom: Record<string, string> = {};
  for (const [name, value] of Object.entries(source.userMetadata)) {
    custom[RESERVED.has(name) ? `x-amz-meta-${name}` : name] = value;
  }
  custom[PROVENANCE_KEYS.bucket] = source.bucket;
  custom[PROVENANCE_KEYS.key] = source.key;
  custom[PROVENANCE_KEYS.etag] = source.etag;
  custom[PROVENANCE_KEYS.size] = String(source.size);
  if (provenance.crc32c) custom[PROVENANCE_KEYS.crc32c] = provenance.crc32c;
  if (provenance.verifiedCrc32c) custom[PROVENANCE_KEYS.verified] = provenance.verifiedCrc32c;
  if (source.versionId) custom[PROVENANCE_KEYS.versionId] = source.versionId;
  if (provenance.sequencer) custom[PROVENANCE_KEYS.sequencer] = provenance.sequencer;
  if (source.lastModified) custom[PROVENANCE_KEYS.lastModified] = source.lastModified.toISOString();

  const out: GcsObjectMetadata = { metadata: custom };
  // S3 defaults Content-Type to binary/octet-stream when none was given; GCS uses application/octet-stream.
  out.contentType = source.contentType && source.contentType !== 'binary/octet-stream' ? source.contentType : 'application/octet-stream';
  if (source.contentEncoding) out.contentEncoding = source.contentEncoding;
  if (source.contentDisposition) out.contentDisposition = source.contentDisposition;
  if (source.contentLanguage) out.contentLanguage = source.contentLanguage;
  if (source.cacheControl) out.cacheControl = source.cacheControl;
  if (storageClass) out.storageClass = storageClass;
  return out;
}

/** The provenance recorded on a destination object, as read back from GCS custom metadata. */
export interface RecordedProvenance {
  bucket?: string;
  key?: string;
  versionId?: string;
  etag?: string;
  sequencer?: string;
  size?: number;
  crc32c?: string;
  /** The verified mark (PROVENANCE_KEYS.verified). */
  verified?: string;
  /** The source version's LastModified (HeadObject), which orders copies made without an event's sequencer. */
  lastModified?: Date;
}

export function readProvenance(metadata: Record<string, unknown> | undefined): RecordedProvenance {
  const m = metadata ?? {};
  const str = (k: string): string | undefined => (typeof m[k] === 'string' && m[k] !== '' ? (m[k] as string) : undefined);
  const size = str(PROVENANCE_KEYS.size);
  const lastModified = str(PROVENANCE_KEYS.lastModified);
  const lastModifiedMs = lastModified === undefined ? NaN : Date.parse(lastModified);
  return {
    bucket: str(PROVENANCE_KEYS.bucket),
    key: str(PROVENANCE_KEYS.key),
    versionId: str(PROVENANCE_KEYS.versionId),
    etag: str(PROVENANCE_KEYS.etag),
    sequencer: str(PROVENANCE_KEYS.sequencer),
    size: size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined,
    crc32c: str(PROVENANCE_KEYS.crc32c),
    verified: str(PROVENANCE_KEYS.verified),
    lastModified: Number.isNaN(lastModifiedMs) ? undefined : new Date(lastModifiedMs),
  };
}

/**
 * The inverse of toGcsMetadata's custom metadata: the source object's user metadata (x-amz-meta-*, names without the
 * prefix) from a backup's GCS metadata — the provenance keys removed, and a user key that collided with one of them
 * given back its own name.
 */
export function userMetadataOf(metadata: Record<string, unknown> | undefined): Record<string, string> {
  const user: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (RESERVED.has(name) || typeof value !== 'string') continue;
    const unprefixed = name.startsWith('x-amz-meta-') ? name.slice('x-amz-meta-'.length) : undefined;
    user[unprefixed !== undefined && RESERVED.has(unprefixed) ? unprefixed : name] = value;
  }
  return user;
}
