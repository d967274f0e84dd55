import { InvalidObjectState, NoSuchKey, type IntelligentTieringAccessTier, type StorageClass } from '@aws-sdk/client-s3';
import { classifyError, errorFacts, httpStatusOf, isConnectionFailure, isTransient, type ErrorContext } from '../../../workflows/backup/classify-error';
import { IntegrityError, SourceNotFound, TransientError } from '../../../workflows/backup/errors';
import { loadRecordedErrors, rebuildError } from '../../support/recorded-errors';

const s3: ErrorContext = { side: 's3', operation: 'GetObject', location: 's3://b/k' };
const gcs: ErrorContext = { side: 'gcs', operation: 'upload', location: 'gs://d/k' };

/** Recorded from the real clients by scripts/record-errors.ts; rebuilt with their own properties and cause chains. */
const recorded = new Map(['s3.json', 'gcs.json', 'sfn.json', 'node.json'].flatMap((f) => loadRecordedErrors(f)).map((r) => [r.id, r]));
function fixture(id: string): Error {
  const r = recorded.get(id);
  if (!r) throw new Error(`no recorded error '${id}' in test/fixtures/errors (run npm run record-errors)`);
  return rebuildError(r.error);
}

describe('classifyError — S3 side, recorded @aws-sdk/client-s3 errors', () => {
  it.each([
    ['s3-get-slow-down', 'TransientError'],
    ['s3-head-slow-down', 'TransientError'],
    ['s3-get-reset', 'TransientError'],
    ['s3-get-body-cut', 'TransientError'],
    ['s3-get-timeout', 'TransientError'],
    ['s3-connection-refused', 'TransientError'],
    ['s3-get-500-internal-error', 'TransientError'],
    ['s3-get-503-service-unavailable', 'TransientError'],
    ['s3-get-502-html', 'TransientError'],
    ['s3-get-504-html', 'TransientError'],
    ['s3-get-400-request-timeout', 'TransientError'],
    ['s3-head-missing-key', 'SourceNotFound'],
    ['s3-get-missing-key', 'SourceNotFound'],
    ['s3-get-missing-bucket', 'ConfigurationError'],
    ['s3-get-if-match-failed', 'SourceChanged'],
    ['s3-get-403-access-denied', 'SourceNotReadable'],
    ['s3-get-400-invalid-request-sse-c', 'SourceNotReadable'],
    ['s3-get-403-invalid-object-state', 'SourceNotReadable'],
  ])('%s becomes %s', (id, expected) => {
    const original = fixture(id);
    const classified = classifyError(original, s3);
    expect(classified.name).toBe(expected);
    expect(classified.cause).toBe(original);
  });

  it('leaves a 501 NotImplemented unnamed (not transient: the retry gets the same answer), so it alerts', () => {
    const original = fixture('s3-get-501-not-implemented');
    expect(classifyError(original, s3)).toBe(original);
    expect(isTransient(original)).toBe(false);
  });

  it('cannot tell a missing bucket from a missing key on a HEAD: S3 answers both with a bare 404 (headSource asks HeadBucket)', () => {
    const [key, bucket] = [recorded.get('s3-head-missing-key')!.error, recorded.get('s3-head-missing-bucket')!.error];
    const shape = (e: typeof key) => ({ ...e, props: { ...e.props, $metadata: { ...(e.props.$metadata as object), requestId: undefined } } });
    expect(shape(bucket)).toEqual(shape(key));
    expect(errorFacts(fixture('s3-head-bucket-missing')).status).toBe(404);
  });

  it('recognises the SDK modeled NoSuchKey class', () => {
    const err = new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'gone' });
    expect(classifyError(err, s3)).toBeInstanceOf(SourceNotFound);
  });

  it('treats an SSE-C refusal (400 asking for encryption parameters) as not readable', () => {
    expect(classifyError(fixture('s3-get-400-invalid-request-sse-c'), s3).message).toMatch(/SSE-C/);
  });

  it.each<[StorageClass, IntelligentTieringAccessTier | undefined, string]>([
    ['INTELLIGENT_TIERING', 'ARCHIVE_ACCESS', "in S3 Intelligent-Tiering's Archive Access tier"],
    ['INTELLIGENT_TIERING', 'DEEP_ARCHIVE_ACCESS', "in S3 Intelligent-Tiering's Deep Archive Access tier"],
    ['GLACIER', undefined, 'in S3 Glacier Flexible Retrieval (GLACIER)'],
    ['DEEP_ARCHIVE', undefined, 'in S3 Glacier Deep Archive (DEEP_ARCHIVE)'],
  ])('names where InvalidObjectState says the object is archived: %s %s', (StorageClass, AccessTier, where) => {
    const err = new InvalidObjectState({ $metadata: { httpStatusCode: 403 }, message: "The operation is not valid for the object's access tier", StorageClass, AccessTier });
    const classified = classifyError(err, s3);
    expect(classified.name).toBe('SourceNotReadable');
    expect(classified.message).toBe(`GetObject on s3://b/k: the object is ${where} and not restored; restore it (then replay) or exclude it from backup.`);
  });

  it('says what to do in the message', () => {
    expect(classifyError(fixture('s3-get-403-invalid-object-state'), s3).message).toMatch(/restore it/);
    expect(classifyError(fixture('s3-get-403-access-denied'), s3).message).toMatch(/s3:GetObject/);
  });
});

describe('classifyError — GCS side, recorded @google-cloud/storage errors', () => {
  it.each([
    ['gcs-get-metadata-408', 'TransientError'],
    ['gcs-get-metadata-429', 'TransientError'],
    ['gcs-get-metadata-500', 'TransientError'],
    ['gcs-get-metadata-502', 'TransientError'],
    ['gcs-get-metadata-503', 'TransientError'],
    ['gcs-get-metadata-504', 'TransientError'],
    ['gcs-get-metadata-503-retried', 'TransientError'],
    ['gcs-get-metadata-reset', 'TransientError'],
    ['gcs-upload-503-retried', 'TransientError'],
    ['gcs-resumable-chunk-503-retried', 'TransientError'],
    ['gcs-connection-refused', 'TransientError'],
    ['gcs-upload-401', 'DestinationAccessDenied'],
    ['gcs-upload-403', 'DestinationAccessDenied'],
    ['gcs-upload-missing-bucket', 'ConfigurationError'],
    ['gcs-resumable-missing-bucket', 'ConfigurationError'],
    ['gcs-upload-hash-mismatch', 'IntegrityError'],
    ['gcs-upload-precondition-failed', 'TransientError'],
  ])('%s becomes %s', (id, expected) => {
    const original = fixture(id);
    const classified = classifyError(original, gcs);
    expect(classified.name).toBe(expected);
    expect(classified.cause).toBe(original);
  });

  it('reads the status the sink decides on (404 absent, 412 changed) from every recorded shape', () => {
    expect(httpStatusOf(fixture('gcs-get-metadata-404'))).toBe(404);
    expect(httpStatusOf(fixture('gcs-upload-precondition-failed'))).toBe(412);
    expect(httpStatusOf(fixture('gcs-resumable-missing-bucket'))).toBe(404);
    expect(httpStatusOf(fixture('gcs-resumable-session-404'))).toBe(404);
  });

  it('calls a 404 from a started resumable session "session expired, restart the upload", not a missing bucket', () => {
    const original = fixture('gcs-resumable-session-404');
    const classified = classifyError(original, { ...gcs, operation: 'resumable upload', uploadSession: true });
    expect(classified).toBeInstanceOf(TransientError);
    expect(classified.message).toMatch(/resumable upload session expired or was lost \(HTTP 404\); restart the upload/);
    // Before the session exists, a 404 is the bucket's.
    expect(classifyError(fixture('gcs-resumable-missing-bucket'), { ...gcs, uploadSession: false }).name).toBe('ConfigurationError');
  });

  it('treats a 403 whose reason is a rate limit as transient', () => {
    const limited = Object.assign(fixture('gcs-upload-403'), { errors: [{ reason: 'rateLimitExceeded', message: 'Rate limit' }] });
    expect(classifyError(limited, gcs).name).toBe('TransientError');
  });

  it('names the place and the remedy for access denied', () => {
    expect(classifyError(fixture('gcs-upload-403'), gcs).message).toMatch(/gs:\/\/d\/k.*service account/);
  });

  // Google's token endpoints cannot be recorded locally: these are the documented OAuth 2.0 error bodies (RFC 6749 §5.2).
  it.each([
    ['token endpoint 400 invalid_grant', 400, 'invalid_grant: Invalid JWT Signature.'],
    ['STS 401 unauthorized_client', 401, 'unauthorized_client: The audience is not allowed'],
  ])('%s becomes DestinationAccessDenied', (_label, status, message) => {
    const err = Object.assign(new Error(message), { status, response: { status } });
    expect(classifyError(err, gcs).name).toBe('DestinationAccessDenied');
  });
});

describe('isTransient — recorded @aws-sdk/client-sfn and Node errors', () => {
  it.each([
    ['sfn-start-reset', true],
    ['sfn-start-throttled', true],
    ['sfn-start-500-internal-failure', true],
    ['sfn-start-503-html', true],
    ['sfn-start-already-exists', false],
    ['sfn-start-invalid-name', false],
    ['node-http-reset', true],
    ['node-http-refused', true],
    ['node-fetch-reset', true],
    ['node-fetch-refused', true],
    ['node-fetch-timeout', true],
    ['node-stream-premature-close', true],
  ])('%s: %s', (id, expected) => {
    expect(isTransient(fixture(id))).toBe(expected);
  });

  it.each(['node-http-reset', 'node-http-refused', 'node-fetch-reset', 'node-fetch-refused', 'node-fetch-timeout', 's3-connection-refused', 's3-get-timeout', 'gcs-connection-refused'])(
    '%s is a connection failure (the CLI says "cannot connect")',
    (id) => {
      expect(isConnectionFailure(fixture(id))).toBe(true);
    },
  );

  it.each(['s3-get-slow-down', 'sfn-start-throttled', 'gcs-get-metadata-503'])('%s is an answer, not a connection failure', (id) => {
    expect(isConnectionFailure(fixture(id))).toBe(false);
  });

  it('classifies Node network errors transient on either side', () => {
    for (const id of ['node-http-reset', 'node-fetch-refused', 'node-fetch-timeout']) {
      expect(classifyError(fixture(id), s3).name).toBe('TransientError');
      expect(classifyError(fixture(id), gcs).name).toBe('TransientError');
    }
  });
});

describe('classifyError — pass-through', () => {
  it('returns named errors unchanged', () => {
    const named = new IntegrityError('mismatch');
    expect(classifyError(named, gcs)).toBe(named);
  });

  it('does not disguise programming errors as retryable', () => {
    const bug = new TypeError('undefined is not a function');
    expect(classifyError(bug, s3)).toBe(bug);
  });

  it('wraps non-Error throwables in an Error that keeps them as cause', () => {
    const classified = classifyError({ weird: true }, gcs);
    expect(classified).toBeInstanceOf(Error);
    expect(classified.cause).toEqual({ weird: true });
  });
});
