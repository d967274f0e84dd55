import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { destinationObjectName } from '../../workflows/backup/keys';
import { copyObject, type EngineOptions } from '../../workflows/copy/engine';

/** The ways of copying one S3 object to GCS that the bench compares (rclone runs as its own program: see rclone.ts). */
export type NodeMethod = 'raw' | 'old' | 'engine';

export interface CopyJob {
  s3: S3Client;
  storage: Storage;
  source: { bucket: string; key: string; etag: string; size: number };
  /** Every method writes the name the engine gives the source (destinationObjectName, the default layout). */
  destination: { bucket: string; prefix: string };
  /** For the old design's temp file. */
  tempDir: string;
  engineOptions?: Partial<EngineOptions>;
  /** The engine's copyObject (Default: workflows/copy/engine.ts; the worker may load a variant to compare). */
  copyObject?: typeof copyObject;
}

export const NODE_METHODS: Record<NodeMethod, (job: CopyJob) => Promise<void>> = {
  raw: rawPipe,
  old: oldDesign,
  engine: ourEngine,
};

/**
 * The limit of this machine and these servers: one S3 GET stream piped into one resumable upload that streams the
 * whole body in a single request (no chunkSize), with no hashing and no validation.
 */
async function rawPipe(job: CopyJob): Promise<void> {
  const res = await job.s3.send(new GetObjectCommand({ Bucket: job.source.bucket, Key: job.source.key }));
  const sink = job.storage
    .bucket(job.destination.bucket)
    .file(benchName(job))
    .createWriteStream({ resumable: true, validation: false });
  await pipeline(res.Body as Readable, sink);
}

/**
 * What the replaced Lambda did: read the whole object into memory, write it to a temp file, upload that file with
 * the client's CRC32C validation (the client picks resumable above 5 MB, as it did there).
 */
async function oldDesign(job: CopyJob): Promise<void> {
  const res = await job.s3.send(new GetObjectCommand({ Bucket: job.source.bucket, Key: job.source.key }));
  const bytes = await res.Body!.transformToByteArray();
  const path = join(job.tempDir, `old-design-${process.pid}-${Date.now()}`);
  try {
    await writeFile(path, bytes);
    await job.storage.bucket(job.destination.bucket).upload(path, { destination: benchName(job), validation: 'crc32c' });
  } finally {
    await rm(path, { force: true });
  }
}

/** Ours: destination read, pinned source, CRC32C (+ MD5 when verifiable) while streaming, verified against what GCS stored. */
/** The GCS name of a bench copy, as the engine names it. */
export function benchName(job: Pick<CopyJob, 'source' | 'destination'>): string {
  return destinationObjectName(job.destination, job.source.bucket, job.source.key);
}

async function ourEngine(job: CopyJob): Promise<void> {
  const out = await (job.copyObject ?? copyObject)(
    { bucket: job.source.bucket, key: job.source.key, etag: job.source.etag, size: job.source.size },
    { s3: job.s3, storage: job.storage, target: { bucket: job.destination.bucket, prefix: job.destination.prefix }, options: job.engineOptions },
  );
  if (out.outcome !== 'copied') throw new Error(`engine reported ${out.outcome}, expected copied (${out.detail ?? ''})`);
}
