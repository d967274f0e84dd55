import type { Storage } from '@google-cloud/storage';
import { classifyError } from '../backup/classify-error';

/** Transport: the backups under a gs:// prefix, as the GCS JSON API lists them (one generation each). */

/** One backup generation: the GCS object resource fields restore needs. */
export interface Backup {
  name: string;
  generation: string;
  metageneration?: string;
  size: number;
  /** Base64 CRC32C of the bytes GCS holds now. */
  crc32c?: string;
  md5Hash?: string;
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  metadata: Record<string, unknown>;
  timeCreated?: string;
  /** Set on noncurrent generations: when they stopped being live. */
  timeDeleted?: string;
}

export function backupOf(meta: Record<string, unknown>): Backup {
  const str = (k: string): string | undefined => (typeof meta[k] === 'string' ? (meta[k] as string) : undefined);
  const b: Backup = {
    name: String(meta['name']),
    generation: String(meta['generation']),
    size: Number(meta['size'] ?? 0),
    metadata: (meta['metadata'] as Record<string, unknown> | undefined) ?? {},
  };
  for (const k of ['metageneration', 'crc32c', 'md5Hash', 'contentType', 'contentEncoding', 'contentLanguage', 'contentDisposition', 'cacheControl', 'timeCreated', 'timeDeleted'] as const) {
    const v = meta[k] === undefined ? undefined : str(k) ?? String(meta[k]);
    if (v !== undefined) b[k] = v;
  }
  return b;
}

export interface ListBackupsOptions {
  /** Every generation, noncurrent ones included (versions=true), for --as-of. */
  versions?: boolean;
  /** Start at names >= this one (inclusive, as the API's startOffset). */
  startOffset?: string;
  pageSize?: number;
}

/** Pages of backups under `prefix`, in GCS's name order (with versions: each name's generations oldest first). */
export async function* listBackups(storage: Storage, bucket: string, prefix: string, opts: ListBackupsOptions = {}): AsyncGenerator<Backup[]> {
  let pageToken: string | undefined;
  do {
    let files: { metadata: Record<string, unknown> }[];
    let next: { pageToken?: string } | null | undefined;
    try {
      [files, next] = (await storage.bucket(bucket).getFiles({
        prefix,
        autoPaginate: false,
        maxResults: opts.pageSize ?? 1000,
        ...(opts.versions ? { versions: true } : {}),
        ...(opts.startOffset ? { startOffset: opts.startOffset } : {}),
        ...(pageToken ? { pageToken } : {}),
      })) as unknown as [{ metadata: Record<string, unknown> }[], { pageToken?: string } | null];
    } catch (err) {
      throw classifyError(err, { side: 'gcs', operation: 'list backups', location: `gs://${bucket}/${prefix}` });
    }
    yield files.map((f) => backupOf(f.metadata));
    pageToken = next?.pageToken ?? undefined;
  } while (pageToken);
}

/** One generation's resource (a failed object retried from a checkpoint). */
export async function readBackup(storage: Storage, bucket: string, name: string, generation: string): Promise<Backup> {
  try {
    const [meta] = await storage.bucket(bucket).file(name, { generation: Number(generation) }).getMetadata();
    return backupOf(meta as Record<string, unknown>);
  } catch (err) {
    throw classifyError(err, { side: 'gcs', operation: 'read backup metadata', location: `gs://${bucket}/${name}#${generation}` });
  }
}

/** Whether the bucket keeps noncurrent generations (Object Versioning), which --as-of needs. */
export async function bucketKeepsVersions(storage: Storage, bucket: string): Promise<boolean> {
  try {
    const [meta] = await storage.bucket(bucket).getMetadata();
    return (meta as { versioning?: { enabled?: boolean } }).versioning?.enabled === true;
  } catch (err) {
    throw classifyError(err, { side: 'gcs', operation: 'read bucket metadata', location: `gs://${bucket}` });
  }
}

/** A name, then its generations: the one live at `at` (created by then and not yet replaced or deleted), if any. */
export function liveAt(generations: readonly Backup[], at: Date): Backup | undefined {
  const t = at.getTime();
  let chosen: Backup | undefined;
  for (const g of generations) {
    const created = Date.parse(g.timeCreated ?? '');
    const deleted = g.timeDeleted === undefined ? Infinity : Date.parse(g.timeDeleted);
    if (created <= t && t < deleted && (!chosen || BigInt(g.generation) > BigInt(chosen.generation))) chosen = g;
  }
  return chosen;
}

/**
 * A versions listing regrouped into the state at `at`: one backup per name that existed then. A name's generations may
 * straddle two pages, so the last name of a page waits for the next page. Yields each page with the last name it completes.
 */
export async function* stateAt(pages: AsyncIterable<Backup[]>, at: Date): AsyncGenerator<{ backups: Backup[]; lastName?: string }> {
  let pending: Backup[] = [];
  for await (const page of pages) {
    const out: Backup[] = [];
    let lastName: string | undefined;
    for (const b of page) {
      if (pending.length > 0 && pending[0]!.name !== b.name) {
        const chosen = liveAt(pending, at);
        if (chosen) out.push(chosen);
        lastName = pending[0]!.name;
        pending = [];
      }
      pending.push(b);
    }
    yield { backups: out, ...(lastName !== undefined ? { lastName } : {}) };
  }
  if (pending.length > 0) {
    const chosen = liveAt(pending, at);
    yield { backups: chosen ? [chosen] : [], lastName: pending[0]!.name };
  }
}
