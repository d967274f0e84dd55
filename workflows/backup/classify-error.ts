import {
  ConfigurationError,
  DestinationAccessDenied,
  IntegrityError,
  SourceChanged,
  SourceNotFound,
  SourceNotReadable,
  TransientError,
  isBackupError,
  type BackupError,
} from './errors';

/**
 * The one classifier: which failures are transient, and which named error of the ASL contract an SDK or HTTP failure
 * from either side becomes. Every layer asks here (the copy engine's transports, start-executions, the CLI), so one
 * failure is judged the same way everywhere. Tested with error objects recorded from the real clients
 * (test/fixtures/errors/, scripts/record-errors.ts), not with made-up shapes.
 *
 * What the real clients throw (recorded): the AWS SDK sets `$metadata.httpStatusCode` and a `name` from S3's error code
 * (`Unknown` when the body says nothing: every HEAD error, an HTML page from a load balancer), and wraps socket errors
 * with their `code` (a reset arrives named `TimeoutError`); @google-cloud/storage's ApiError carries a numeric `code`
 * and `errors[].reason`; gaxios a `status`; its fetch a FetchError with the socket `code`; Node's fetch a TypeError
 * whose `cause` holds the socket error; a resumable chunk refused by GCS a plain object `{code, message, errors}`.
 * Unknown failures (programming errors) are returned unchanged so they are not disguised as something retryable.
 */
export interface ErrorContext {
  side: 's3' | 'gcs';
  /** What we were doing, for the message: 'HeadObject', 'GetObject', 'upload', 'delete', … */
  operation: string;
  /** s3://bucket/key or gs://bucket/name */
  location: string;
  /**
   * GCS: the failure came after a resumable upload's session was created, i.e. from its session URI. A 404 (or 410)
   * there means the session expired or was lost — restart the upload — not that the bucket is missing.
   */
  uploadSession?: boolean;
}

/**
 * HTTP statuses worth retrying: the AWS SDKs' transient set (500, 502, 503, 504) and throttling (429), plus 408, as
 * Google's clients and retry strategy do (https://cloud.google.com/storage/docs/retry-strategy: "408, 429, 5xx").
 * Other 5xx are not retried: 501 Not Implemented and 505 HTTP Version Not Supported answer the request itself, and
 * will answer its retry the same way (RFC 9110 §15.6.2, §15.6.6); they alert instead.
 */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Socket, DNS and stream failures (Node, undici): the connection failed, not the request. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const CONNECTION_CODE_IN_MESSAGE = /\b(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH)\b/;

/** Error names (AWS error codes, SDK and DOM names) that mean throttling, a timeout or a passing server fault. */
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'KmsThrottlingException',
  'TimeoutError',
  'NetworkingError',
]);

const S3_NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

/** What a failure says about itself, read from the error and its cause chain. */
export interface ErrorFacts {
  /** The outermost error's name. */
  name: string;
  /** Names along the cause chain, outermost first. */
  names: string[];
  /** The HTTP status, wherever a client put it (first found along the chain). */
  status?: number;
  /** Socket/system codes along the chain (and in messages, where a wrapper kept only the text). */
  codes: string[];
  message: string;
  /** GCS `errors[].reason`. */
  reasons: string[];
  /** The AWS SDK marked it retryable. */
  retryable: boolean;
  summary: string;
}

export function errorFacts(err: unknown): ErrorFacts {
  const chain = causeChain(err);
  const top = chain[0] ?? {};
  const names = chain.map((e) => (typeof e.name === 'string' ? e.name : undefined)).filter((n): n is string => n !== undefined);
  const status = chain.map(statusIn).find((s) => s !== undefined);
  const codes = chain.flatMap((e) => {
    const own = [e.code, e.errno].filter((v): v is string => typeof v === 'string' && !/^\d+$/.test(v));
    const inMessage = typeof e.message === 'string' ? CONNECTION_CODE_IN_MESSAGE.exec(e.message)?.[1] : undefined;
    return inMessage ? [...own, inMessage] : own;
  });
  const reasons = chain.flatMap((e) => (Array.isArray(e.errors) ? (e.errors as Record<string, unknown>[]) : []))
    .map((x) => x?.reason)
    .filter((r): r is string => typeof r === 'string');
  const name = typeof top.name === 'string' ? top.name : 'Error';
  const message = typeof top.message === 'string' ? top.message : String(err);
  const retryable = chain.some((e) => typeof e.$retryable === 'object' && e.$retryable !== null);
  const summary = [name !== 'Error' ? name : undefined, status ? `HTTP ${status}` : undefined, codes[0], message].filter(Boolean).join(': ');
  return { name, names, status, codes: [...new Set(codes)], message, reasons, retryable, summary };
}

/** The HTTP status of a failure from any of the clients, or undefined (a connection failure has none). */
export function httpStatusOf(err: unknown): number | undefined {
  return errorFacts(err).status;
}

/** Worth retrying as it is: throttling, 408/429/500/502/503/504, resets, refusals and timeouts. */
export function isTransient(err: unknown): boolean {
  if (isBackupError(err)) return err.name === 'TransientError';
  return transientFacts(errorFacts(err));
}

/** The connection failed or timed out before any answer (an endpoint down, unreachable, or not answering). */
export function isConnectionFailure(err: unknown): boolean {
  const f = errorFacts(err);
  return f.status === undefined && (f.codes.some((c) => CONNECTION_CODES.has(c)) || f.names.includes('TimeoutError'));
}

export function classifyError(err: unknown, ctx: ErrorContext): Error {
  if (isBackupError(err)) return err;
  const facts = errorFacts(err);
  const specific = ctx.side === 's3' ? classifyS3(facts, ctx, err) : classifyGcs(facts, ctx, err);
  if (specific) return specific;
  if (transientFacts(facts)) {
    return new TransientError(
      `${ctx.operation} on ${ctx.location} failed transiently (${facts.summary}); retry with backoff.`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(`${ctx.operation} on ${ctx.location} failed: ${facts.summary}`, { cause: err });
}

function transientFacts(f: ErrorFacts): boolean {
  if (f.status !== undefined && TRANSIENT_STATUSES.has(f.status)) return true;
  if (f.codes.some((c) => CONNECTION_CODES.has(c))) return true;
  if (f.names.some((n) => TRANSIENT_NAMES.has(n)) || f.retryable) return true;
  if (f.names.includes('AbortError') && /timeout|timed out/i.test(f.message)) return true;
  // @google-cloud/storage gives up on retryable failures with these messages (recorded: 'Retry limit exceeded - …').
  return /retry (total time )?limit exceeded|socket hang up|other side closed/i.test(f.message);
}

/** The error, its `cause`s and (for AggregateError) its members, as records; bounded against cycles. */
function causeChain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 10) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e as Record<string, unknown>)) continue;
    const r = e as Record<string, unknown>;
    out.push(r);
    if (r.cause !== undefined) queue.push(r.cause);
    // Members of an AggregateError (duck-typed: errors from another realm fail instanceof Error).
    if (Array.isArray(r.errors)) queue.push(...r.errors.filter((x: unknown) => typeof (x as { message?: unknown } | null)?.message === 'string'));
  }
  return out;
}

function statusIn(e: Record<string, unknown>): number | undefined {
  const metadata = e.$metadata as { httpStatusCode?: unknown } | undefined;
  const response = e.response as { status?: unknown; statusCode?: unknown } | undefined;
  // gaxios and older clients may report the status as a string `code` ('503').
  const numericCode = typeof e.code === 'string' && /^\d{3}$/.test(e.code) ? Number(e.code) : undefined;
  return [metadata?.httpStatusCode, e.status, response?.status, response?.statusCode, e.code, e.statusCode, numericCode].find(
    (v): v is number => typeof v === 'number' && v >= 100 && v < 600,
  );
}

function classifyS3(f: ErrorFacts, ctx: ErrorContext, cause: unknown): BackupError | undefined {
  const where = `${ctx.operation} on ${ctx.location}`;
  // A GET with ChecksumMode ENABLED: the SDK hashed the body and it disagrees with the checksum S3 stored (the SDK's
  // own message, @aws-sdk/checksums validateChecksumFromResponse and @smithy/core ChecksumStream).
  if (f.status === undefined && /^Checksum mismatch: expected /.test(f.message)) {
    return new IntegrityError(`${where}: the body read does not match S3's stored checksum (${f.message}); corrupted in transit — retry once, then investigate.`, {
      cause,
    });
  }
  if (f.status === 412 || f.name === 'PreconditionFailed') {
    return new SourceChanged(`${where}: the object changed since the event (ETag no longer matches); a newer event backs it up.`, {
      cause,
    });
  }
  if (S3_NOT_FOUND_NAMES.has(f.name) || (f.status === 404 && f.name !== 'NoSuchBucket')) {
    return new SourceNotFound(`${where}: the object or version no longer exists; nothing to back up.`, { cause });
  }
  if (f.name === 'NoSuchBucket') {
    const bucket = /^s3:\/\/([^/]+)/.exec(ctx.location)?.[1];
    return new ConfigurationError(`${where}: the source bucket${bucket ? ` ${bucket}` : ''} does not exist; check the bucket name in the event or input.`, {
      cause,
    });
  }
  if (f.name === 'InvalidObjectState') {
    return new SourceNotReadable(
      `${where}: the object is ${archiveOf(cause)} and not restored; restore it (then replay) or exclude it from backup.`,
      { cause },
    );
  }
  if (f.status === 403 || f.name === 'AccessDenied' || f.name === 'AllAccessDisabled' || f.name === 'KMS.AccessDeniedException') {
    return new SourceNotReadable(
      `${where}: access denied; grant the copier s3:GetObject and s3:GetObjectVersion (and kms:Decrypt for SSE-KMS objects).`,
      { cause },
    );
  }
  if (f.status === 400 && (/encrypt|customer|sse/i.test(f.message) || f.name === 'BadRequest' || f.name === 'InvalidRequest')) {
    return new SourceNotReadable(
      `${where}: S3 refused to serve the object (${f.summary}); objects encrypted with customer-provided keys (SSE-C) cannot be backed up without the key — exclude them.`,
      { cause },
    );
  }
  return undefined;
}

/** Where an unreadable object is archived: S3's InvalidObjectState names the storage class and, for Intelligent-Tiering, the tier. */
function archiveOf(err: unknown): string {
  const { StorageClass, AccessTier } = (typeof err === 'object' && err !== null ? err : {}) as { StorageClass?: unknown; AccessTier?: unknown };
  if (AccessTier === 'ARCHIVE_ACCESS') return "in S3 Intelligent-Tiering's Archive Access tier";
  if (AccessTier === 'DEEP_ARCHIVE_ACCESS') return "in S3 Intelligent-Tiering's Deep Archive Access tier";
  if (StorageClass === 'INTELLIGENT_TIERING') return 'in an S3 Intelligent-Tiering archive access tier';
  if (StorageClass === 'GLACIER') return 'in S3 Glacier Flexible Retrieval (GLACIER)';
  if (StorageClass === 'DEEP_ARCHIVE') return 'in S3 Glacier Deep Archive (DEEP_ARCHIVE)';
  return 'archived (S3 Glacier Flexible Retrieval, Glacier Deep Archive or an Intelligent-Tiering archive access tier)';
}

/**
 * OAuth 2.0 / STS error codes of Google's token endpoints (RFC 6749 §5.2, RFC 8693): a revoked or malformed key, or an
 * AWS role the Workload Identity provider does not accept, fails the token request with HTTP 400 and one of these
 * (401/403 are already refusals of our credentials).
 */
const OAUTH_REFUSALS = /\b(invalid_grant|invalid_client|unauthorized_client|access_denied|invalid_scope|invalid_target|unsupported_grant_type)\b/;

function classifyGcs(f: ErrorFacts, ctx: ErrorContext, cause: unknown): BackupError | undefined {
  const where = `${ctx.operation} on ${ctx.location}`;
  const rateLimited = f.reasons.some((r) => /ratelimit/i.test(r));
  if ((f.status === 401 || f.status === 403) && !rateLimited) {
    return new DestinationAccessDenied(
      `${where}: GCS refused our credentials (HTTP ${f.status}); check the service account or Workload Identity binding and its storage.objects.create/get/delete roles on the bucket.`,
      { cause },
    );
  }
  if (f.status === 403 && rateLimited) {
    return new TransientError(`${where}: GCS rate limit (${f.summary}); retry with backoff.`, { cause });
  }
  if ((f.status === 404 || f.status === 410) && ctx.uploadSession) {
    // GCS answers a session URI that expired (after a week) or was lost with 404/410: only a new upload can continue.
    return new TransientError(`${where}: the resumable upload session expired or was lost (HTTP ${f.status}); restart the upload.`, { cause });
  }
  if (f.status === 404) {
    return new ConfigurationError(`${where}: the GCS bucket does not exist (HTTP 404); create it or fix the target bucket setting.`, {
      cause,
    });
  }
  if (f.status === 400 && OAUTH_REFUSALS.test(f.message)) {
    return new DestinationAccessDenied(
      `${where}: GCS refused our credentials at its token endpoint (${f.summary}); check the service-account key or the Workload Identity provider and its attribute mapping.`,
      { cause },
    );
  }
  if (f.status === 400 && /md5|crc32c|checksum|hash/i.test(f.message)) {
    return new IntegrityError(`${where}: GCS rejected the upload because its checksum did not match the bytes sent; retry once, then investigate.`, {
      cause,
    });
  }
  if (f.status === 400) {
    return new ConfigurationError(`${where}: GCS rejected the request (${f.summary}); check the target settings (storage class, prefix, metadata).`, {
      cause,
    });
  }
  if (f.status === 412) {
    return new TransientError(`${where}: the destination object changed concurrently (HTTP 412); retry to re-read it and decide again.`, {
      cause,
    });
  }
  return undefined;
}
