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
 * The one place that turns an SDK or HTTP failure from either side into a named error of the ASL contract.
 * Unknown failures (programming errors) are returned unchanged so they are not disguised as something retryable.
 */
export interface ErrorContext {
  side: 's3' | 'gcs';
  /** What we were doing, for the message: 'HeadObject', 'GetObject', 'upload', 'delete', … */
  operation: string;
  /** s3://bucket/key or gs://bucket/name */
  location: string;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const S3_TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
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
  'TimeoutError',
  'NetworkingError',
]);

const S3_NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

export function classifyError(err: unknown, ctx: ErrorContext): Error {
  if (isBackupError(err)) return err;
  const facts = factsOf(err);
  const specific = ctx.side === 's3' ? classifyS3(facts, ctx, err) : classifyGcs(facts, ctx, err);
  if (specific) return specific;
  if (isTransient(facts)) {
    return new TransientError(
      `${ctx.operation} on ${ctx.location} failed transiently (${facts.summary}); retry with backoff.`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(`${ctx.operation} on ${ctx.location} failed: ${facts.summary}`, { cause: err });
}

interface ErrorFacts {
  name: string;
  status?: number;
  code?: string;
  message: string;
  reasons: string[];
  retryable: boolean;
  summary: string;
}

function factsOf(err: unknown): ErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const metadata = e.$metadata as { httpStatusCode?: unknown } | undefined;
  const response = e.response as { status?: unknown } | undefined;
  // gaxios sometimes reports the HTTP status as a string `code` ('503').
  const numericCode = typeof e.code === 'string' && /^\d{3}$/.test(e.code) ? Number(e.code) : undefined;
  const status = [metadata?.httpStatusCode, e.status, response?.status, e.code, e.statusCode, numericCode].find(
    (v): v is number => typeof v === 'number' && v >= 100 && v < 600,
  );
  const code = [e.code, e.errno, (e.cause as Record<string, unknown> | undefined)?.code].find(
    (v): v is string => typeof v === 'string',
  );
  const errors = Array.isArray(e.errors) ? (e.errors as Record<string, unknown>[]) : [];
  const reasons = errors.map((x) => x?.reason).filter((r): r is string => typeof r === 'string');
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const retryable = typeof e.$retryable === 'object' && e.$retryable !== null;
  const summary = [name !== 'Error' ? name : undefined, status ? `HTTP ${status}` : undefined, code, message]
    .filter(Boolean)
    .join(': ');
  return { name, status, code, message, reasons, retryable, summary };
}

function isTransient(f: ErrorFacts): boolean {
  if (f.status !== undefined && (f.status === 408 || f.status === 429 || f.status >= 500)) return true;
  if (f.code && TRANSIENT_CODES.has(f.code)) return true;
  if (S3_TRANSIENT_NAMES.has(f.name) || f.retryable) return true;
  if (f.name === 'AbortError' && /timeout|timed out/i.test(f.message)) return true;
  // @google-cloud/storage gives up on retryable failures with these messages.
  return /retry (total time )?limit exceeded|socket hang up|unexpected connection closure|other side closed|premature close/i.test(
    f.message,
  );
}

function classifyS3(f: ErrorFacts, ctx: ErrorContext, cause: unknown): BackupError | undefined {
  const where = `${ctx.operation} on ${ctx.location}`;
  if (f.status === 412 || f.name === 'PreconditionFailed') {
    return new SourceChanged(`${where}: the object changed since the event (ETag no longer matches); a newer event backs it up.`, {
      cause,
    });
  }
  if (S3_NOT_FOUND_NAMES.has(f.name) || (f.status === 404 && f.name !== 'NoSuchBucket')) {
    return new SourceNotFound(`${where}: the object or version no longer exists; nothing to back up.`, { cause });
  }
  if (f.name === 'NoSuchBucket') {
    return new ConfigurationError(`${where}: the source bucket does not exist; check the bucket name in the event or input.`, {
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
