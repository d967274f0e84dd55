/**
 * One measured copy, in a process of its own (spawned by run.ts), so the peak RSS and CPU seconds it reports belong
 * to that method alone. Argument: one JSON WorkerInput. Prints one JSON WorkerResult line.
 *
 * It first copies a 1 KiB warm-up object the same way (module loading, connection set-up), then measures only the copy.
 */
import { Storage } from '@google-cloud/storage';
import { localS3Client } from '../../workflows/local/s3-server';
import { logger } from '../../workflows/logger';
import { applyCopierV8Flags } from '../../workflows/copy/copier-gc';
import type { EngineOptions } from '../../workflows/copy/engine';
import { resolve } from 'node:path';
import { NODE_METHODS, type CopyJob, type NodeMethod } from './copy-methods';
import { peakRssBytes } from './peak-rss';

export interface WorkerInput {
  method: NodeMethod;
  s3Endpoint: string;
  gcsEndpoint: string;
  source: { bucket: string; key: string; etag: string; size: number };
  warmup: { bucket: string; key: string; etag: string; size: number };
  /** Copies go where the engine names them (benchName). */
  destination: { bucket: string; prefix: string };
  tempDir: string;
  engineOptions?: Partial<EngineOptions>;
}

export interface WorkerResult {
  seconds: number;
  cpuSeconds: number;
  /** Peak resident set size of this process, in bytes (see peakRssBytes). */
  peakRssBytes: number;
  /** RSS after warm-up and GC, just before the measured copy. */
  baselineRssBytes: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as WorkerInput;
  logger.setLogLevel('SILENT');
  const s3 = localS3Client(input.s3Endpoint);
  const storage = new Storage({ apiEndpoint: input.gcsEndpoint, projectId: 'bench' });
  const copy = NODE_METHODS[input.method];
  if (!copy) throw new Error(`unknown method ${input.method}`);
  // The copier processes' V8 flags (copier-gc.ts), for ours and for the limit it is held to; the old design never had
  // them. BENCH_NO_COPIER_V8_FLAGS=1 measures without them (a variant run).
  if (input.method !== 'old' && !process.env.BENCH_NO_COPIER_V8_FLAGS) applyCopierV8Flags();
  // BENCH_ENGINE_MODULE: measure a variant of the engine (a path exporting copyObject) against the same servers.
  const variant = process.env.BENCH_ENGINE_MODULE;
  const engine = variant ? ((await import(resolve(variant))) as { copyObject: CopyJob['copyObject'] }).copyObject : undefined;
  const job = { s3, storage, tempDir: input.tempDir, engineOptions: input.engineOptions, ...(engine ? { copyObject: engine } : {}) };

  await copy({ ...job, source: input.warmup, destination: input.destination });
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRssBytes = process.memoryUsage().rss;

  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await copy({ ...job, source: input.source, destination: input.destination });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const result: WorkerResult = {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssBytes: peakRssBytes(),
    baselineRssBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
