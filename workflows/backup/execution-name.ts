import { createHash, randomBytes } from 'node:crypto';
import type { BackupEvent } from './normalize';
import { sourceVersionId } from './version-id';

/**
 * Step Functions execution names: 1–80 characters, no whitespace, no `"#%\^|~`$&,;:/<>{}[]?*`, no control characters,
 * and — for CloudWatch Logs and X-Ray to accept them — only 0-9, A-Z, a-z, '-' and '_'. We emit only that last set.
 * A name is unique per state machine for 90 days, so a deterministic name dedupes duplicate deliveries of one event.
 */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/** 26 base32 characters = 130 bits of SHA-256: collisions are negligible even over billions of events. */
const HASH_LENGTH = 26;
const REPLAY_RANDOM_LENGTH = 8;

/**
 * Deterministic name for one object event: `<copy|delete>-<readable tail of the key>-<hash>`.
 * The hash covers bucket, key, action and the event's identity (versionId when the bucket is versioned, else the
 * sequencer), so the same version/event always gets the same name — whichever intake path delivered it — and
 * distinct versions/events get distinct names. Console users find an object's executions by searching for a
 * fragment of its file name, e.g. `report-Q3-pdf`.
 *
 * An event with neither versionId nor sequencer (a manual input) gets a name fixed by bucket/key alone; replays
 * must use replayExecutionName so they are not mistaken for duplicates.
 */
export function executionName(ev: BackupEvent): string {
  // "null" names no write (every overwrite in a suspended bucket has it): the sequencer must tell them apart.
  const versionId = sourceVersionId(ev.versionId);
  const identity = versionId !== undefined ? `v:${versionId}` : ev.sequencer !== undefined ? `s:${ev.sequencer}` : '';
  const hash = base32(sha256(JSON.stringify(['s3-gcs-backup/execution/v1', ev.bucket, ev.key, ev.action, identity])));
  return withFragment(ev.action, ev.key, hash.slice(0, HASH_LENGTH));
}

/**
 * What every event execution name of an object starts with (executionName without its hash), e.g. `copy-hello-txt-`:
 * how the CLI finds an object's Express executions in the fast path's log, which has no other index.
 */
export function eventExecutionNamePrefix(action: BackupEvent['action'], key: string): string {
  return withFragment(action, key, '#'.repeat(HASH_LENGTH)).slice(0, -HASH_LENGTH);
}

/**
 * A fresh, valid name for a manual replay: `replay-<readable tail of the key>-<UTC timestamp>-<random>`.
 * Never collides with an event's deterministic name (those start with copy-/delete-) nor with another replay.
 */
export function replayExecutionName(ev: Pick<BackupEvent, 'bucket' | 'key' | 'versionId'>, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[^0-9TZ]/g, ''); // 20261120T101530Z
  const random = base32(randomBytes(5)).slice(0, REPLAY_RANDOM_LENGTH);
  return withFragment('replay', ev.key, `${stamp}-${random}`);
}

/**
 * Deterministic name for backing up one listed object version in a backfill: `backfill-<readable tail>-<hash>`, the
 * hash covering bucket, key, versionId (when known) and the listed ETag. Running a backfill again therefore dedupes
 * (ExecutionAlreadyExists) for every object that has not changed since, and starts a fresh execution for one that has.
 */
export function backfillExecutionName(object: { bucket: string; key: string; etag: string; versionId?: string }): string {
  const hash = base32(sha256(JSON.stringify(['s3-gcs-backup/backfill/v1', object.bucket, object.key, sourceVersionId(object.versionId) ?? '', object.etag])));
  return withFragment('backfill', object.key, hash.slice(0, HASH_LENGTH));
}

/**
 * Deterministic name for a reconciliation's repair of one object: `reconcile-<readable tail>-<hash>`, the hash covering
 * the source object (bucket, key, ETag) and the destination state it found (generation and metageneration, or none).
 * A later run that finds the same state again (the repair still running, or failed and alerted) gets
 * ExecutionAlreadyExists instead of a second copy; once the destination changes, the name changes with it.
 */
export function reconcileExecutionName(object: { bucket: string; key: string; etag: string; destinationGeneration?: string; destinationMetageneration?: string }): string {
  const state = [object.destinationGeneration ?? '', object.destinationMetageneration ?? ''];
  const hash = base32(sha256(JSON.stringify(['s3-gcs-backup/reconcile/v1', object.bucket, object.key, object.etag, ...state])));
  return withFragment('reconcile', object.key, hash.slice(0, HASH_LENGTH));
}

/** `<verb>-<fragment>-<suffix>`, the fragment being as much of the key's tail as fits in 80 characters. */
function withFragment(verb: string, key: string, suffix: string): string {
  const budget = MAX_EXECUTION_NAME_LENGTH - verb.length - suffix.length - 2;
  const fragment = readableTail(key, budget);
  return fragment ? `${verb}-${fragment}-${suffix}` : `${verb}-${suffix}`;
}

/**
 * ASCII-safe transliteration of the end of the key (file names are what people search for): accents are dropped
 * (é → e, compatibility forms folded: ｆｕｌｌ → full), every other run of characters outside [A-Za-z0-9_] becomes one '-'.
 */
function readableTail(key: string, maxLength: number): string {
  if (maxLength <= 0) return '';
  const ascii = key
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return ascii.slice(-maxLength).replace(/^-+/, '');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, no padding: short, case-insensitive-safe, valid in names. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
