/**
 * Child-process entry of the local S3 server (fauxqs 2.4.1 is ESM-only; the project is CommonJS under jest).
 *
 *   node --import tsx workflows/local/s3-server/server.mts [port=0] [dataDir]
 *
 * Listens on 127.0.0.1 only (fauxqs's own startFauxqs binds 0.0.0.0), prints ONE JSON line
 * `{"ready":true,"endpoint":"http://127.0.0.1:PORT"}` on stdout, then reports every object created or removed
 * as an `S3ObjectEvent` (see ./events.ts) over IPC when the parent opened an IPC channel, else as stdout JSON lines.
 * Stops on SIGTERM/SIGINT or when the parent disconnects.
 */
import { isEventAck, PendingAcks } from './event-acks.js';
import { buildApp } from 'fauxqs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createdEventName, type S3CreatedEventName, type S3ObjectEvent } from './events.js';
import { HashedS3Persistence, type RestorableStore } from './hashed-persistence.js';
import { isAwsChunked, readRequestBody, RequestBodyError } from './request-body.js';
import { escapeXml, listBucketResult, ListingError, type ListedObject } from './listing.js';
import { installIntegrity, type RequestContext } from './integrity.js';

// fauxqs exports only buildApp/startFauxqs; the stores are reachable by file URL (its `exports` map guards bare
// specifiers only). Pinned to fauxqs 2.4.1 in package.json; checked below so an upgrade fails loudly, not silently.
import type { S3ObjectRecord, S3StoreLike } from './integrity.js';
interface SpyEvent {
  service: string;
  bucket?: string;
  key?: string;
  status?: string;
}
type Ctor<T> = new (...args: never[]) => T;

const fauxqsMain = import.meta.resolve('fauxqs');
async function internal<T>(path: string, exportName: string): Promise<Ctor<T>> {
  const mod = (await import(new URL(path, fauxqsMain).href)) as Record<string, unknown>;
  const ctor = mod[exportName];
  if (typeof ctor !== 'function') throw new Error(`fauxqs internals moved: ${path} has no ${exportName} (expected fauxqs 2.4.1)`);
  return ctor as Ctor<T>;
}

const port = Number(process.argv[2] ?? '0');
const dataDir = process.argv[3];
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port argument: ${process.argv[2]}`);

const S3Store = await internal<S3StoreLike>('./s3/s3Store.js', 'S3Store');
const S3Error = await internal<Error>('./common/errors.js', 'S3Error');
const SqsStore = await internal<object>('./sqs/sqsStore.js', 'SqsStore');
const SnsStore = await internal<object>('./sns/snsStore.js', 'SnsStore');
const s3Store = new S3Store();

let closePersistence: (() => void) | undefined;
if (dataDir) {
  // Ours, not fauxqs's FileS3Persistence: that one turned keys into paths (./hashed-persistence.ts).
  const persistence = new HashedS3Persistence(dataDir);
  persistence.loadS3(s3Store as unknown as RestorableStore);
  s3Store.persistence = persistence;
  closePersistence = () => persistence.close();
}

// S3 orders events of one key by a hex `sequencer`; ours grows with time and a counter, so it survives restarts.
let counter = 0;
function nextSequencer(): string {
  counter = (counter + 1) % 1_000_000;
  return (BigInt(Date.now()) * 1_000_000n + BigInt(counter)).toString(16).toUpperCase().padStart(20, '0');
}

// With a parent, each event waits for its acknowledgement before the request that caused it is answered (./event-acks.ts).
const acks = new PendingAcks();
process.on('message', (msg) => {
  if (isEventAck(msg)) acks.settle(msg);
});
function emit(event: S3ObjectEvent): void {
  if (!process.send) {
    process.stdout.write(`${JSON.stringify(event)}\n`);
    return;
  }
  const ackId = acks.track();
  const refuse = (why: string): void => acks.settle({ ack: ackId, error: why });
  if (!process.connected) return refuse('the S3 server lost its parent process');
  process.send({ ...event, ackId }, undefined, {}, (err) => {
    if (err) refuse(err.message);
  });
}

// Each request runs in its own context, so an event knows the request that caused it (S3 names events by it) and the
// store knows the request's checksums and conditions (./integrity.ts).
const requestContext = new AsyncLocalStorage<RequestContext>();

// fauxqs calls spy.addMessage synchronously right after the store changed, so headObject sees exactly that object.
// A CopyObject stores through putObject ('uploaded') and then reports 'copied': one S3 event, named by the request.
s3Store.spy = {
  addMessage(message: SpyEvent): void {
    if (message.service !== 's3' || !message.bucket || message.key === undefined) return;
    const base = { bucket: message.bucket, key: message.key, sequencer: nextSequencer(), eventTime: new Date().toISOString() };
    if (message.status === 'uploaded' || message.status === 'renamed') {
      const obj = s3Store.headObject(message.bucket, message.key);
      const eventName: S3CreatedEventName = requestContext.getStore()?.eventName ?? 'ObjectCreated:Put';
      emit({ ...base, type: 'created', size: obj.contentLength, etag: obj.etag.replace(/"/g, ''), eventName });
    } else if (message.status === 'deleted') {
      emit({ ...base, type: 'removed' });
    }
  },
};

const app = buildApp({
  logger: false,
  stores: { s3Store, sqsStore: new SqsStore(), snsStore: new SnsStore() } as unknown as NonNullable<
    Parameters<typeof buildApp>[0]
  >['stores'],
});
// A write is answered only once the events it caused are acknowledged (./event-acks.ts).
app.addHook('onSend', async (request, _reply, payload) => {
  if (request.method !== 'GET' && request.method !== 'HEAD') await acks.outstanding();
  return payload;
});
if (closePersistence) app.addHook('preClose', closePersistence);

app.addHook('onRequest', (request, _reply, done) => {
  const eventName = createdEventName({ method: request.method, headers: request.headers, query: (request.query ?? {}) as Record<string, unknown> });
  requestContext.run({ eventName, headers: request.headers }, done);
});

// Bodies up to S3's 5 GiB, read once into one buffer (./request-body.ts) instead of fauxqs's 11 MiB buffer parser.
// fauxqs's SQS and SNS parsers go too: this server serves S3 only.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (request, payload, done) => {
  readRequestBody(payload, request.headers).then(({ body, trailers }) => {
    if (isAwsChunked(request.headers)) {
      // Already decoded: fauxqs must not decode again; it reads trailing checksums from the headers.
      const rest = String(request.headers['content-encoding']).split(',').map((e) => e.trim()).filter((e) => e && e !== 'aws-chunked');
      if (rest.length) request.headers['content-encoding'] = rest.join(', ');
      else delete request.headers['content-encoding'];
      Object.assign(request.headers, trailers);
    }
    done(null, body);
  }, (err: unknown) => done(err as Error));
});
// A PUT with no body and no Content-Type (the AWS CLI's empty upload) reaches fauxqs with no body at all: it then
// fails with 500. S3 stores an empty object.
app.addHook('preHandler', async (request) => {
  if (request.method === 'PUT' && request.body === undefined) request.body = Buffer.alloc(0);
});
// Checksums checked and stored, conditional writes and HEADs (./integrity.ts): fauxqs ignores both.
installIntegrity(app, s3Store, requestContext, S3Error as never, errorXml);
app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
  const status = err instanceof RequestBodyError ? err.statusCode : (err.statusCode ?? 500);
  const code = err instanceof RequestBodyError ? err.code : status === 500 ? 'InternalError' : 'InvalidRequest';
  if (status === 500) process.stderr.write(`local S3 server: ${err.stack ?? err.message}\n`);
  return reply.header('content-type', 'application/xml').status(status).send(errorXml(code, err.message, request.url));
});

// Listings are ours (./listing.ts): fauxqs sorts with localeCompare and its pages then drop keys.
app.addHook('preHandler', async (request, reply) => {
  const params = request.params as { bucket?: string; '*'?: string } | undefined;
  const query = (request.query ?? {}) as Record<string, string | undefined>;
  if (request.method !== 'GET' || !params?.bucket || params['*'] || 'lifecycle' in query) return;
  reply.header('content-type', 'application/xml');
  const objects = s3Store.buckets.get(params.bucket);
  if (!objects) return reply.status(404).send(errorXml('NoSuchBucket', 'The specified bucket does not exist', params.bucket));
  try {
    return reply.status(200).send(listBucketResult(params.bucket, listed(objects.values()), query));
  } catch (err) {
    if (err instanceof ListingError) return reply.status(400).send(errorXml(err.code, err.message, params.bucket));
    throw err;
  }
});

function* listed(objects: Iterable<S3ObjectRecord>): Iterable<ListedObject> {
  for (const o of objects) yield { key: o.key, size: o.contentLength, etag: o.etag, lastModified: o.lastModified };
}

function errorXml(code: string, message: string, resource: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>local</RequestId></Error>`
  );
}

const address = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ ready: true, endpoint: address })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => {
  acks.failAll('the S3 server lost its parent process');
  void stop();
});
