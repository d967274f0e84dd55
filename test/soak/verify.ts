import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CRC32C, type Storage } from '@google-cloud/storage';
import { PROVENANCE_KEYS } from '../../workflows/copy/metadata';
import { expectedDestinationName, sourceId } from './naming';

/**
 * Verification that trusts none of the workflow's bookkeeping (outcomes, GCS-reported hashes): it lists the sources
 * itself, reads every object's bytes from S3 and from GCS, compares SHA-256s it computes, and checks the provenance
 * every current backup carries against what the harness wrote and what the S3 server's events said.
 */

/** Issue 10 item 1's mark: written only after the engine verified the stored bytes, holding the CRC32C it verified. */
export const VERIFIED_MARK = PROVENANCE_KEYS.verified;
/** Provenance keys as stored (workflows/copy/metadata.ts PROVENANCE_KEYS; a stored format, so fixed). */
const P = { bucket: 's3-bucket', key: 's3-key', versionId: 's3-version-id', etag: 's3-etag', sequencer: 's3-sequencer', size: 's3-size' } as const;

export interface WrittenVersion {
  sha: string;
  size: number;
  /** Without quotes. */
  etag: string;
  versionId?: string;
  /** Base64 CRC32C of the bytes, as GCS and the verified mark write it. */
  crc32c: string;
}

/** What the harness wrote for one source object, every version in order. */
export interface WrittenKey {
  bucket: string;
  key: string;
  versions: WrittenVersion[];
  /** 'early': while its copy likely ran (a backup may or may not stay); 'late': after its backup finished (it must stay). */
  deleted: 'no' | 'early' | 'late';
}

export type Verdict = 'ok' | 'alerted' | 'lost' | 'corrupt' | 'unverified' | 'wrong-bucket' | 'stale' | 'bad-provenance';
/** The verdicts that fail the soak (alerted fails it only when the replay does not fix the key). */
export const FAILING_VERDICTS = ['lost', 'corrupt', 'unverified', 'wrong-bucket', 'stale', 'bad-provenance'] as const;

export interface KeyCheck {
  /** sourceId (bucket/key), or for a stray backup its GCS name. */
  id: string;
  verdict: Verdict;
  detail: string;
}

export interface VerifyTarget {
  s3: S3Client;
  storage: Storage;
  destinationBucket: string;
  destinationPrefix: string;
}

export interface Verification {
  /** One per source object that must have a backup: present in its source, or deleted after its backup finished. */
  checks: KeyCheck[];
  /** Backups under the prefix that no checked object owns: another bucket's/key's provenance, or bytes never written. */
  strays: KeyCheck[];
  /** Differences between what the harness wrote and what the sources hold (a harness or S3 server problem). */
  sourceProblems: string[];
}

/** Per source id, per ETag: the sequencers the S3 server's events gave that version. */
export type SequencersSeen = Map<string, Map<string, Set<string>>>;

export function crc32cOf(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

/**
 * `alerted`: source ids named by an alert of a FAILED execution; a key whose latest content is not in GCS is `alerted`
 * if among them, else lost (no backup) or stale (an older version's). `onlyIds` re-checks just those (after replay).
 */
export async function verifyBackups(
  target: VerifyTarget,
  written: Map<string, WrittenKey>,
  sequencers: SequencersSeen,
  alerted: Set<string>,
  onlyIds?: Set<string>,
  concurrency = 4,
): Promise<Verification> {
  const buckets = [...new Set([...written.values()].map((w) => w.bucket))];
  const present = new Set<string>();
  for (const bucket of buckets) for (const key of await listSourceKeys(target.s3, bucket)) present.add(sourceId(bucket, key));
  const sourceProblems: string[] = [];
  if (!onlyIds) {
    for (const [id, w] of written) {
      if (w.deleted === 'no' && !present.has(id)) sourceProblems.push(`${id}: written, never deleted, but absent from the source`);
      if (w.deleted !== 'no' && present.has(id)) sourceProblems.push(`${id}: deleted, but still in the source`);
    }
    for (const id of present) if (!written.has(id)) sourceProblems.push(`${id}: in the source, but never written by the soak`);
  }
  const owned = [...written.values()].filter((w) => w.deleted !== 'early' && (!onlyIds || onlyIds.has(sourceId(w.bucket, w.key))));
  const checks = await mapLimit(owned, concurrency, async (w): Promise<KeyCheck> => {
    const id = sourceId(w.bucket, w.key);
    const latest = w.versions.at(-1)!;
    if (w.deleted === 'no' && present.has(id)) {
      const sourceSha = await sha256Of(await s3Body(target.s3, w.bucket, w.key));
      if (sourceSha !== latest.sha) sourceProblems.push(`${id}: the source holds bytes the soak did not write last`);
    }
    const backup = await readBackup(target, expectedDestinationName(target.destinationPrefix, w.bucket, w.key));
    return { id, ...judge(w, backup, sequencers.get(id), alerted.has(id)) };
  });
  const strays = onlyIds ? [] : await checkStrays(target, written, new Set(owned.map((w) => expectedDestinationName(target.destinationPrefix, w.bucket, w.key))));
  return { checks, strays, sourceProblems };
}

interface Backup {
  metadata: Record<string, string>;
  crc32c?: string;
  sha: string;
}

/** A current backup of `w` must be its latest version, name it, carry its provenance and the verified mark. */
export function judge(w: WrittenKey, backup: Backup | undefined, seen: Map<string, Set<string>> | undefined, alerted: boolean): Omit<KeyCheck, 'id'> {
  const missing = (what: string): Omit<KeyCheck, 'id'> =>
    alerted ? { verdict: 'alerted', detail: `${what}; a FAILED execution alerted` } : { verdict: what.startsWith('no backup') ? 'lost' : 'stale', detail: `${what}; no alert names the key` };
  if (!backup) return missing(w.deleted === 'late' ? 'no backup (deleted after its backup finished: the retain policy must keep it)' : 'no backup');
  const m = backup.metadata;
  // Bytes nobody vouches for (no verified mark) under a FAILED, alerting execution: the workflow claimed nothing; the
  // replay must fix them. Marked bytes that are wrong, or wrong bytes no alert names, are never excused.
  const vouched = m[VERIFIED_MARK] !== undefined;
  const excuse = (verdict: Omit<KeyCheck, 'id'>): Omit<KeyCheck, 'id'> =>
    alerted && !vouched && verdict.verdict !== 'wrong-bucket' ? { verdict: 'alerted', detail: `${verdict.detail}, unmarked; a FAILED execution alerted` } : verdict;
  return excuse(judgeBackup(w, backup, seen, missing));
}

function judgeBackup(
  w: WrittenKey,
  backup: Backup,
  seen: Map<string, Set<string>> | undefined,
  missing: (what: string) => Omit<KeyCheck, 'id'>,
): Omit<KeyCheck, 'id'> {
  const m = backup.metadata;
  if (m[P.bucket] !== w.bucket || m[P.key] !== w.key) {
    return { verdict: 'wrong-bucket', detail: `the backup's provenance names s3://${m[P.bucket] ?? '?'}/${m[P.key] ?? '?'}` };
  }
  const index = w.versions.map((v) => v.sha).lastIndexOf(backup.sha);
  if (index < 0) return { verdict: 'corrupt', detail: 'the backup holds bytes that no version of the key ever had' };
  if (index !== w.versions.length - 1) return missing(`the backup holds version ${index + 1} of ${w.versions.length}`);
  const v = w.versions[index]!;
  if (m[VERIFIED_MARK] !== v.crc32c || backup.crc32c !== v.crc32c) {
    return { verdict: 'unverified', detail: `current without the verified mark (${VERIFIED_MARK}=${m[VERIFIED_MARK] ?? 'absent'}, bytes ${v.crc32c})` };
  }
  const wrong: string[] = [];
  if (m[P.etag] !== v.etag) wrong.push(`etag ${m[P.etag] ?? 'absent'} ≠ ${v.etag}`);
  if (m[P.size] !== String(v.size)) wrong.push(`size ${m[P.size] ?? 'absent'} ≠ ${v.size}`);
  if (m[P.versionId] !== v.versionId) wrong.push(`version ${m[P.versionId] ?? 'absent'} ≠ ${v.versionId ?? 'none'}`);
  // A copy started without an event (replay, backfill) may carry no sequencer; one it carries must be this version's.
  const sequencer = m[P.sequencer];
  if (sequencer !== undefined && !seen?.get(v.etag)?.has(sequencer)) wrong.push(`sequencer ${sequencer} is not this version's event's`);
  if (wrong.length > 0) return { verdict: 'bad-provenance', detail: wrong.join('; ') };
  return { verdict: 'ok', detail: 'latest content backed up, verified, provenance right' };
}

/** Every other backup under the prefix must sit at the name its provenance maps to and hold bytes its key had. */
async function checkStrays(target: VerifyTarget, written: Map<string, WrittenKey>, checked: Set<string>): Promise<KeyCheck[]> {
  const [files] = await target.storage.bucket(target.destinationBucket).getFiles({ prefix: target.destinationPrefix });
  const out: KeyCheck[] = [];
  await mapLimit(
    files.filter((f) => !checked.has(f.name)),
    4,
    async (file) => {
      const m = (file.metadata.metadata ?? {}) as Record<string, string>;
      const owner = m[P.bucket] !== undefined && m[P.key] !== undefined ? sourceId(m[P.bucket], m[P.key]) : undefined;
      const w = owner !== undefined ? written.get(owner) : undefined;
      if (!w || expectedDestinationName(target.destinationPrefix, w.bucket, w.key) !== file.name) {
        out.push({ id: file.name, verdict: 'wrong-bucket', detail: `its provenance names ${owner ? `s3://${owner}` : 'no source object'}, which maps to another name` });
        return;
      }
      const sha = await sha256Of(file.createReadStream({ validation: false }));
      if (!w.versions.some((v) => v.sha === sha)) out.push({ id: file.name, verdict: 'corrupt', detail: 'holds bytes that no version of its key ever had' });
    },
  );
  return out;
}

async function readBackup(target: VerifyTarget, name: string): Promise<Backup | undefined> {
  const file = target.storage.bucket(target.destinationBucket).file(name);
  let meta;
  try {
    [meta] = await file.getMetadata();
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
  // The client's own hash check is off: the comparison is ours. Pinned to the generation whose metadata we read.
  const pinned = meta.generation !== undefined ? target.storage.bucket(target.destinationBucket).file(name, { generation: meta.generation }) : file;
  const sha = await sha256Of(pinned.createReadStream({ validation: false }));
  return { metadata: (meta.metadata ?? {}) as Record<string, string>, ...(meta.crc32c ? { crc32c: meta.crc32c } : {}), sha };
}

async function listSourceKeys(s3: S3Client, bucket: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.add(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function s3Body(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return res.Body as Readable;
}

async function sha256Of(stream: AsyncIterable<Buffer> | Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
