import { readProvenance, userMetadataOf } from '../copy/metadata';
import type { Backup } from './backups';

/**
 * Policy: which backups a restore takes and where each goes. The original key comes from the provenance the copier
 * recorded (PROVENANCE_KEYS), never from parsing the GCS name; the CRC32C to prove the restored bytes against is the
 * one recorded at backup time (the verified mark, else the recorded CRC32C).
 */

export interface RestoreSelection {
  /** The gs:// prefix given: names of unproven backups are taken relative to it. */
  gcsPrefix: string;
  /** Prepended to every restored key. */
  targetPrefix: string;
  /** Only backups of this source bucket. */
  sourceBucket?: string;
  /** Only keys matching one of these (compiled globs), when given. */
  include?: (key: string) => unknown;
  /** Not keys matching one of these. */
  exclude?: (key: string) => unknown;
  /** Restore backups without provenance by their GCS name. */
  allowUnproven: boolean;
}

/** The S3 object headers a restore writes. */
export interface RestoredHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  userMetadata: Record<string, string>;
}

export interface RestoreItem {
  backup: Backup;
  /** The key to write in the target bucket. */
  targetKey: string;
  /** The source object's bucket and key as recorded (absent for unproven backups). */
  sourceBucket?: string;
  sourceKey?: string;
  sourceEtag?: string;
  /** The CRC32C the restored bytes must have. */
  expectedCrc32c: string;
  /** 'recorded' = from provenance at backup time; 'gcs' = only GCS's own (an unproven backup, --allow-unproven). */
  proof: 'recorded' | 'gcs';
  headers: RestoredHeaders;
}

export type Planned =
  | { kind: 'restore'; item: RestoreItem }
  | { kind: 'filtered' }
  | { kind: 'unproven'; backup: Backup; reason: string };

const MAX_S3_KEY_BYTES = 1024;

export function planRestore(backup: Backup, sel: RestoreSelection): Planned {
  const recorded = readProvenance(backup.metadata);
  const proven = recorded.key !== undefined && recorded.bucket !== undefined;
  const expected = recorded.verified ?? recorded.crc32c;
  const headers = headersOf(backup);
  if (proven && expected !== undefined) {
    if (sel.sourceBucket !== undefined && recorded.bucket !== sel.sourceBucket) return { kind: 'filtered' };
    if (!selected(recorded.key!, sel)) return { kind: 'filtered' };
    return {
      kind: 'restore',
      item: {
        backup,
        targetKey: sel.targetPrefix + recorded.key!,
        sourceBucket: recorded.bucket!,
        sourceKey: recorded.key!,
        ...(recorded.etag !== undefined ? { sourceEtag: recorded.etag } : {}),
        expectedCrc32c: expected,
        proof: 'recorded',
        headers,
      },
    };
  }
  const relative = backup.name.startsWith(sel.gcsPrefix) ? backup.name.slice(sel.gcsPrefix.length) : backup.name;
  // With --source-bucket, a backup that cannot say where it came from is not of that bucket.
  if (sel.sourceBucket !== undefined || !selected(relative, sel)) return { kind: 'filtered' };
  const reason = proven ? 'no CRC32C was recorded at backup time (never verified)' : 'no provenance metadata (s3-bucket/s3-key)';
  if (!sel.allowUnproven || backup.crc32c === undefined) return { kind: 'unproven', backup, reason };
  return { kind: 'restore', item: { backup, targetKey: sel.targetPrefix + relative, expectedCrc32c: backup.crc32c, proof: 'gcs', headers } };
}

/** Why S3 cannot hold this key, or undefined. */
export function s3KeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  const bytes = Buffer.byteLength(key, 'utf8');
  return bytes > MAX_S3_KEY_BYTES ? `the key is ${bytes} bytes of UTF-8; S3 allows at most ${MAX_S3_KEY_BYTES}` : undefined;
}

function selected(key: string, sel: RestoreSelection): boolean {
  if (sel.include && !sel.include(key)) return false;
  return !(sel.exclude && sel.exclude(key));
}

function headersOf(b: Backup): RestoredHeaders {
  const h: RestoredHeaders = { userMetadata: userMetadataOf(b.metadata) };
  if (b.contentType) h.contentType = b.contentType;
  if (b.contentEncoding) h.contentEncoding = b.contentEncoding;
  if (b.contentLanguage) h.contentLanguage = b.contentLanguage;
  if (b.contentDisposition) h.contentDisposition = b.contentDisposition;
  if (b.cacheControl) h.cacheControl = b.cacheControl;
  return h;
}
