import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { benchName } from './copy-methods';
import { resolveEngineOptions, type EngineOptions } from '../../workflows/copy/engine';
import type { WorkerResult } from './copy-worker';
import { measureNodeCopy, measureProgram } from './measure';
import { rcloneCopyArgs } from './rclone';
import { seedObject, type SeededObject } from './seed';
import type { BenchServers } from './servers';
import { spread, type Spread } from './stats';

export type Method = 'raw' | 'old' | 'rclone' | 'engine';
export const METHOD_LABELS: Record<Method, string> = {
  raw: 'raw pipe (limit)',
  old: 'old design',
  rclone: 'rclone copyto',
  engine: 'our engine',
};

export const SOURCE_BUCKET = 'bench-src';
export const DESTINATION_BUCKET = 'bench-dst';

export interface CopyCaseResult {
  method: Method;
  sizeBytes: number;
  runs: WorkerResult[];
  /** MB/s (10^6 bytes per second), one per run. */
  throughput: Spread;
  peakRssMiB: Spread;
  cpuSeconds: Spread;
  /** Median throughput over the raw pipe's median at the same size. */
  ratioToRaw?: number;
}

export interface CopyBenchOptions {
  servers: BenchServers;
  sizes: number[];
  runs: number;
  methods: Method[];
  engineOptions: Partial<EngineOptions>;
  tempDir: string;
  onProgress(line: string): void;
}

export const WARMUP_BYTES = 1024;

/**
 * Every method copies every size `runs` times, interleaved (run 1 of every method, then run 2 …) so slow drifts in
 * the shared machine's load spread over all methods. Each copy is checked byte-exact (the emulator's CRC32C and MD5 of
 * what it stored against the seeded object's), then removed so disk use stays at one object.
 */
export async function runCopyBench(o: CopyBenchOptions): Promise<CopyCaseResult[]> {
  const { servers } = o;
  const storage = new Storage({ apiEndpoint: servers.gcsEndpoint, projectId: 'bench' });
  const warmup = await seedObject(servers.s3, SOURCE_BUCKET, 'warmup-1KiB', WARMUP_BYTES, 7);
  const samples = new Map<string, WorkerResult[]>();
  let seq = 0;

  for (const size of o.sizes) {
    const source = await seedObject(servers.s3, SOURCE_BUCKET, `object-${size}`, size, size % 2 ** 31);
    for (let run = 1; run <= o.runs; run++) {
      for (const method of o.methods) {
        const prefix = `${method}-${++seq}/`;
        const result = await copyOnce(o, method, source, warmup, prefix);
        await verifyAndRemove(storage, prefix, source, method === 'rclone' ? undefined : warmup);
        const key = `${method}/${size}`;
        samples.set(key, [...(samples.get(key) ?? []), result]);
        o.onProgress(
          `${formatBytes(size).padStart(8)} ${METHOD_LABELS[method].padEnd(17)} run ${run}/${o.runs}: ` +
            `${(size / result.seconds / 1e6).toFixed(1)} MB/s, peak RSS ${(result.peakRssBytes / MIB).toFixed(0)} MiB, CPU ${result.cpuSeconds.toFixed(2)} s`,
        );
      }
    }
    await servers.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: source.key }));
  }
  return summarize(samples, o.sizes, o.methods);
}

export async function copyOnce(o: CopyBenchOptions, method: Method, source: SeededObject, warmup: SeededObject, prefix: string): Promise<WorkerResult> {
  const { servers } = o;
  const pick = (s: SeededObject) => ({ bucket: s.bucket, key: s.key, etag: s.etag, size: s.size });
  if (method === 'rclone') {
    const args = rcloneCopyArgs({
      s3Endpoint: servers.s3Endpoint,
      gcsEndpoint: servers.gcsEndpoint,
      source: { bucket: source.bucket, key: source.key },
      destination: { bucket: DESTINATION_BUCKET, name: benchName({ source, destination: { bucket: DESTINATION_BUCKET, prefix } }) },
    });
    // FACTS.md: rclone's S3 backend fails on this machine while AWS_CA_BUNDLE is set.
    return measureProgram('rclone', args, { AWS_CA_BUNDLE: '' }, o.tempDir);
  }
  return measureNodeCopy({
    method,
    s3Endpoint: servers.s3Endpoint,
    gcsEndpoint: servers.gcsEndpoint,
    source: pick(source),
    warmup: pick(warmup),
    destination: { bucket: DESTINATION_BUCKET, prefix },
    tempDir: o.tempDir,
    ...(method === 'engine' ? { engineOptions: o.engineOptions } : {}),
  });
}

export async function verifyAndRemove(storage: Storage, prefix: string, source: SeededObject, warmup: SeededObject | undefined): Promise<void> {
  const bucket = storage.bucket(DESTINATION_BUCKET);
  const nameOf = (s: SeededObject) => benchName({ source: s, destination: { bucket: DESTINATION_BUCKET, prefix } });
  const file = bucket.file(nameOf(source));
  const [meta] = await file.getMetadata();
  if (Number(meta.size) !== source.size || meta.crc32c !== source.checksums.crc32c || meta.md5Hash !== source.checksums.md5) {
    throw new Error(
      `gs://${DESTINATION_BUCKET}/${nameOf(source)} is not the source: size ${meta.size}, crc32c ${meta.crc32c}, md5 ${meta.md5Hash}; ` +
        `expected ${source.size}, ${source.checksums.crc32c}, ${source.checksums.md5}`,
    );
  }
  await file.delete();
  if (warmup) await bucket.file(nameOf(warmup)).delete({ ignoreNotFound: true });
}

function summarize(samples: Map<string, WorkerResult[]>, sizes: number[], methods: Method[]): CopyCaseResult[] {
  const out: CopyCaseResult[] = [];
  for (const size of sizes) {
    const rawRuns = samples.get(`raw/${size}`);
    const rawMedian = rawRuns ? spread(rawRuns.map((r) => size / r.seconds / 1e6)).median : undefined;
    for (const method of methods) {
      const runs = samples.get(`${method}/${size}`) ?? [];
      const throughput = spread(runs.map((r) => size / r.seconds / 1e6));
      out.push({
        method,
        sizeBytes: size,
        runs,
        throughput,
        peakRssMiB: spread(runs.map((r) => r.peakRssBytes / MIB)),
        cpuSeconds: spread(runs.map((r) => r.cpuSeconds)),
        ...(rawMedian ? { ratioToRaw: throughput.median / rawMedian } : {}),
      });
    }
  }
  return out;
}

const MIB = 1024 * 1024;

export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} B`;
}

export interface TuningResult {
  partSizeMiB: number;
  concurrency: number;
  /** The engine's upload request size for this part size (its default). */
  uploadChunkMiB: number;
  throughputMBps: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

/** One engine copy of `size` per option pair (part size × concurrency), each in its own process. */
export async function runEngineTuning(
  o: Omit<CopyBenchOptions, 'sizes' | 'runs' | 'methods' | 'engineOptions'>,
  size: number,
  grid: { partSizeMiB: number[]; concurrency: number[] },
): Promise<TuningResult[]> {
  const warmup = await seedObject(o.servers.s3, SOURCE_BUCKET, 'warmup-1KiB', WARMUP_BYTES, 7);
  const source = await seedObject(o.servers.s3, SOURCE_BUCKET, `tune-${size}`, size, 11);
  const storage = new Storage({ apiEndpoint: o.servers.gcsEndpoint, projectId: 'bench' });
  const out: TuningResult[] = [];
  try {
    for (const partSizeMiB of grid.partSizeMiB) {
      for (const concurrency of grid.concurrency) {
        const prefix = `tune-${partSizeMiB}-${concurrency}/`;
        const r = await copyOnce({ ...o, sizes: [], runs: 1, methods: [], engineOptions: { partSizeBytes: partSizeMiB * MIB, concurrency } }, 'engine', source, warmup, prefix);
        await verifyAndRemove(storage, prefix, source, warmup);
        const uploadChunkMiB = resolveEngineOptions({ partSizeBytes: partSizeMiB * MIB }).uploadChunkBytes / MIB;
        const row = { partSizeMiB, concurrency, uploadChunkMiB, throughputMBps: size / r.seconds / 1e6, peakRssMiB: r.peakRssBytes / MIB, cpuSeconds: r.cpuSeconds };
        o.onProgress(`tune ${formatBytes(size)} part ${partSizeMiB} MiB x ${concurrency}, chunk ${uploadChunkMiB} MiB: ${row.throughputMBps.toFixed(1)} MB/s, peak RSS ${row.peakRssMiB.toFixed(0)} MiB, CPU ${row.cpuSeconds.toFixed(2)} s`);
        out.push(row);
      }
    }
  } finally {
    await o.servers.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: source.key }));
  }
  return out;
}
