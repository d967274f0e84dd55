import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { destinationObjectName, destinationPrefixOf, sourceKeyOf } from '../../workflows/backup/keys';
import type { CopyTarget } from '../../workflows/copy/types';

/**
 * Verification that trusts none of the workflow's bookkeeping (outcomes, provenance metadata, GCS-reported hashes):
 * it lists the source itself, reads every object's bytes from S3 and from GCS and compares SHA-256s it computes.
 */

/** What the harness wrote for one key: the SHA-256 of every version, in order. */
export interface WrittenKey {
  key: string;
  versions: string[];
  deleted: boolean;
}

export type Verdict = 'ok' | 'alerted' | 'lost' | 'corrupt';

export interface KeyCheck {
  key: string;
  verdict: Verdict;
  sourceSha: string;
  /** undefined: no object in GCS. */
  backupSha?: string;
  detail: string;
}

export interface VerifyTarget {
  s3: S3Client;
  sourceBucket: string;
  storage: Storage;
  /** Where the backups are, and how they are named. */
  destination: CopyTarget;
}

export interface Verification {
  checks: KeyCheck[];
  /** Backups (also of deleted keys) whose bytes are no version the harness ever wrote. */
  corruptBackups: string[];
  /** Differences between what the harness wrote and what the source holds (a harness or S3 server problem). */
  sourceProblems: string[];
}

/**
 * `alertedKeys`: keys named by an alert of a FAILED execution. A key whose latest content is not in GCS is `alerted`
 * if it is among them, else `lost`; a backup holding bytes never written is `corrupt`.
 */
export async function verifyBackups(
  target: VerifyTarget,
  written: Map<string, WrittenKey>,
  alertedKeys: Set<string>,
  onlyKeys?: Set<string>,
  concurrency = 4,
): Promise<Verification> {
  const present = await listSourceKeys(target.s3, target.sourceBucket);
  const sourceProblems: string[] = [];
  if (!onlyKeys) {
    for (const w of written.values()) {
      if (!w.deleted && !present.has(w.key)) sourceProblems.push(`${w.key}: written, never deleted, but absent from the source`);
      if (w.deleted && present.has(w.key)) sourceProblems.push(`${w.key}: deleted, but still in the source`);
    }
    for (const key of present) if (!written.has(key)) sourceProblems.push(`${key}: in the source, but never written by the soak`);
  }
  const keys = [...present].filter((k) => !onlyKeys || onlyKeys.has(k));
  const checks = await mapLimit(keys, concurrency, async (key): Promise<KeyCheck> => {
    const sourceSha = await sha256Of(await s3Body(target.s3, target.sourceBucket, key));
    const latest = written.get(key)?.versions.at(-1);
    if (latest !== undefined && latest !== sourceSha) sourceProblems.push(`${key}: the source holds bytes the soak did not write last`);
    const backupSha = await gcsSha(target, key);
    const versions = written.get(key)?.versions ?? [];
    if (backupSha === sourceSha) return { key, verdict: 'ok', sourceSha, backupSha, detail: 'latest content backed up' };
    if (backupSha !== undefined && !versions.includes(backupSha)) {
      return { key, verdict: 'corrupt', sourceSha, backupSha, detail: 'the backup holds bytes that no version of the key ever had' };
    }
    const what = backupSha === undefined ? 'no backup' : `the backup holds version ${versions.indexOf(backupSha) + 1} of ${versions.length}`;
    if (alertedKeys.has(key)) return { key, verdict: 'alerted', sourceSha, ...(backupSha ? { backupSha } : {}), detail: `${what}; a FAILED execution alerted` };
    return { key, verdict: 'lost', sourceSha, ...(backupSha ? { backupSha } : {}), detail: `${what}; no alert names the key` };
  });
  const corruptBackups = onlyKeys ? [] : await corruptAmongAll(target, written);
  return { checks, corruptBackups, sourceProblems };
}

/** Every object under the prefix must hold one of the versions written for its key (deleted keys included). */
async function corruptAmongAll(target: VerifyTarget, written: Map<string, WrittenKey>): Promise<string[]> {
  const [files] = await target.storage.bucket(target.destination.bucket).getFiles({ prefix: destinationPrefixOf(target.destination, target.sourceBucket) });
  const corrupt: string[] = [];
  await mapLimit(files, 4, async (file) => {
    const key = sourceKeyOf(target.destination, target.sourceBucket, file.name)!;
    const sha = await sha256Of(file.createReadStream({ validation: false }));
    if (!(written.get(key)?.versions ?? []).includes(sha)) corrupt.push(file.name);
  });
  return corrupt;
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

async function gcsSha(target: VerifyTarget, key: string): Promise<string | undefined> {
  const file = target.storage.bucket(target.destination.bucket).file(destinationObjectName(target.destination, target.sourceBucket, key));
  const [exists] = await file.exists();
  if (!exists) return undefined;
  // The client's own hash check is off: the comparison is ours.
  return sha256Of(file.createReadStream({ validation: false }));
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
