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
import { buildApp } from 'fauxqs';
import type { S3ObjectEvent } from './events.js';
import { urlEncodeListing } from './key-encoding.js';

// fauxqs exports only buildApp/startFauxqs; the stores are reachable by file URL (its `exports` map guards bare
// specifiers only). Pinned to fauxqs 2.4.1 in package.json; checked below so an upgrade fails loudly, not silently.
interface S3ObjectRecord {
  contentLength: number;
  etag: string;
  lastModified: Date;
}
interface S3StoreLike {
  spy?: { addMessage(message: SpyEvent): void };
  persistence?: unknown;
  headObject(bucket: string, key: string): S3ObjectRecord;
}
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
const SqsStore = await internal<object>('./sqs/sqsStore.js', 'SqsStore');
const SnsStore = await internal<object>('./sns/snsStore.js', 'SnsStore');
const s3Store = new S3Store();

let closePersistence: (() => void) | undefined;
if (dataDir) {
  const FileS3Persistence = await internal<{ loadS3(store: S3StoreLike): void; close(): void }>(
    './s3/fileS3Persistence.js',
    'FileS3Persistence',
  );
  const persistence = new (FileS3Persistence as unknown as new (dir: string) => InstanceType<typeof FileS3Persistence>)(dataDir);
  persistence.loadS3(s3Store);
  s3Store.persistence = persistence;
  closePersistence = () => persistence.close();
}

// S3 orders events of one key by a hex `sequencer`; ours grows with time and a counter, so it survives restarts.
let counter = 0;
function nextSequencer(): string {
  counter = (counter + 1) % 1_000_000;
  return (BigInt(Date.now()) * 1_000_000n + BigInt(counter)).toString(16).toUpperCase().padStart(20, '0');
}

function emit(event: S3ObjectEvent): void {
  if (process.send) process.send(event);
  else process.stdout.write(`${JSON.stringify(event)}\n`);
}

// fauxqs calls spy.addMessage synchronously right after the store changed, so headObject sees exactly that object.
s3Store.spy = {
  addMessage(message: SpyEvent): void {
    if (message.service !== 's3' || !message.bucket || message.key === undefined) return;
    const base = { bucket: message.bucket, key: message.key, sequencer: nextSequencer(), eventTime: new Date().toISOString() };
    if (message.status === 'uploaded' || message.status === 'copied' || message.status === 'renamed') {
      const obj = s3Store.headObject(message.bucket, message.key);
      emit({ ...base, type: 'created', size: obj.contentLength, etag: obj.etag.replace(/"/g, '') });
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
if (closePersistence) app.addHook('preClose', closePersistence);

// fauxqs 2.4.1 ignores encoding-type; S3 URL-encodes a listing's names when asked, which is the only way a key
// holding a CR or another character XML cannot carry survives the client's XML parser.
app.addHook('onSend', async (request, _reply, payload) => {
  const encodingType = (request.query as Record<string, unknown> | undefined)?.['encoding-type'];
  if (request.method !== 'GET' || encodingType !== 'url' || typeof payload !== 'string' || !payload.includes('<ListBucketResult')) return payload;
  return urlEncodeListing(payload);
});

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
process.on('disconnect', () => void stop());
