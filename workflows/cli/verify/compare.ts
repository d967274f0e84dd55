import { unverifiedReason } from '../../backup/destination-state';
import { InvalidDestinationName } from '../../backup/errors';
import { destinationObjectName, sourceKeyOf } from '../../backup/keys';
import { readProvenance } from '../../copy/metadata';
import type { CopyTarget } from '../../copy/types';

/** One source object as ListObjectsV2 reports it. */
export interface SourceEntry {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
}

/** One destination object as the GCS list reports it. */
export interface DestinationEntry {
  name: string;
  size: number;
  generation: string;
  metageneration: string;
  crc32c?: string;
  md5Hash?: string;
  metadata?: Record<string, unknown>;
}

export type DifferenceKind = 'missing' | 'stale' | 'no-provenance' | 'wrong-source' | 'size-mismatch' | 'content-mismatch' | 'unverified' | 'invalid-name';

export interface Difference {
  /** The source key the difference is about (for a wrong-source object with no source: the key its name maps to). */
  key: string;
  kind: DifferenceKind;
  detail: string;
  /** Absent when the source holds no such key. */
  sourceSize?: number;
  sourceEtag?: string;
  /** The destination object's name (absent for invalid-name). */
  destinationName?: string;
  destinationGeneration?: string;
  destinationMetageneration?: string;
  /**
   * A replay can fix it (not so for names GCS cannot hold). The engine calls a destination already-current only when
   * it carries a verified mark that still matches its bytes, so a replay re-checks or replaces every other kind.
   */
  repairable: boolean;
}

/** A source key's destination name, or why it has none (destinationObjectName's refusal). */
export type Naming = { name: string } | { invalid: string };

export function namingOf(target: CopyTarget, sourceBucket: string, key: string): Naming {
  try {
    return { name: destinationObjectName(target, sourceBucket, key) };
  } catch (err) {
    if (err instanceof InvalidDestinationName) return { invalid: err.message };
    throw err;
  }
}

/**
 * Policy: does the destination hold a faithful backup of this source object? Checks, in order: presence; the provenance
 * the engine writes (s3-bucket/s3-key name this source, s3-etag is the source's current ETag); the size; the CRC32C
 * recorded at copy time (s3-crc32c) and the verified mark against the CRC32C GCS reports for the bytes it holds now;
 * and the verified mark itself — a copy without it was never checked (its copier died, or its check failed and the
 * cleanup did not land), so it is `unverified` whatever its provenance says.
 */
export function compareObject(sourceBucket: string, source: SourceEntry, naming: Naming, dest: DestinationEntry | undefined): Difference | undefined {
  const base = { key: source.key, sourceSize: source.size, sourceEtag: source.etag };
  if ('invalid' in naming) return { ...base, kind: 'invalid-name', detail: naming.invalid, repairable: false };
  const at = { destinationName: naming.name };
  if (!dest) return { ...base, ...at, kind: 'missing', detail: 'no object in the destination', repairable: true };
  const where = { ...at, destinationGeneration: dest.generation, destinationMetageneration: dest.metageneration };
  const p = readProvenance(dest.metadata);
  if (p.bucket === undefined || p.key === undefined) {
    return { ...base, ...where, kind: 'no-provenance', detail: 'the destination object is not a backup of this key (no s3-bucket/s3-key provenance)', repairable: true };
  }
  if (p.bucket !== sourceBucket || p.key !== source.key) return { ...base, ...wrongSource(sourceBucket, source.key, dest, p) };
  if (p.etag !== source.etag) {
    return { ...base, ...where, kind: 'stale', detail: `the backup is of ETag ${p.etag ?? '(none)'}, the source now has ${source.etag}`, repairable: true };
  }
  if (dest.size !== source.size) {
    return { ...base, ...where, kind: 'size-mismatch', detail: `the destination holds ${dest.size} bytes, the source has ${source.size}`, repairable: true };
  }
  const recordedCrc = p.verified ?? p.crc32c;
  if (recordedCrc !== undefined && dest.crc32c !== undefined && recordedCrc !== dest.crc32c) {
    return {
      ...base,
      ...where,
      kind: 'content-mismatch',
      detail: `the destination's CRC32C is ${dest.crc32c}, the copy recorded ${recordedCrc}: its bytes changed after the backup`,
      repairable: true,
    };
  }
  const unverified = unverifiedReason(dest);
  if (unverified) return { ...base, ...where, kind: 'unverified', detail: `the backup names the current version but ${unverified}`, repairable: true };
  return undefined;
}

/**
 * An object under a source bucket's destination prefix that has no source object: deleted at the source and retained
 * (its provenance names the key its name maps to) or foreign without provenance (undefined: an "extra", not a
 * difference) — or a backup of ANOTHER source object, which this name can never hold under the layout: wrong-source.
 */
export function misplacedBackup(target: CopyTarget, sourceBucket: string, dest: DestinationEntry): Difference | undefined {
  const key = sourceKeyOf(target, sourceBucket, dest.name);
  const p = readProvenance(dest.metadata);
  if (key === undefined || p.bucket === undefined || p.key === undefined || (p.bucket === sourceBucket && p.key === key)) return undefined;
  return { key, ...wrongSource(sourceBucket, key, dest, p) };
}

/**
 * The object's provenance names another source than the one its name belongs to: two sources met on one name (the
 * legacy layout with several buckets, or a copy made by hand). Not repaired by a replay, which would overwrite the
 * only backup of the other source: move that backup to its own name first (docs/operations.md, "Destination names").
 */
function wrongSource(sourceBucket: string, key: string, dest: DestinationEntry, p: { bucket?: string; key?: string }): Omit<Difference, 'key'> {
  return {
    kind: 'wrong-source',
    detail:
      `the destination object is a backup of s3://${p.bucket}/${p.key}, but its name belongs to s3://${sourceBucket}/${key}; ` +
      'move it to its own name (docs/operations.md, "Destination names"), then repair',
    destinationName: dest.name,
    destinationGeneration: dest.generation,
    destinationMetageneration: dest.metageneration,
    repairable: false,
  };
}

/** GCS list entries carry sizes and generations as strings. */
export function destinationEntry(meta: Record<string, unknown>): DestinationEntry {
  const str = (k: string): string | undefined => (typeof meta[k] === 'string' ? (meta[k] as string) : undefined);
  return {
    name: str('name') ?? '',
    size: Number(meta['size'] ?? 0),
    generation: String(meta['generation'] ?? ''),
    metageneration: String(meta['metageneration'] ?? ''),
    ...(str('crc32c') ? { crc32c: str('crc32c')! } : {}),
    ...(str('md5Hash') ? { md5Hash: str('md5Hash')! } : {}),
    ...(typeof meta['metadata'] === 'object' && meta['metadata'] !== null ? { metadata: meta['metadata'] as Record<string, unknown> } : {}),
  };
}
