import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Storage } from '@google-cloud/storage';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { localS3Client } from '../../../workflows/local/s3-server';
import {
  GCS_BUCKET,
  S3_BUCKET,
  S3_KEY,
  awsJsonAnswer,
  htmlAnswer,
  s3Answer,
  SFN_ARN,
  type RecordingEnvironment,
} from './environment';

/**
 * How each recorded error is produced, live. scripts/record-errors.ts runs them all and writes the fixtures;
 * test/integration/classify-error/recorded-errors.test.ts runs a few again and checks they still look the same.
 */
export interface ErrorProducer {
  id: string;
  how: string;
  client: 's3' | 'sfn' | 'gcs' | 'node';
  /** Resolves with what was thrown; rejects if nothing failed. */
  produce(env: RecordingEnvironment): Promise<unknown>;
}

const PIN = { Bucket: S3_BUCKET, Key: S3_KEY };

/** Runs `work` and returns what it threw. */
async function thrown(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, but the call succeeded');
}

/** The S3 client as the copiers build it (workflows/backup/clients.ts: the SDK's default 3 attempts), at `endpoint`. */
function s3At(endpoint: string, config: Parameters<typeof localS3Client>[1] = {}): S3Client {
  return localS3Client(endpoint, config);
}

async function withS3<T>(client: S3Client, work: (s3: S3Client) => Promise<T>): Promise<T> {
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

/** A fault from the S3 proxy on every eligible request while `work` runs. */
async function viaS3Proxy(env: RecordingEnvironment, kind: 'slow-down' | 'reset' | 'broken-stream' | 'stall', work: (s3: S3Client) => Promise<unknown>, config = {}): Promise<unknown> {
  env.s3Proxy.setRates({ [kind]: 1 });
  try {
    return await withS3(s3At(env.s3Proxy.endpoint, config), (s3) => thrown(() => work(s3)));
  } finally {
    env.s3Proxy.setRates({});
  }
}

async function viaCanned(env: RecordingEnvironment, answer: Parameters<RecordingEnvironment['canned']['answer']>[0], work: (s3: S3Client) => Promise<unknown>): Promise<unknown> {
  env.canned.answer(answer);
  return withS3(s3At(env.canned.endpoint), (s3) => thrown(() => work(s3)));
}

const getObject = (s3: S3Client, input: Partial<typeof PIN> & Record<string, unknown> = {}) => s3.send(new GetObjectCommand({ ...PIN, ...input }));
const headObject = (s3: S3Client, input: Partial<typeof PIN> & Record<string, unknown> = {}) => s3.send(new HeadObjectCommand({ ...PIN, ...input }));

/** GetObject, then read the whole body: a cut body fails while reading, after the SDK returned. */
async function getAndRead(s3: S3Client): Promise<void> {
  const res = await getObject(s3);
  for await (const chunk of res.Body as Readable) void chunk;
}

const S3_PRODUCERS: ErrorProducer[] = [
  {
    id: 's3-get-slow-down',
    how: 'GetObject through the fault proxy answering 503 SlowDown (S3 XML) to every attempt; default client (3 attempts)',
    client: 's3',
    produce: (env) => viaS3Proxy(env, 'slow-down', (s3) => getObject(s3)),
  },
  {
    id: 's3-head-slow-down',
    how: 'HeadObject through the fault proxy answering 503 with no body (a HEAD has none) to every attempt',
    client: 's3',
    produce: (env) => viaS3Proxy(env, 'slow-down', (s3) => headObject(s3)),
  },
  {
    id: 's3-get-reset',
    how: 'GetObject through the fault proxy resetting every connection before any response byte',
    client: 's3',
    produce: (env) => viaS3Proxy(env, 'reset', (s3) => getObject(s3)),
  },
  {
    id: 's3-get-body-cut',
    how: 'GetObject through the fault proxy sending the headers and part of the body, then resetting; error from reading Body',
    client: 's3',
    produce: (env) => viaS3Proxy(env, 'broken-stream', getAndRead),
  },
  {
    id: 's3-get-timeout',
    how: 'GetObject through the fault proxy stalling the request longer than the client requestTimeout (300 ms), maxAttempts 1',
    client: 's3',
    produce: (env) => viaS3Proxy(env, 'stall', (s3) => getObject(s3), { maxAttempts: 1, requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } }),
  },
  {
    id: 's3-connection-refused',
    how: 'GetObject to a port nothing listens on, maxAttempts 1',
    client: 's3',
    produce: (env) => withS3(s3At(`http://127.0.0.1:${env.closedPort}`, { maxAttempts: 1 }), (s3) => thrown(() => getObject(s3))),
  },
  {
    id: 's3-head-missing-key',
    how: 'HeadObject of a key that does not exist (404, no body)',
    client: 's3',
    produce: (env) => withS3(s3At(env.s3.endpoint), (s3) => thrown(() => headObject(s3, { Key: 'no-such-key' }))),
  },
  {
    id: 's3-head-missing-bucket',
    how: 'HeadObject in a bucket that does not exist (404, no body: S3 cannot say NoSuchBucket on a HEAD)',
    client: 's3',
    produce: (env) => withS3(s3At(env.s3.endpoint), (s3) => thrown(() => headObject(s3, { Bucket: 'no-such-bucket' }))),
  },
  {
    id: 's3-head-bucket-missing',
    how: 'HeadBucket of a bucket that does not exist (404, no body)',
    client: 's3',
    produce: (env) => withS3(s3At(env.s3.endpoint), (s3) => thrown(() => s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })))),
  },
  {
    id: 's3-get-missing-key',
    how: 'GetObject of a key that does not exist (404 NoSuchKey)',
    client: 's3',
    produce: (env) => withS3(s3At(env.s3.endpoint), (s3) => thrown(() => getObject(s3, { Key: 'no-such-key' }))),
  },
  {
    id: 's3-get-missing-bucket',
    how: 'GetObject in a bucket that does not exist (404 NoSuchBucket)',
    client: 's3',
    produce: (env) => withS3(s3At(env.s3.endpoint), (s3) => thrown(() => getObject(s3, { Bucket: 'no-such-bucket' }))),
  },
  {
    id: 's3-get-if-match-failed',
    how: 'GetObject with an If-Match ETag the object no longer has (412 PreconditionFailed)',
    client: 's3',
    produce: (env) => withS3(s3At(env.s3.endpoint), (s3) => thrown(() => getObject(s3, { IfMatch: '"0123456789abcdef0123456789abcdef"' }))),
  },
  ...(
    [
      ['s3-get-500-internal-error', s3Answer(500, 'InternalError', 'We encountered an internal error. Please try again.')],
      ['s3-get-503-service-unavailable', s3Answer(503, 'ServiceUnavailable', 'Service is unable to handle request.')],
      ['s3-get-502-html', htmlAnswer(502, 'Bad Gateway')],
      ['s3-get-504-html', htmlAnswer(504, 'Gateway Timeout')],
      ['s3-get-400-request-timeout', s3Answer(400, 'RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.')],
      ['s3-get-501-not-implemented', s3Answer(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented.')],
      ['s3-get-403-access-denied', s3Answer(403, 'AccessDenied', 'Access Denied')],
      ['s3-get-400-invalid-request-sse-c', s3Answer(400, 'InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.')],
      ['s3-get-403-invalid-object-state', s3Answer(403, 'InvalidObjectState', 'The operation is not valid for the object\'s storage class')],
    ] as const
  ).map(([id, answer]): ErrorProducer => ({
    id,
    how: `GetObject answered ${answer.status} ${answer.headers?.['content-type'] === 'text/html' ? 'with an HTML page' : 'with S3\'s XML error'} by the canned server on every attempt; default client`,
    client: 's3',
    produce: (env) => viaCanned(env, answer, (s3) => getObject(s3)),
  })),
];

function sfnAt(endpoint: string, maxAttempts = 1): SFNClient {
  return new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });
}

async function startExecution(endpoint: string, name = `rec-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`): Promise<unknown> {
  const sfn = sfnAt(endpoint);
  try {
    return await sfn.send(new StartExecutionCommand({ stateMachineArn: SFN_ARN, name, input: '{}' }));
  } finally {
    sfn.destroy();
  }
}

const SFN_PRODUCERS: ErrorProducer[] = [
  {
    id: 'sfn-start-already-exists',
    how: 'StartExecution twice with one name on the local Step Functions endpoint (ExecutionAlreadyExists)',
    client: 'sfn',
    produce: async (env) => {
      const name = `rec-dup-${Date.now()}`;
      await startExecution(env.sfn.endpoint, name);
      return thrown(() => startExecution(env.sfn.endpoint, name));
    },
  },
  {
    id: 'sfn-start-reset',
    how: 'StartExecution through a fault proxy resetting the connection (maxAttempts 1, as start-executions builds it)',
    client: 'sfn',
    produce: async (env) => {
      env.sfnProxy.setRates({ reset: 1 });
      try {
        return await thrown(() => startExecution(env.sfnProxy.endpoint));
      } finally {
        env.sfnProxy.setRates({});
      }
    },
  },
  ...(
    [
      ['sfn-start-throttled', awsJsonAnswer(400, 'ThrottlingException', 'Rate exceeded')],
      ['sfn-start-500-internal-failure', awsJsonAnswer(500, 'InternalFailure', 'An internal error occurred.')],
      ['sfn-start-503-html', htmlAnswer(503, 'Service Unavailable')],
      ['sfn-start-invalid-name', awsJsonAnswer(400, 'InvalidName', "Invalid Name: 'a b'")],
    ] as const
  ).map(([id, answer]): ErrorProducer => ({
    id,
    how: `StartExecution answered ${answer.status} by the canned server (AWS JSON 1.0 error or an HTML page), maxAttempts 1`,
    client: 'sfn',
    produce: (env) => {
      env.canned.answer(answer);
      return thrown(() => startExecution(env.canned.endpoint));
    },
  })),
];

/** A Storage client for the emulator; `retries: false` shows the first failure, else fast retries until given up. */
function storageAt(endpoint: string, retries: boolean): Storage {
  return new Storage({
    apiEndpoint: endpoint,
    projectId: 'recording',
    retryOptions: retries ? { retryDelayMultiplier: 1.1, maxRetryDelay: 1, totalTimeout: 30, maxRetries: 1 } : { autoRetry: false, maxRetries: 0 },
  });
}

function gcsFault(env: RecordingEnvironment, operation: string, fault: string, times = 10): void {
  env.gcs.faults.clear();
  env.gcs.faults.inject({ operation, fault, times });
}

const readMetadata = (storage: Storage, name = 'object.bin', bucket = GCS_BUCKET) => storage.bucket(bucket).file(name).getMetadata();
const saveSmall = (storage: Storage, name: string, bucket = GCS_BUCKET, extra: Record<string, unknown> = {}) =>
  storage.bucket(bucket).file(name).save(Buffer.from('recorded'), { resumable: false, validation: false, preconditionOpts: { ifGenerationMatch: 0 }, ...extra });

/** A resumable upload the way gcs-sink.ts streams it: 256 KiB chunks, ifGenerationMatch 0, client hashing off. */
async function resumableUpload(storage: Storage, name: string, bytes: number, bucket = GCS_BUCKET, onFirstChunk?: () => void): Promise<void> {
  const sink = storage.bucket(bucket).file(name).createWriteStream({ resumable: true, chunkSize: 256 * 1024, validation: false, preconditionOpts: { ifGenerationMatch: 0 } });
  let fired = false;
  sink.on('progress', () => {
    if (fired) return;
    fired = true;
    onFirstChunk?.();
  });
  const chunks = Array.from({ length: bytes / (64 * 1024) }, () => Buffer.alloc(64 * 1024, 1));
  await pipeline(Readable.from(chunks), sink);
}

async function withStorage(storage: Storage, work: (s: Storage) => Promise<unknown>): Promise<unknown> {
  return thrown(() => work(storage));
}

const GCS_STATUS_PRODUCERS: ErrorProducer[] = [408, 429, 500, 502, 503, 504].map((status) => ({
  id: `gcs-get-metadata-${status}`,
  how: `objects.get (metadata) answered ${status} by the emulator (return-${status}), client retries off`,
  client: 'gcs',
  produce: (env) => {
    gcsFault(env, 'storage.objects.get', `return-${status}`);
    return withStorage(storageAt(env.gcs.url, false), (s) => readMetadata(s));
  },
}));

const GCS_PRODUCERS: ErrorProducer[] = [
  ...GCS_STATUS_PRODUCERS,
  {
    id: 'gcs-get-metadata-503-retried',
    how: 'objects.get (metadata) answered 503 every time, client retries on (fast) until it gives up',
    client: 'gcs',
    produce: (env) => {
      gcsFault(env, 'storage.objects.get', 'return-503');
      return withStorage(storageAt(env.gcs.url, true), (s) => readMetadata(s));
    },
  },
  {
    id: 'gcs-get-metadata-reset',
    how: 'objects.get (metadata) with the connection reset, client retries off',
    client: 'gcs',
    produce: (env) => {
      gcsFault(env, 'storage.objects.get', 'return-reset-connection');
      return withStorage(storageAt(env.gcs.url, false), (s) => readMetadata(s));
    },
  },
  {
    id: 'gcs-get-metadata-404',
    how: 'objects.get (metadata) of an object that does not exist (404)',
    client: 'gcs',
    produce: (env) => {
      env.gcs.faults.clear();
      return withStorage(storageAt(env.gcs.url, false), (s) => readMetadata(s, 'no-such-object'));
    },
  },
  {
    id: 'gcs-upload-503-retried',
    how: 'single-request upload (save, ifGenerationMatch 0) answered 503 every time, client retries on until it gives up',
    client: 'gcs',
    produce: (env) => {
      gcsFault(env, 'storage.objects.insert', 'return-503');
      return withStorage(storageAt(env.gcs.url, true), (s) => saveSmall(s, `upload-503-${Date.now()}`));
    },
  },
  {
    id: 'gcs-upload-401',
    how: 'single-request upload answered 401 (return-401)',
    client: 'gcs',
    produce: (env) => {
      gcsFault(env, 'storage.objects.insert', 'return-401');
      return withStorage(storageAt(env.gcs.url, false), (s) => saveSmall(s, `upload-401-${Date.now()}`));
    },
  },
  {
    id: 'gcs-upload-403',
    how: 'single-request upload answered 403 (return-403)',
    client: 'gcs',
    produce: (env) => {
      gcsFault(env, 'storage.objects.insert', 'return-403');
      return withStorage(storageAt(env.gcs.url, false), (s) => saveSmall(s, `upload-403-${Date.now()}`));
    },
  },
  {
    id: 'gcs-upload-missing-bucket',
    how: 'single-request upload into a bucket that does not exist (404)',
    client: 'gcs',
    produce: (env) => {
      env.gcs.faults.clear();
      return withStorage(storageAt(env.gcs.url, false), (s) => saveSmall(s, 'x', 'no-such-bucket'));
    },
  },
  {
    id: 'gcs-upload-precondition-failed',
    how: 'single-request upload with ifGenerationMatch 0 over an existing object (412)',
    client: 'gcs',
    produce: async (env) => {
      env.gcs.faults.clear();
      const name = `exists-${Date.now()}`;
      await saveSmall(storageAt(env.gcs.url, false), name);
      return withStorage(storageAt(env.gcs.url, false), (s) => saveSmall(s, name));
    },
  },
  {
    id: 'gcs-upload-hash-mismatch',
    how: 'single-request upload declaring a CRC32C the bytes do not have (400)',
    client: 'gcs',
    produce: (env) => {
      env.gcs.faults.clear();
      return withStorage(storageAt(env.gcs.url, false), (s) => saveSmall(s, `bad-hash-${Date.now()}`, GCS_BUCKET, { metadata: { crc32c: 'AAAAAA==' } }));
    },
  },
  {
    id: 'gcs-resumable-missing-bucket',
    how: 'resumable upload into a bucket that does not exist: the session start (POST) answers 404',
    client: 'gcs',
    produce: (env) => {
      env.gcs.faults.clear();
      return withStorage(storageAt(env.gcs.url, false), (s) => resumableUpload(s, 'x', 512 * 1024, 'no-such-bucket'));
    },
  },
  {
    id: 'gcs-resumable-session-404',
    how: 'resumable upload whose session URI answers 404 after the first chunk was accepted (GCS: the session expired)',
    client: 'gcs',
    produce: (env) => {
      env.gcs.faults.clear();
      const name = `session-404-${Date.now()}`;
      return withStorage(storageAt(env.gcs.url, true), (s) =>
        resumableUpload(s, name, 1024 * 1024, GCS_BUCKET, () => env.gcs.faults.inject({ operation: 'storage.objects.insert', fault: 'return-404', times: 10, objectName: name })),
      );
    },
  },
  {
    id: 'gcs-resumable-chunk-503-retried',
    how: 'resumable upload whose chunks answer 503 after the first, client retries on until it gives up',
    client: 'gcs',
    produce: (env) => {
      env.gcs.faults.clear();
      const name = `chunk-503-${Date.now()}`;
      return withStorage(storageAt(env.gcs.url, true), (s) =>
        resumableUpload(s, name, 1024 * 1024, GCS_BUCKET, () => env.gcs.faults.inject({ operation: 'storage.objects.insert', fault: 'return-503', times: 100, objectName: name })),
      );
    },
  },
  {
    id: 'gcs-connection-refused',
    how: 'objects.get (metadata) against a port nothing listens on, client retries off',
    client: 'gcs',
    produce: (env) => withStorage(storageAt(`http://127.0.0.1:${env.closedPort}`, false), (s) => readMetadata(s)),
  },
];

/** A server that accepts connections and resets each at once. */
async function withResettingServer<T>(work: (port: number) => Promise<T>): Promise<T> {
  const server = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await work((server.address() as { port: number }).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A server that accepts connections and never answers. */
async function withSilentServer<T>(work: (port: number) => Promise<T>): Promise<T> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await work((server.address() as { port: number }).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function httpGet(port: number, timeoutMs?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', ...(timeoutMs ? { timeout: timeoutMs } : {}) }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error('socket timeout'), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end();
  });
}

const NODE_PRODUCERS: ErrorProducer[] = [
  {
    id: 'node-http-reset',
    how: 'node:http GET to a server that resets the connection (ECONNRESET)',
    client: 'node',
    produce: () => withResettingServer((port) => thrown(() => httpGet(port))),
  },
  {
    id: 'node-http-refused',
    how: 'node:http GET to a port nothing listens on (ECONNREFUSED)',
    client: 'node',
    produce: (env) => thrown(() => httpGet(env.closedPort)),
  },
  {
    id: 'node-fetch-reset',
    how: 'fetch() to a server that resets the connection (TypeError "fetch failed" with the socket error as cause)',
    client: 'node',
    produce: () => withResettingServer((port) => thrown(() => fetch(`http://127.0.0.1:${port}/`))),
  },
  {
    id: 'node-fetch-refused',
    how: 'fetch() to a port nothing listens on',
    client: 'node',
    produce: (env) => thrown(() => fetch(`http://127.0.0.1:${env.closedPort}/`)),
  },
  {
    id: 'node-fetch-timeout',
    how: 'fetch() to a server that never answers, with AbortSignal.timeout(200) (DOMException TimeoutError)',
    client: 'node',
    produce: () => withSilentServer((port) => thrown(() => fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(200) }))),
  },
  {
    id: 'node-stream-premature-close',
    how: 'stream.pipeline whose source is destroyed before it ends (ERR_STREAM_PREMATURE_CLOSE)',
    client: 'node',
    produce: () =>
      thrown(async () => {
        const source = new PassThrough();
        const done = pipeline(source, new Writable({ write: (_c, _e, cb) => cb() }));
        source.write('x');
        source.destroy();
        await done;
      }),
  },
];

export const ERROR_PRODUCERS: readonly ErrorProducer[] = [...S3_PRODUCERS, ...SFN_PRODUCERS, ...GCS_PRODUCERS, ...NODE_PRODUCERS];
