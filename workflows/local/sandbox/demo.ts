import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { normalizeExecutionInput } from '../../backup/normalize';
import type { CopyOutcome, TierName } from '../../copy/types';
import type { LocalAlert } from '../alert-sink';
import { currentRun, type ExecutionRecord, type ExpressExecution, type LocalStepFunctions } from '../sfn-api';
import type { Timeline } from '../timeline';

const KIB = 1024;
const MIB = 1024 * KIB;
/** The local S3 server caps request bodies near 11 MiB: larger objects go up as multipart uploads of this part size. */
const PART_BYTES = 8 * MIB;

/** One demo object and what must happen to it. */
export interface DemoCase {
  title: string;
  key: string;
  bytes: number;
  contentType: string;
  expect: ({ status: 'SUCCEEDED'; outcome: 'copied'; tier: TierName } | { status: 'FAILED'; error: string; alert: true }) & {
    /** With the fast path (express-first): whether it finishes there or is handed off to the Standard machine. */
    path: 'fast path' | 'handed off';
  };
}

/** Where an object's backup finished: on the Express fast path, on the Standard machine after a hand-off, or there alone. */
export type DemoPath = 'fast path' | 'handed off' | 'standard';

/**
 * Small, large, heavy and a permanent failure — with SANDBOX_ROUTING. The failure is a key of S3's maximum length
 * (1024 bytes): its GCS name, `<source-bucket>/<key>`, is longer than the 1024 bytes GCS allows.
 */
export const DEMO_CASES: DemoCase[] = [
  { title: 'a small object', key: 'demo/small/hello.txt', bytes: 64 * KIB, contentType: 'text/plain', expect: { status: 'SUCCEEDED', outcome: 'copied', tier: 'small', path: 'fast path' } },
  { title: 'a large object', key: 'demo/large/report 2026.bin', bytes: 6 * MIB, contentType: 'application/octet-stream', expect: { status: 'SUCCEEDED', outcome: 'copied', tier: 'large', path: 'handed off' } },
  { title: 'an object for the heavy tier', key: 'demo/heavy/video.bin', bytes: 40 * MIB, contentType: 'video/mp4', expect: { status: 'SUCCEEDED', outcome: 'copied', tier: 'heavy', path: 'handed off' } },
  {
    title: 'an object GCS cannot name: its key is 1024 bytes, too long once the bucket is in its name (fails permanently, raises an alert)',
    key: `demo/too-long/${'k'.repeat(1010)}`,
    bytes: 1 * KIB,
    contentType: 'text/plain',
    // Small enough for the fast path, which cannot finish it: handed off, the Standard machine fails and alerts.
    expect: { status: 'FAILED', error: 'InvalidDestinationName', alert: true, path: 'handed off' },
  },
];

export interface DemoResult {
  case: DemoCase;
  executionArn: string;
  executionName: string;
  path: DemoPath;
  status: string;
  outcome?: CopyOutcome;
  error?: string;
  cause?: string;
  timeline?: Timeline;
  alerts: LocalAlert[];
  /** From the upload's end to the execution's end. */
  durationMs: number;
  /** Base64 MD5 of what was uploaded, to compare with the copy. */
  md5: string;
  asExpected: boolean;
  /** Why not, when not. */
  mismatch?: string;
}

export interface DemoDeps {
  s3: S3Client;
  sourceBucket: string;
  stepFunctions: LocalStepFunctions;
  /** (Default: 120 s) */
  timeoutMs?: number;
  /** The intake starts the Express fast path (express-first): objects finish there or are handed off (Default: false). */
  fastPath?: boolean;
}

/**
 * Uploads each demo object to the local S3 endpoint — the events then flow through intake, start-executions and the
 * local Step Functions endpoint like any upload — and waits for each object's execution to close.
 */
export async function runDemo(deps: DemoDeps, cases: DemoCase[] = DEMO_CASES, onResult?: (r: DemoResult) => void): Promise<DemoResult[]> {
  const since = new Date().toISOString();
  const waiters = new Map(cases.map((c) => [c.key, waiterFor(deps, c.key, since, deps.timeoutMs ?? 120_000)]));
  const results = await Promise.all(
    cases.map(async (c) => {
      const body = randomBytes(c.bytes);
      const md5 = createHash('md5').update(body).digest('base64');
      await upload(deps.s3, deps.sourceBucket, c, body);
      const uploadedAt = Date.now();
      const ended = await waiters.get(c.key)!;
      const path: DemoPath = 'express' in ended ? 'fast path' : deps.fastPath ? 'handed off' : 'standard';
      const closed = 'express' in ended ? ended.express : fromRecord(ended);
      const result = toResult(c, closed, path, deps.fastPath ?? false, md5, Date.parse(closed.stopDate ?? new Date().toISOString()) - uploadedAt);
      onResult?.(result);
      return result;
    }),
  );
  return results;
}

/** What the demo reads of a closed execution, Standard or Express. */
interface Closed {
  executionArn: string;
  name: string;
  status: string;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
  timeline?: Timeline;
  alerts: LocalAlert[];
}

function fromRecord(record: ExecutionRecord): Closed {
  const run = currentRun(record);
  return { executionArn: record.executionArn, name: record.name, ...run };
}

/**
 * The end of the object's backup: a Standard execution that closed, or an Express one that finished without handing
 * off (one that handed off is followed by the Standard execution it started).
 */
function waiterFor(deps: DemoDeps, key: string, since: string, timeoutMs: number): Promise<ExecutionRecord | { express: Closed }> {
  return new Promise((resolve, reject) => {
    // unref: after a failed demo the CLI exits at once instead of waiting out every other case's timer.
    const timer = setTimeout(() => reject(new Error(`no execution for demo object ${key} closed within ${timeoutMs} ms`)), timeoutMs).unref();
    const isDemoObject = (startDate: string, input: string): boolean => {
      if (startDate < since) return false;
      try {
        const ev = normalizeExecutionInput(JSON.parse(input));
        return ev.bucket === deps.sourceBucket && ev.key === key && ev.action === 'copy';
      } catch {
        return false;
      }
    };
    deps.stepFunctions.onExecutionClosed((record) => {
      if (!isDemoObject(record.startDate, record.input)) return;
      clearTimeout(timer);
      resolve(record);
    });
    deps.stepFunctions.onExpressExecutionClosed((execution: ExpressExecution) => {
      if (!isDemoObject(execution.startDate, execution.input)) return;
      if ((JSON.parse(execution.output ?? 'null') as { outcome?: string } | null)?.outcome === 'handed-off') return;
      clearTimeout(timer);
      resolve({ express: { ...execution, alerts: [] } });
    });
  });
}

async function upload(s3: S3Client, bucket: string, c: DemoCase, body: Buffer): Promise<void> {
  if (body.length <= PART_BYTES) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: c.key, Body: body, ContentType: c.contentType, Metadata: { demo: 'sandbox' } }));
    return;
  }
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: c.key, ContentType: c.contentType, Metadata: { demo: 'sandbox' } }));
  const parts = [];
  for (let n = 1, offset = 0; offset < body.length; n++, offset += PART_BYTES) {
    const res = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: c.key, UploadId, PartNumber: n, Body: body.subarray(offset, offset + PART_BYTES) }));
    parts.push({ PartNumber: n, ETag: res.ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: c.key, UploadId, MultipartUpload: { Parts: parts } }));
}

function toResult(c: DemoCase, run: Closed, path: DemoPath, fastPath: boolean, md5: string, durationMs: number): DemoResult {
  const outcome = run.output ? (JSON.parse(run.output) as CopyOutcome) : undefined;
  const result: DemoResult = {
    case: c,
    executionArn: run.executionArn,
    executionName: run.name,
    path,
    status: run.status,
    ...(outcome ? { outcome } : {}),
    ...(run.error !== undefined ? { error: run.error, cause: run.cause ?? '' } : {}),
    ...(run.timeline ? { timeline: run.timeline } : {}),
    alerts: run.alerts,
    durationMs,
    md5,
    asExpected: false,
  };
  result.mismatch = fastPath && path !== c.expect.path ? `expected it to finish ${c.expect.path === 'fast path' ? 'on the fast path' : 'after a hand-off'}, it finished ${path}` : mismatchOf(c, result);
  result.asExpected = result.mismatch === undefined;
  return result;
}

function mismatchOf(c: DemoCase, r: DemoResult): string | undefined {
  const e = c.expect;
  if (r.status !== e.status) return `expected ${e.status}, got ${r.status}${r.error ? ` (${r.error})` : ''}`;
  if (e.status === 'SUCCEEDED') {
    if (r.outcome?.outcome !== e.outcome) return `expected outcome ${e.outcome}, got ${r.outcome?.outcome}`;
    if (r.outcome.tier !== e.tier) return `expected the ${e.tier} tier, got ${r.outcome.tier}`;
    if (r.outcome.bytes !== c.bytes) return `expected ${c.bytes} bytes copied, got ${r.outcome.bytes}`;
    if (r.outcome.md5 !== undefined && r.outcome.md5 !== r.md5) return `the copy's MD5 ${r.outcome.md5} differs from the upload's ${r.md5}`;
    return undefined;
  }
  if (r.error !== e.error) return `expected error ${e.error}, got ${r.error}`;
  if (r.alerts.length === 0) return 'expected an alert, none was published';
  return undefined;
}
