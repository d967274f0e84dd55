/**
 * One measured 64 MiB copy through the engine (not a test): throughput and the copier process's peak RSS.
 *
 *   node --expose-gc --import tsx test/bench/copy-64mib.ts [sizeMiB=64]
 *
 * The S3 server (fauxqs) and the GCS emulator run as child processes (objects kept on disk), so the RSS
 * sampled here is the engine's own: Node + SDKs + the engine's part buffers.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { StreamHasher } from '../../workflows/copy/checksums';
import { DEFAULT_ENGINE_OPTIONS, copyObject, engineMemoryBytes } from '../../workflows/copy/engine';
import { startS3Server, localS3Client } from '../../workflows/local/s3-server';
import { logger } from '../../workflows/logger';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? '64');

async function startEmulatorProcess(dataDir: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workflows/local/gcs-emulator/main.ts', '--data-dir', dataDir, '--bucket', 'bench-dst'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { url: (JSON.parse(first) as { gcsEndpoint: string }).gcsEndpoint, stop: () => void child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  logger.setLogLevel('WARN');
  const dir = await mkdtemp(join(tmpdir(), 'bench-'));
  // fauxqs re-reads a whole persisted object for every ranged GET; keep the source in (its own process's) memory.
  const s3server = await startS3Server();
  const gcs = await startEmulatorProcess(join(dir, 'gcs'));
  try {
    const s3 = localS3Client(s3server.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-src' }));

    // Seed part by part so this process never holds the whole object.
    const key = `bench-${sizeMiB}MiB`;
    const seedHash = new StreamHasher();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bench-src', Key: key }));
    const parts = [];
    for (let n = 1; n <= Math.ceil(sizeMiB / 8); n++) {
      const part = randomBytes(Math.min(8, sizeMiB - (n - 1) * 8) * MIB);
      seedHash.update(part);
      const res = await s3.send(new UploadPartCommand({ Bucket: 'bench-src', Key: key, UploadId, PartNumber: n, Body: part }));
      parts.push({ PartNumber: n, ETag: res.ETag });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'bench-src', Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    const expected = seedHash.digest();

    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'bench' });
    const target = { bucket: 'bench-dst', prefix: '' };
    // Warm up module loading and connections with a small copy, then settle the heap.
    await s3.send(new PutObjectCommand({ Bucket: 'bench-src', Key: 'warmup', Body: randomBytes(1024) }));
    await copyObject({ bucket: 'bench-src', key: 'warmup' }, { s3, storage, target });
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));

    const baseline = process.memoryUsage().rss;
    const buffersBaseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    let buffersPeak = buffersBaseline;
    const sample = (): void => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      buffersPeak = Math.max(buffersPeak, m.arrayBuffers);
    };
    const sampler = setInterval(sample, 5);
    const started = process.hrtime.bigint();
    const out = await copyObject({ bucket: 'bench-src', key, etag: done.ETag!.replace(/"/g, '') }, { s3, storage, target });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    sample();

    if (out.crc32c !== expected.crc32c || out.md5 !== expected.md5) throw new Error('checksum mismatch in benchmark copy');
    const report = {
      sizeMiB,
      options: DEFAULT_ENGINE_OPTIONS,
      seconds: Number(seconds.toFixed(3)),
      MiBps: Number((sizeMiB / seconds).toFixed(1)),
      rssBaselineMiB: Number((baseline / MIB).toFixed(1)),
      rssPeakMiB: Number((peak / MIB).toFixed(1)),
      rssGrowthMiB: Number(((peak - baseline) / MIB).toFixed(1)),
      bufferPeakGrowthMiB: Number(((buffersPeak - buffersBaseline) / MIB).toFixed(1)),
      engineMemoryModelMiB: engineMemoryBytes(sizeMiB * MIB) / MIB,
      outcome: out.outcome,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    gcs.stop();
    await s3server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
