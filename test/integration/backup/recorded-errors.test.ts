/**
 * The recorded errors (test/fixtures/errors/, written by `npm run record-errors`) must still be what the installed
 * clients throw: a few are produced again, live, against the local servers and their faults, and must have the same
 * shape (constructor, name, the properties present, status, codes, cause chain) and classify the same. A client
 * upgrade that changes its error shapes fails here: re-record, then check the classifier's unit tests.
 */
import { Readable } from 'node:stream';
import { classifyError, isTransient, type ErrorContext } from '../../../workflows/backup/classify-error';
import { uploadStream } from '../../../workflows/copy/gcs-sink';
import { GCS_BUCKET, startRecordingEnvironment, type RecordingEnvironment } from '../../support/error-recording/environment';
import { ERROR_PRODUCERS } from '../../support/error-recording/producers';
import { loadRecordedErrors, rebuildError, snapshotError, type ErrorSnapshot } from '../../support/recorded-errors';
import { storageFor } from '../../support/gcs-emulator';

const LIVE = [
  's3-get-slow-down',
  's3-head-missing-bucket',
  's3-head-bucket-missing',
  's3-get-missing-bucket',
  's3-get-502-html',
  'sfn-start-throttled',
  'sfn-start-already-exists',
  'gcs-get-metadata-503',
  'gcs-resumable-missing-bucket',
  'gcs-resumable-session-404',
  'gcs-upload-hash-mismatch',
  's3-get-body-cut',
  'gcs-get-metadata-reset',
  'node-fetch-reset',
];

const recorded = new Map(['s3.json', 'sfn.json', 'gcs.json', 'node.json'].flatMap((f) => loadRecordedErrors(f)).map((r) => [r.id, r]));

/** What must not change between two recordings of one error (messages and request ids may). */
function shape(s: ErrorSnapshot): unknown {
  const metadata = s.props.$metadata as { httpStatusCode?: number } | undefined;
  return {
    constructorName: s.constructorName,
    name: s.name,
    props: Object.keys(s.props).sort(),
    ...(metadata ? { $metadata: { httpStatusCode: metadata.httpStatusCode } } : {}),
    code: s.props.code,
    status: s.props.status,
    $fault: s.props.$fault,
    Code: s.props.Code,
    cause: s.cause ? shape(s.cause) : undefined,
    errors: s.errors?.map(shape),
  };
}

function contextFor(id: string): ErrorContext {
  const side = id.startsWith('gcs-') ? 'gcs' : 's3';
  return { side, operation: 'op', location: 'x://b/k', uploadSession: id === 'gcs-resumable-session-404' };
}

let env: RecordingEnvironment;
beforeAll(async () => {
  env = await startRecordingEnvironment();
});
afterAll(() => env?.close());

describe('the recorded errors are what the installed clients throw', () => {
  it.each(LIVE)('%s', async (id) => {
    const producer = ERROR_PRODUCERS.find((p) => p.id === id)!;
    const fixture = recorded.get(id)!;
    const live = await producer.produce(env);
    expect(shape(snapshotError(live))).toEqual(shape(fixture.error));
    const [now, then] = [classifyError(live, contextFor(id)), classifyError(rebuildError(fixture.error), contextFor(id))];
    expect(now.name).toBe(then.name);
    expect(isTransient(live)).toBe(isTransient(rebuildError(fixture.error)));
  });
  // Under jest, socket errors come from another realm and the SDK's wrapper loses their code and name (outside jest,
  // recorded: TimeoutError, code ECONNRESET); the socket error's text still names it, which the classifier reads.
  it('s3-get-reset (under jest the SDK keeps only the message) still classifies as recorded', async () => {
    const live = await ERROR_PRODUCERS.find((p) => p.id === 's3-get-reset')!.produce(env);
    expect((live as Error).message).toMatch(/ECONNRESET/);
    expect(classifyError(live, contextFor('s3-get-reset')).name).toBe(classifyError(rebuildError(recorded.get('s3-get-reset')!.error), contextFor('s3-get-reset')).name);
  });
});

describe('the GCS sink, live', () => {
  it('calls a 404 on the session URI of a started resumable upload "session expired, restart the upload"', async () => {
    env.gcs.faults.clear();
    const name = `sink-session-404-${Date.now()}`;
    const storage = storageFor(env.gcs);
    const chunks = Array.from({ length: 6 }, (_, i) => Buffer.alloc(256 * 1024, i));
    let injected = false;
    // Called once GCS confirmed bytes: the session exists, and from now on its URI answers 404.
    const onConfirmed = (): void => {
      if (injected) return;
      injected = true;
      env.gcs.faults.inject({ operation: 'storage.objects.insert', fault: 'return-404', times: 10, objectName: name });
    };
    const spec = { bucket: GCS_BUCKET, name, ifGenerationMatch: '0', metadata: {} as never };
    const err = (await uploadStream(storage, spec, Readable.from(chunks), 256 * 1024, undefined, onConfirmed).catch((e: unknown) => e)) as Error;
    expect(injected).toBe(true);
    expect(err.name).toBe('TransientError');
    expect(err.message).toMatch(/resumable upload session expired or was lost \(HTTP 404\); restart the upload/);
  });

  it('still calls a 404 when the session starts a missing bucket (ConfigurationError)', async () => {
    env.gcs.faults.clear();
    const storage = storageFor(env.gcs);
    const err = (await uploadStream(storage, { bucket: 'no-such-bucket', name: 'x', ifGenerationMatch: '0', metadata: {} as never }, Readable.from([Buffer.alloc(1024)]), 256 * 1024).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('ConfigurationError');
  });
});
