import { readProvenance, type RecordedProvenance } from '../copy/metadata';
import { ConfigurationError } from './errors';

/**
 * Order-safety and idempotency: given what the destination holds, decide whether a source version still
 * needs copying (or deleting). Pure policy; the engine reads the destination and S3 and acts on the answer.
 *
 * Which of two versions of one key is newer, in this order of evidence:
 * 1. both carry an S3 sequencer (an event copied the backup, an event asks): the sequencers decide;
 * 2. otherwise (a replay, backfill or `verify --repair` copied the backup, or one asks) both LastModified
 *    (HeadObject's, recorded as `s3-last-modified`) decide;
 * 3. otherwise — equal LastModified (HTTP dates have one-second resolution, so two overwrites in one second tie), or
 *    one side without it — the order is unknown: version ids are opaque and ETags are content hashes, neither orders
 *    anything. The decision is then `ask-current`: the engine asks S3 which version of the key is current NOW and
 *    decides again with the answer (`current`). Copy only S3's current version; anything else is `stale-event`,
 *    because the current version's own event (or the backup already holding it) keeps the backup newest. Guessing
 *    either way could leave an older version current in GCS with no alert; the answer costs one HeadObject, and only
 *    in this rare case. The answer is fresh at each decision: after a lost race (412) the engine asks again.
 */

/** Where the version in question stands in S3 right now (HeadObject of the key without a version). */
export type CurrentVersion = 'this' | 'other' | 'none';

/** The source version an event or a HeadObject describes; fields may be unknown before HeadObject. */
export interface SourceVersion {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
  size?: number;
  sequencer?: string;
  /** HeadObject's LastModified of this version (unknown before HeadObject, and for deletes). */
  lastModified?: Date;
  /** Asked only after an `ask-current` decision. */
  current?: CurrentVersion;
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

/** Neither sequencers nor LastModified order the two versions: ask S3 which one is current, then decide again. */
export interface AskCurrent {
  action: 'ask-current';
  reason: string;
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

export function decideCopy(source: SourceVersion & { current: CurrentVersion }, dest: DestinationState | undefined): CopyDecision;
export function decideCopy(source: SourceVersion, dest: DestinationState | undefined): CopyDecision | AskCurrent;
export function decideCopy(source: SourceVersion, dest: DestinationState | undefined): CopyDecision | AskCurrent {
  if (!dest) return { action: 'copy', ifGenerationMatch: '0', reason: 'destination absent' };
  const recorded = readProvenance(dest.metadata);
  const sameKey = recorded.bucket === source.bucket && recorded.key === source.key;
  if (!sameKey) {
    refuseForeignBackup(source, recorded);
    return { action: 'copy', ifGenerationMatch: dest.generation, reason: 'destination holds no copy of this source key' };
  }
  if (isSameVersion(source, recorded)) {
    const unverified = unverifiedReason(dest);
    if (unverified) return { action: 'reverify', generation: dest.generation, reason: `destination claims this source version but ${unverified}` };
    return { action: 'already-current', generation: dest.generation, reason: 'destination already holds this source version, verified' };
  }
  const order = orderOf(source, recorded);
  if (order === 'destination-newer' || (order === 'unknown' && source.current !== undefined && source.current !== 'this')) {
    return { action: 'stale-event', generation: dest.generation, reason: `destination holds a newer version (${orderReason(source, recorded)})` };
  }
  if (order === 'unknown' && source.current === undefined) return { action: 'ask-current', reason: orderReason(source, recorded) };
  return { action: 'copy', ifGenerationMatch: dest.generation, reason: `destination holds an older version (${orderReason(source, recorded)})` };
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
 * Mirror deletes, by the same evidence as copies: never delete a backup that a later write produced, nor one holding a
 * different version than the one deleted (deleting an old version of a versioned bucket leaves the current one).
 * A delete has no LastModified, so when the sequencers cannot order it (the backup came from a replay or backfill)
 * S3 answers instead: delete only when the key has no current version now; if it has one, the delete is older than
 * what S3 holds, and that version's event (or the backup) keeps the backup right.
 */
export function decideDelete(source: SourceVersion & { current: CurrentVersion }, dest: DestinationState | undefined): DeleteDecision;
export function decideDelete(source: SourceVersion, dest: DestinationState | undefined): DeleteDecision | AskCurrent;
export function decideDelete(source: SourceVersion, dest: DestinationState | undefined): DeleteDecision | AskCurrent {
  if (!dest) return { action: 'absent', reason: 'destination absent' };
  const recorded = readProvenance(dest.metadata);
  const sameKey = recorded.bucket === source.bucket && recorded.key === source.key;
  if (!sameKey) {
    refuseForeignBackup(source, recorded);
    return { action: 'delete', ifGenerationMatch: dest.generation, reason: 'destination holds this key' };
  }
  const bySequencer = sequencerOrder(source.sequencer, recorded.sequencer);
  if (bySequencer === 'destination-newer') {
    return { action: 'stale-event', generation: dest.generation, reason: 'destination holds a newer sequencer' };
  }
  if (source.versionId && recorded.versionId) {
    if (source.versionId !== recorded.versionId) {
      return { action: 'stale-event', generation: dest.generation, reason: 'destination holds another version than the one deleted' };
    }
    return { action: 'delete', ifGenerationMatch: dest.generation, reason: 'the version deleted is the one backed up' };
  }
  if (bySequencer === 'source-newer') return { action: 'delete', ifGenerationMatch: dest.generation, reason: 'the delete has a newer sequencer' };
  if (source.current === undefined) return { action: 'ask-current', reason: 'no sequencer orders the delete against the backup' };
  if (source.current !== 'none') {
    return { action: 'stale-event', generation: dest.generation, reason: 'S3 holds a current version of the key: the delete is older than it' };
  }
  return { action: 'delete', ifGenerationMatch: dest.generation, reason: 'S3 holds no current version of the key' };
}

/**
 * The destination name of this source key holds another source's backup (its provenance names another bucket or key):
 * two sources map to one name — a legacy layout, a migration leftover, a hand-made copy. Overwriting or deleting it
 * could destroy that source's only backup, so refuse with a named error (an alert) and let a person decide. An object
 * with no provenance at all is nobody's backup and may be replaced.
 */
function refuseForeignBackup(source: SourceVersion, recorded: RecordedProvenance): void {
  if (recorded.bucket === undefined && recorded.key === undefined) return;
  throw new ConfigurationError(
    `The destination name for s3://${source.bucket}/${source.key} already holds the backup of ` +
      `s3://${recorded.bucket ?? '?'}/${recorded.key ?? '?'} (its s3-bucket/s3-key provenance); replacing it could destroy ` +
      "that source's only backup. Two sources map to one name: fix the stage's destination layout (docs/operations.md, " +
      '"Destination names") or move that object, then replay.',
  );
}

type Order = 'source-newer' | 'destination-newer' | 'unknown';

function orderOf(source: SourceVersion, recorded: RecordedProvenance): Order {
  const bySequencer = sequencerOrder(source.sequencer, recorded.sequencer);
  if (bySequencer !== 'unknown') return bySequencer;
  if (!source.lastModified || !recorded.lastModified) return 'unknown';
  const delta = source.lastModified.getTime() - recorded.lastModified.getTime();
  return delta > 0 ? 'source-newer' : delta < 0 ? 'destination-newer' : 'unknown';
}

function orderReason(source: SourceVersion, recorded: RecordedProvenance): string {
  if (sequencerOrder(source.sequencer, recorded.sequencer) !== 'unknown') return 'by sequencer';
  if (source.lastModified && recorded.lastModified && source.lastModified.getTime() !== recorded.lastModified.getTime()) {
    return 'by LastModified';
  }
  const why = source.lastModified && recorded.lastModified ? 'equal LastModified' : 'no sequencer or LastModified on both sides';
  return source.current === undefined ? `${why}: ask S3 which version is current` : `${why}; S3's current version is ${describeCurrent(source.current)}`;
}

function describeCurrent(current: CurrentVersion): string {
  return current === 'this' ? 'this one' : current === 'other' ? 'another one' : 'none (deleted)';
}

function sequencerOrder(source: string | undefined, recorded: string | undefined): Order {
  if (!source || !recorded || !isHex(source) || !isHex(recorded)) return 'unknown';
  const c = compareSequencers(recorded, source);
  return c > 0 ? 'destination-newer' : c < 0 ? 'source-newer' : 'unknown';
}

function isSameVersion(source: SourceVersion, recorded: RecordedProvenance): boolean {
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

function isHex(s: string): boolean {
  return /^[0-9a-f]+$/i.test(s);
}

function stripQuotes(etag: string): string {
  return etag.replace(/"/g, '');
}
