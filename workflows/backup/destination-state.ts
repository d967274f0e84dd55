import { readProvenance } from '../copy/metadata';

/**
 * Order-safety and idempotency: given what the destination holds, decide whether a source version still
 * needs copying (or deleting). Pure policy; the engine reads the destination and acts on the answer.
 */

/** The source version an event or a HeadObject describes; fields may be unknown before HeadObject. */
export interface SourceVersion {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
  size?: number;
  sequencer?: string;
}

/** What the destination object currently is (undefined when absent). */
export interface DestinationState {
  generation: string;
  /** GCS custom metadata of the object. */
  metadata?: Record<string, unknown>;
  /** Bytes GCS holds now. */
  size?: number;
  /** Base64 CRC32C GCS reports for the bytes it holds now. */
  crc32c?: string;
}

export type CopyDecision =
  | { action: 'copy'; ifGenerationMatch: string; reason: string }
  | { action: 'already-current'; generation: string; reason: string }
  /** The destination claims this source version but carries no valid verified mark: check it against the source. */
  | { action: 'reverify'; generation: string; reason: string }
  | { action: 'stale-event'; generation: string; reason: string };

export type DeleteDecision =
  | { action: 'delete'; ifGenerationMatch: string; reason: string }
  | { action: 'absent'; reason: string }
  | { action: 'stale-event'; generation: string; reason: string };

/**
 * Compare two S3 sequencers of the SAME key. They are hex strings of varying length; AWS says to compare
 * them as strings after left-padding the shorter with zeros. Returns <0, 0 or >0.
 */
export function compareSequencers(a: string, b: string): number {
  if (!/^[0-9a-f]+$/i.test(a) || !/^[0-9a-f]+$/i.test(b)) {
    throw new RangeError(`sequencers must be hex strings, got ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  }
  const width = Math.max(a.length, b.length);
  const pa = a.toUpperCase().padStart(width, '0');
  const pb = b.toUpperCase().padStart(width, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

export function decideCopy(source: SourceVersion, dest: DestinationState | undefined): CopyDecision {
  if (!dest) return { action: 'copy', ifGenerationMatch: '0', reason: 'destination absent' };
  const recorded = readProvenance(dest.metadata);
  const sameKey = recorded.bucket === source.bucket && recorded.key === source.key;
  if (!sameKey) {
    return { action: 'copy', ifGenerationMatch: dest.generation, reason: 'destination holds no copy of this source key' };
  }
  if (isSameVersion(source, recorded)) {
    const unverified = unverifiedReason(dest);
    if (unverified) return { action: 'reverify', generation: dest.generation, reason: `destination claims this source version but ${unverified}` };
    return { action: 'already-current', generation: dest.generation, reason: 'destination already holds this source version, verified' };
  }
  if (isNewerAtDestination(source.sequencer, recorded.sequencer)) {
    return { action: 'stale-event', generation: dest.generation, reason: 'destination holds a newer sequencer' };
  }
  return { action: 'copy', ifGenerationMatch: dest.generation, reason: 'destination holds an older or other version' };
}

/**
 * Why a destination object is not a verified copy of the version its provenance names, or undefined when it is.
 * Verified = it carries the verified mark (written only once the engine knew GCS held exactly the bytes it read), the
 * mark equals the CRC32C GCS reports for the bytes it holds NOW, and the size is the recorded source size. Provenance
 * alone proves nothing: a resumable upload's metadata is fixed before its first byte, so a corrupt generation, or one
 * whose copier died before checking it, carries the same provenance as a good one.
 */
export function unverifiedReason(dest: DestinationState): string | undefined {
  const recorded = readProvenance(dest.metadata);
  if (recorded.verified === undefined) return 'carries no verified mark (its copy was never checked)';
  if (dest.crc32c !== undefined && dest.crc32c !== recorded.verified) {
    return `its bytes have CRC32C ${dest.crc32c}, not the verified ${recorded.verified}`;
  }
  if (dest.crc32c === undefined) return 'GCS reports no CRC32C for it';
  if (recorded.size !== undefined && dest.size !== undefined && dest.size !== recorded.size) {
    return `it holds ${dest.size} bytes, the source version has ${recorded.size}`;
  }
  return undefined;
}

/**
 * Mirror deletes: never delete a backup that a later write (newer sequencer) produced, nor one holding a
 * different version than the one deleted (deleting an old version of a versioned bucket leaves the current one).
 */
export function decideDelete(source: SourceVersion, dest: DestinationState | undefined): DeleteDecision {
  if (!dest) return { action: 'absent', reason: 'destination absent' };
  const recorded = readProvenance(dest.metadata);
  const sameKey = recorded.bucket === source.bucket && recorded.key === source.key;
  if (sameKey && isNewerAtDestination(source.sequencer, recorded.sequencer)) {
    return { action: 'stale-event', generation: dest.generation, reason: 'destination holds a newer sequencer' };
  }
  if (sameKey && source.versionId && recorded.versionId && source.versionId !== recorded.versionId) {
    return { action: 'stale-event', generation: dest.generation, reason: 'destination holds another version than the one deleted' };
  }
  return { action: 'delete', ifGenerationMatch: dest.generation, reason: 'destination holds this key' };
}

function isSameVersion(source: SourceVersion, recorded: ReturnType<typeof readProvenance>): boolean {
  if (source.versionId && recorded.versionId) return source.versionId === recorded.versionId;
  // Unversioned (or version unknown on one side): the same ETag and size name the same content.
  return (
    source.etag !== undefined &&
    source.size !== undefined &&
    recorded.etag !== undefined &&
    recorded.size !== undefined &&
    stripQuotes(source.etag) === stripQuotes(recorded.etag) &&
    source.size === recorded.size
  );
}

function isNewerAtDestination(eventSequencer: string | undefined, recordedSequencer: string | undefined): boolean {
  if (!eventSequencer || !recordedSequencer) return false;
  if (!isHex(eventSequencer) || !isHex(recordedSequencer)) return false;
  return compareSequencers(recordedSequencer, eventSequencer) > 0;
}

function isHex(s: string): boolean {
  return /^[0-9a-f]+$/i.test(s);
}

function stripQuotes(etag: string): string {
  return etag.replace(/"/g, '');
}
