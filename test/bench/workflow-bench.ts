import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sourceKeyOf } from '../../workflows/backup/keys';
import { checksumsOf } from '../../workflows/copy/checksums';
import type { S3ObjectEvent } from '../../workflows/local/s3-server';
import { notificationRecord } from '../../workflows/local/sandbox/object-events';
import { DESTINATION_BUCKET, SOURCE_BUCKET } from './copy-bench';
import { runNodeWorker } from './measure';
import { PseudoRandomBytes } from './prng';
import type { BenchServers } from './servers';
import { percentile, spread, type Spread } from './stats';
import type { WorkflowWorkerInput, WorkflowWorkerResult } from './workflow-worker';
import { waitFor } from '../support/wait-for';

export interface WorkflowCaseResult {
  /** Which state machine the events start: the Standard machine, or the Express fast path (express-first). */
  machine: 'standard' | 'express';
  objects: number;
  objectBytes: number;
  concurrency: number;
  objectsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  transitions: Spread;
  retries: number;
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  meanEventLogBytes: number;
  /** Express: its CloudWatch log bytes at level ALL with execution data (what express-first pays to log). */
  meanCloudWatchLogBytes?: number;
  handedOff?: number;
  meanTaskMs: Record<string, number>;
  cpuSecondsPerObject: number;
  peakRssMiB: number;
}

const WARMUP = 10;
const PUTS_AT_ONCE = 16;

/**
 * `objects` small objects written to the local S3 server; the notification record of each (the server's own event,
 * keys form-encoded as S3 sends them) is one execution's input. Every concurrency runs all of them through the whole
 * state machine into its own prefix; then every copy is checked against the source's CRC32C and removed.
 */
export async function runWorkflowBench(o: {
  servers: BenchServers;
  objects: number;
  objectBytes: number;
  concurrencies: number[];
  /** (Default: both, Standard first) */
  machines?: ('standard' | 'express')[];
  tempDir: string;
  onProgress(line: string): void;
}): Promise<WorkflowCaseResult[]> {
  const events = new Map<string, Extract<S3ObjectEvent, { type: 'created' }>>();
  o.servers.s3Server.onObjectEvent((e) => {
    if (e.type === 'created' && e.key.startsWith('workflow/')) events.set(e.key, e);
  });
  const bytes = new PseudoRandomBytes(42);
  const expected = new Map<string, string>();
  const keys = Array.from({ length: o.objects }, (_, i) => `workflow/object ${String(i).padStart(5, '0')}.bin`);
  for (let i = 0; i < keys.length; i += PUTS_AT_ONCE) {
    await Promise.all(
      keys.slice(i, i + PUTS_AT_ONCE).map(async (key) => {
        const body = bytes.next(o.objectBytes);
        expected.set(key, checksumsOf(body).crc32c);
        await o.servers.s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: body }));
      }),
    );
  }
  await waitFor(() => events.size >= keys.length, {
    timeoutMs: 10_000,
    what: `an object event for each of the ${keys.length} keys`,
    intervalMs: 10,
    detail: () => `the S3 server reported ${events.size}`,
  });
  const inputsFile = join(o.tempDir, 'workflow-inputs.json');
  await writeFile(inputsFile, JSON.stringify(keys.map((k) => notificationRecord(events.get(k)!))));

  const storage = new Storage({ apiEndpoint: o.servers.gcsEndpoint, projectId: 'bench' });
  const results: WorkflowCaseResult[] = [];
  for (const machine of o.machines ?? (['standard', 'express'] as const))
  for (const concurrency of o.concurrencies) {
    const prefix = `wf-${machine}-c${concurrency}/`;
    const input: WorkflowWorkerInput = {
      s3Endpoint: o.servers.s3Endpoint,
      gcsEndpoint: o.servers.gcsEndpoint,
      inputsFile,
      concurrency,
      bucket: DESTINATION_BUCKET,
      prefix,
      warmup: Math.min(WARMUP, keys.length),
      machine,
    };
    const r = await runNodeWorker<WorkflowWorkerResult>('workflow-worker.ts', input);
    await verifyCopies(storage, prefix, expected);
    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    const row: WorkflowCaseResult = {
      machine,
      objects: keys.length,
      objectBytes: o.objectBytes,
      concurrency,
      objectsPerSecond: keys.length / r.seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1]!,
      transitions: spread(r.transitions),
      retries: r.retries,
      statuses: r.statuses,
      outcomes: r.outcomes,
      meanEventLogBytes: r.meanEventLogBytes,
      ...(r.meanCloudWatchLogBytes !== undefined ? { meanCloudWatchLogBytes: r.meanCloudWatchLogBytes, handedOff: r.handedOff ?? 0 } : {}),
      meanTaskMs: r.meanTaskMs,
      cpuSecondsPerObject: r.cpuSeconds / keys.length,
      peakRssMiB: r.peakRssBytes / 1024 / 1024,
    };
    o.onProgress(
      `workflow (${machine}) ${keys.length} x ${o.objectBytes} B at concurrency ${concurrency}: ${row.objectsPerSecond.toFixed(1)} objects/s, ` +
        `p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, ${JSON.stringify(row.outcomes)}`,
    );
    results.push(row);
  }
  return results;
}

/** Every object must be in GCS with the source's CRC32C; then the prefix is emptied. */
async function verifyCopies(storage: Storage, prefix: string, expected: Map<string, string>): Promise<void> {
  const bucket = storage.bucket(DESTINATION_BUCKET);
  const [files] = await bucket.getFiles({ prefix, autoPaginate: true });
  const found = new Map(files.map((f) => [sourceKeyOf({ bucket: DESTINATION_BUCKET, prefix }, SOURCE_BUCKET, f.name), f.metadata.crc32c]));
  for (const [key, crc32c] of expected) {
    if (found.get(key) !== crc32c) throw new Error(`workflow copy of ${key} under ${prefix}: crc32c ${found.get(key)}, expected ${crc32c}`);
  }
  // A few at a time: a thousand DELETEs at once open a thousand sockets, past the emulator's listen backlog (511),
  // and a refused one is not retried (a DELETE without a precondition is not idempotent to the client).
  for (let i = 0; i < files.length; i += DELETES_AT_ONCE) await Promise.all(files.slice(i, i + DELETES_AT_ONCE).map((f) => f.delete()));
}

const DELETES_AT_ONCE = 32;
