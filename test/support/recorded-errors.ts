import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Recorded error objects: what the real clients (AWS SDK, @google-cloud/storage, Node's network stack) threw, reduced
 * to the own properties an error classifier may read, as JSON. `npm run record-errors` (scripts/record-errors.ts)
 * writes them to test/fixtures/errors/; unit tests rebuild them with rebuildError and classify them.
 */
export interface ErrorSnapshot {
  /** `err.constructor.name` (S3ServiceException, GaxiosError, TypeError, …) */
  constructorName: string;
  name?: string;
  message?: string;
  /** Every other recorded own property, JSON-safe (nested errors as snapshots). */
  props: Record<string, unknown>;
  cause?: ErrorSnapshot;
  /** AggregateError members and the like (`errors` holding Error objects). */
  errors?: ErrorSnapshot[];
}

export interface RecordedError {
  /** Stable id, referenced by the tests: 's3-get-slow-down', 'gcs-resumable-session-404', … */
  id: string;
  /** How it was produced, in one sentence. */
  how: string;
  /** Which client threw it: '@aws-sdk/client-s3 3.1169.0', '@google-cloud/storage 8.4.0', 'node 22.x'. */
  client: string;
  error: ErrorSnapshot;
}

/** The own properties worth keeping: what classifiers read, and what tells one shape from another. */
const KEPT = [
  'code',
  'errno',
  'syscall',
  'status',
  'statusCode',
  '$fault',
  '$metadata',
  '$retryable',
  'Code',
  'reason',
  'type',
  'response',
  'config',
  'errors',
] as const;
const MAX_DEPTH = 6;

export function snapshotError(err: unknown, depth = 0): ErrorSnapshot {
  if (typeof err !== 'object' || err === null) return { constructorName: typeof err, message: String(err), props: {} };
  const e = err as Record<string, unknown>;
  const snap: ErrorSnapshot = { constructorName: (err as object).constructor?.name ?? 'Object', props: {} };
  if (typeof e.name === 'string') snap.name = e.name;
  if (typeof e.message === 'string') snap.message = e.message;
  for (const key of KEPT) {
    if (!Object.prototype.hasOwnProperty.call(e, key) && !(key === 'response' && e.response !== undefined)) continue;
    const value = e[key];
    if (value === undefined) continue;
    if (key === 'errors' && Array.isArray(value) && value.some((v) => v instanceof Error)) {
      snap.errors = value.map((v) => snapshotError(v, depth + 1));
    } else if (key === 'response') {
      snap.props.response = responseOf(value);
    } else if (key === 'config') {
      snap.props.config = configOf(value);
    } else {
      snap.props[key] = plain(value, depth + 1);
    }
  }
  if (e.cause !== undefined && depth < MAX_DEPTH) snap.cause = snapshotError(e.cause, depth + 1);
  return snap;
}

/** Rebuilds an Error carrying the recorded properties, with the recorded name, message and cause chain. */
export function rebuildError(snap: ErrorSnapshot): Error {
  const err = new Error(snap.message ?? '', snap.cause ? { cause: rebuildError(snap.cause) } : undefined);
  Object.defineProperty(err, 'constructor', { value: { name: snap.constructorName }, enumerable: false });
  if (snap.name !== undefined) err.name = snap.name;
  Object.assign(err, structuredClone(snap.props));
  if (snap.errors) Object.assign(err, { errors: snap.errors.map(rebuildError) });
  return err;
}

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'errors');

export function loadRecordedErrors(file: string): RecordedError[] {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as RecordedError[];
}

function responseOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return plain(value, 0);
  const r = value as Record<string, unknown>;
  const data = r.data;
  return {
    ...(typeof r.status === 'number' ? { status: r.status } : {}),
    ...(typeof r.statusCode === 'number' ? { statusCode: r.statusCode } : {}),
    ...(typeof r.statusText === 'string' ? { statusText: r.statusText } : {}),
    ...(data !== undefined && typeof data !== 'function' && JSON.stringify(plain(data, 0)).length < 2_000 ? { data: plain(data, 0) } : {}),
  };
}

function configOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  const url = c.url instanceof URL ? c.url.href : c.url;
  return { ...(typeof url === 'string' ? { url: url.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:PORT') } : {}), ...(typeof c.method === 'string' ? { method: c.method } : {}) };
}

/** JSON-safe copy: functions, streams and sockets dropped; nested errors as plain objects of name/message/code. */
function plain(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null && !(value instanceof Error)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = plain(v, depth + 1);
    if (p !== undefined) out[k] = p;
  }
  if (value instanceof Error) {
    out.name = value.name;
    out.message = value.message;
  }
  return out;
}

/**
 * Recorded GetObject failures (s3.json) and the named error each must become wherever the engine reads a source by
 * GET (workflows/backup/classify-error.ts): the same names HeadObject's checks give (ARCHITECTURE.md, error contract).
 */
export const S3_GET_FAILURES: readonly (readonly [id: string, named: string])[] = [
  ['s3-get-missing-key', 'SourceNotFound'],
  ['s3-get-missing-bucket', 'ConfigurationError'],
  ['s3-get-if-match-failed', 'SourceChanged'],
  ['s3-get-403-invalid-object-state', 'SourceNotReadable'],
  ['s3-get-400-invalid-request-sse-c', 'SourceNotReadable'],
  ['s3-get-403-access-denied', 'SourceNotReadable'],
];
