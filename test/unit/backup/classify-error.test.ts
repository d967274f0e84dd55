import { InvalidObjectState, NoSuchKey, S3ServiceException, type IntelligentTieringAccessTier, type StorageClass } from '@aws-sdk/client-s3';
import { classifyError, type ErrorContext } from '../../../workflows/backup/classify-error';
import { IntegrityError, SourceNotFound } from '../../../workflows/backup/errors';

const s3: ErrorContext = { side: 's3', operation: 'GetObject', location: 's3://b/k' };
const gcs: ErrorContext = { side: 'gcs', operation: 'upload', location: 'gs://d/k' };

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

/** The shapes @google-cloud/storage and gaxios produce. */
function apiError(code: number, message: string, reason?: string): Error {
  return Object.assign(new Error(message), { code, errors: reason ? [{ reason, message }] : [] });
}
function gaxiosError(status: number): Error {
  return Object.assign(new Error(`Request failed with status code ${status}`), { status, response: { status } });
}
function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('classifyError — S3 side', () => {
  it.each([
    ['PreconditionFailed', 412, 'SourceChanged'],
    ['NoSuchKey', 404, 'SourceNotFound'],
    ['NoSuchVersion', 404, 'SourceNotFound'],
    ['NotFound', 404, 'SourceNotFound'],
    ['NoSuchBucket', 404, 'ConfigurationError'],
    ['InvalidObjectState', 403, 'SourceNotReadable'],
    ['AccessDenied', 403, 'SourceNotReadable'],
    ['SlowDown', 503, 'TransientError'],
    ['InternalError', 500, 'TransientError'],
    ['ServiceUnavailable', 503, 'TransientError'],
    ['RequestTimeout', 400, 'TransientError'],
  ])('%s (HTTP %d) becomes %s', (name, status, expected) => {
    const original = s3Error(name, status);
    const classified = classifyError(original, s3);
    expect(classified.name).toBe(expected);
    expect(classified.cause).toBe(original);
  });

  it('recognises the SDK modeled NoSuchKey class', () => {
    const err = new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'gone' });
    expect(classifyError(err, s3)).toBeInstanceOf(SourceNotFound);
  });

  it('treats an SSE-C refusal (400 asking for encryption parameters) as not readable', () => {
    const err = s3Error(
      'InvalidRequest',
      400,
      'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    );
    const classified = classifyError(err, s3);
    expect(classified.name).toBe('SourceNotReadable');
    expect(classified.message).toMatch(/SSE-C/);
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
    expect(classifyError(s3Error('InvalidObjectState', 403), s3).message).toMatch(/restore it/);
    expect(classifyError(s3Error('AccessDenied', 403), s3).message).toMatch(/s3:GetObject/);
  });

  it.each(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])('network failure %s is transient', (code) => {
    expect(classifyError(networkError(code), s3).name).toBe('TransientError');
  });

  it('treats a timeout by name as transient', () => {
    expect(classifyError(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), s3).name).toBe('TransientError');
  });
});

describe('classifyError — GCS side', () => {
  it.each([
    ['HTTP 401', 'DestinationAccessDenied', apiError(401, 'Unauthorized')],
    ['HTTP 403 forbidden', 'DestinationAccessDenied', apiError(403, 'Forbidden', 'forbidden')],
    ['gaxios HTTP 403', 'DestinationAccessDenied', gaxiosError(403)],
    ['HTTP 403 rateLimitExceeded', 'TransientError', apiError(403, 'Rate limit', 'rateLimitExceeded')],
    ['HTTP 404 (bucket)', 'ConfigurationError', apiError(404, 'The specified bucket does not exist.', 'notFound')],
    ['HTTP 429', 'TransientError', apiError(429, 'Too many requests')],
    ['HTTP 503', 'TransientError', apiError(503, 'Service unavailable')],
    ['gaxios HTTP 502', 'TransientError', gaxiosError(502)],
    ['HTTP 408', 'TransientError', apiError(408, 'Request timeout')],
    ['HTTP 412', 'TransientError', apiError(412, 'Precondition failed', 'conditionNotMet')],
    ['HTTP 400 hash mismatch', 'IntegrityError', apiError(400, 'Provided MD5 hash "x" doesn\'t match calculated MD5 hash "y".')],
    ['HTTP 400 invalid', 'ConfigurationError', apiError(400, 'Invalid storage class', 'invalid')],
    ['token endpoint 400 invalid_grant', 'DestinationAccessDenied', Object.assign(gaxiosError(400), { message: 'invalid_grant: Invalid JWT Signature.' })],
    ['STS 401 unauthorized_client', 'DestinationAccessDenied', Object.assign(gaxiosError(401), { message: 'unauthorized_client: The audience is not allowed' })],
    ["code '503'", 'TransientError', Object.assign(new Error('x'), { code: '503' })],
    ['retry limit exceeded', 'TransientError', new Error('Retry limit exceeded - status: 503')],
    ['ECONNRESET', 'TransientError', networkError('ECONNRESET')],
  ])('%s becomes %s', (_label, expected, err) => {
    const classified = classifyError(err, gcs);
    expect(classified.name).toBe(expected);
    expect(classified.cause).toBe(err);
  });

  it('names the place and the remedy for access denied', () => {
    expect(classifyError(apiError(403, 'Forbidden'), gcs).message).toMatch(/gs:\/\/d\/k.*service account/);
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
