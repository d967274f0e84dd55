/**
 * Bad-input corpus, source-object rows the local S3 server cannot hold (no storage classes, no encryption): archived,
 * restored, encrypted with a customer key or a KMS key we may not use. S3 answers through aws-sdk-client-mock the way
 * it does in AWS; the rest is real: the ASL, its handlers and the engine, writing to an in-memory GCS.
 */
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, InvalidObjectState, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { runBackupExecution } from '../../../workflows/local/runner';
import { logger } from '../../../workflows/logger';
import { loadRecordedErrors, rebuildError } from '../../support/recorded-errors';
import { s3Record } from './events';
import { FakeGcs } from './fake-gcs';

const s3Mock = mockClient(S3Client);
const BODY = Buffer.from('hello world');
const ETAG = createHash('md5').update(BODY).digest('hex');

beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => s3Mock.reset());

function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

/**
 * S3's description of the object, as HeadObject answers it and as a GET answers it with the body (the same headers):
 * a small copy whose event gives size and ETag reads both from its one GET.
 */
function head(extra: Record<string, unknown>): void {
  const described = { ContentLength: BODY.length, ETag: `"${ETAG}"`, ...extra };
  s3Mock.on(HeadObjectCommand).resolves(described);
  s3Mock.on(GetObjectCommand).callsFake(() => ({ ...described, Body: Readable.from([BODY]) }));
}

/** An archived object S3 has not restored: HEAD describes it; a GET is refused with InvalidObjectState naming its class. */
function archived(storageClass: string, restore?: string): void {
  head({ StorageClass: storageClass, ...(restore ? { Restore: restore } : {}) });
  s3Mock
    .on(GetObjectCommand)
    .rejects(new InvalidObjectState({ $metadata: { httpStatusCode: 403 }, message: "The operation is not valid for the object's storage class", StorageClass: storageClass as never }));
}

/** Backs up the object an event names; `object` overrides the event's (e.g. no size: described first). */
async function backUp(key: string, object: Record<string, unknown> = { size: BODY.length, eTag: ETAG }) {
  const gcs = new FakeGcs();
  const env = { s3: new S3Client({ region: 'us-east-1' }), storage: gcs.storage(), target: { bucket: 'backup', prefix: '' }, alerts: new LocalAlertSink(), retryIntervalMs: 0 };
  const result = await runBackupExecution(s3Record(key, { object }), env);
  return { result, gcs, alert: result.alerts[0]?.message ?? '' };
}

describe.each([
  ['O2', 'GLACIER'],
  ['O2', 'DEEP_ARCHIVE'],
])('%s %s, not restored', (_id, storageClass) => {
  test(`${_id} ${storageClass}: S3 refuses the small copy's one GET (InvalidObjectState): SourceNotReadable, FAILED with an alert naming the key and what to do`, async () => {
    archived(storageClass);
    const { result, gcs, alert } = await backUp(`archive/${storageClass}.bin`);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('SourceNotReadable');
    expect(result.cause).toContain(`(${storageClass}) and not restored; restore it (then replay) or exclude it from backup`);
    expect(alert).toContain(`Key: archive/${storageClass}.bin`);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(gcs.objects.size).toBe(0);
  });
});

test('O3 GLACIER with a restore in progress: SourceNotReadable (replay once the restore completes)', async () => {
  archived('GLACIER', 'ongoing-request="true"');
  const { result } = await backUp('archive/restoring.bin');
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('SourceNotReadable');
});

test('O4 GLACIER restored (a temporary copy is readable): copied', async () => {
  head({ StorageClass: 'GLACIER', Restore: 'ongoing-request="false", expiry-date="Fri, 27 Nov 2026 00:00:00 GMT"' });
  const { result, gcs } = await backUp('archive/restored.bin');
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ outcome: 'copied', bytes: BODY.length });
  expect(gcs.objects.get('source-bucket/archive/restored.bin')?.data.equals(BODY)).toBe(true);
});

test('O5 INTELLIGENT_TIERING in an archive access tier: GET says InvalidObjectState → SourceNotReadable', async () => {
  head({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'DEEP_ARCHIVE_ACCESS' });
  // S3's error names the storage class and the tier; the SDK parses both onto the exception.
  s3Mock.on(GetObjectCommand).rejects(
    new InvalidObjectState({
      $metadata: { httpStatusCode: 403 },
      message: "The operation is not valid for the object's access tier",
      StorageClass: 'INTELLIGENT_TIERING',
      AccessTier: 'DEEP_ARCHIVE_ACCESS',
    }),
  );
  const { result, alert } = await backUp('archive/tiered.bin');
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('SourceNotReadable');
  expect(result.cause).toContain("is in S3 Intelligent-Tiering's Deep Archive Access tier and not restored; restore it (then replay) or exclude it from backup");
  expect(alert).toContain('Key: archive/tiered.bin');
});

test('O6 GLACIER_IR (Instant Retrieval) is readable: copied', async () => {
  head({ StorageClass: 'GLACIER_IR' });
  const { result } = await backUp('archive/instant.bin');
  expect(result.output).toMatchObject({ outcome: 'copied', bytes: BODY.length });
});

test('O7 SSE-C, described first (no size in the event): HeadObject without the key is 400 → SourceNotReadable naming customer-provided keys', async () => {
  s3Mock.on(HeadObjectCommand).rejects(s3Error('BadRequest', 400, 'UnknownError'));
  const { result, alert } = await backUp('secret/customer-key.bin', { size: undefined, eTag: ETAG });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('SourceNotReadable');
  expect(result.cause).toMatch(/customer-provided keys \(SSE-C\) cannot be backed up without the key — exclude them/);
  expect(alert).toContain('Key: secret/customer-key.bin');
});

test('O7 SSE-C: GetObject without the key is 400 InvalidRequest → SourceNotReadable', async () => {
  head({});
  s3Mock
    .on(GetObjectCommand)
    .rejects(s3Error('InvalidRequest', 400, 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.'));
  const { result } = await backUp('secret/customer-key-get.bin');
  expect(result.error).toBe('SourceNotReadable');
  expect(result.cause).toMatch(/customer-provided keys \(SSE-C\) cannot be backed up without the key — exclude them/);
});

test('O8 SSE-KMS with a key the copier may not use: AccessDenied → SourceNotReadable naming kms:Decrypt', async () => {
  head({ ServerSideEncryption: 'aws:kms' });
  s3Mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: kms:Decrypt'));
  const { result } = await backUp('secret/kms.bin');
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('SourceNotReadable');
  expect(result.cause).toMatch(/grant the copier s3:GetObject and s3:GetObjectVersion \(and kms:Decrypt/);
});

describe.each([
  ['with its size: its one GET answers NoSuchBucket', { size: BODY.length, eTag: ETAG }],
  ['described first (no size in the event): HeadBucket tells a missing bucket from a missing key', { size: undefined, eTag: ETAG }],
])('O15 the source bucket does not exist (%s)', (_how, object) => {
  test('ConfigurationError, FAILED with an alert', async () => {
    // What S3 really answers (recorded from the local S3 server, test/fixtures/errors/s3.json): a GET error carries
    // NoSuchBucket in its body; a HEAD error has none, so HeadObject in a missing bucket is a bare 404 'NotFound', exactly
    // as for a missing key, and HeadBucket tells them apart.
    const recorded = new Map(loadRecordedErrors('s3.json').map((r) => [r.id, r.error]));
    s3Mock.on(GetObjectCommand).rejects(rebuildError(recorded.get('s3-get-missing-bucket')!));
    s3Mock.on(HeadObjectCommand).rejects(rebuildError(recorded.get('s3-head-missing-bucket')!));
    s3Mock.on(HeadBucketCommand).rejects(rebuildError(recorded.get('s3-head-bucket-missing')!));
    const { result, alert } = await backUp('anything.bin', object);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ConfigurationError');
    expect(result.cause).toMatch(/the source bucket source-bucket does not exist/);
    expect(alert).toContain('Error: ConfigurationError');
  });
});
