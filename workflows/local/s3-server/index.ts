/**
 * Local S3 server: fauxqs 2.4.1 in a child process, speaking the real S3 protocol on 127.0.0.1, with a thin wrapper
 * (./server.mts) where fauxqs answers what S3 never answers.
 *
 * Why fauxqs (measured, see FACTS.md): it honours IfMatch on GET (412) and serves GETs at ~400-940 MB/s; s3rver stores
 * streamed bodies with their aws-chunked framing (silent corruption) and ignores IfMatch. It is ESM-only while this
 * project is CommonJS under jest, hence the child process.
 *
 * Why a wrapper rather than a patch-package patch or another server (issue 12): the faults sit behind seams
 * fauxqs exposes — the S3Store instance we construct (its persistence, spy and write methods), Fastify hooks and content-type
 * parsers — so each fix is our own small module, unit-tested in-process and checked at startup, not a diff against
 * fauxqs's compiled dist/ that every upgrade must re-apply (and a postinstall step for `npm ci`). Another server
 * would repeat the s3rver measurements above and lose what fauxqs gets right. What the wrapper replaces:
 * - Listings (./listing.ts): fauxqs sorts with localeCompare and its continuation dropped keys (`aws s3 ls
 *   --page-size 4` listed 27 of 28 names, 1,001 keys listed as 1,000). Ours are in UTF-8 byte order as S3
 *   documents, V1 and V2. A page re-sorts the bucket: ~8 ms at 10,000 keys, ~0.5 s at 100,000 on this 2-core machine.
 * - Request bodies (./request-body.ts): fauxqs capped them at 11 MiB (413) and copied each 2-3 times; ours take up to
 *   S3's 5 GiB per PUT or part into one buffer (a 1 GiB PUT: server peak RSS 1,162 MiB from 100 MiB). An empty PUT
 *   without Content-Type (the AWS CLI's) no longer fails with 500.
 * - Events: one per request, named as S3 names it (CopyObject was reported as two Puts).
 * - dataDir persistence (./hashed-persistence.ts): fauxqs turned keys into paths (`../../x` escaped the directory).
 * - Checksums and conditions (./integrity.ts, ./checksums.ts, ./conditions.ts): fauxqs read only the CRC32, SHA1 and
 *   SHA256 headers, accepted wrong values, computed CRC32C composites with SHA256 and ignored If-None-Match/If-Match on
 *   writes and every condition on HEAD, so the engine's "S3 vouches for a full-object CRC32C" path and restore's
 *   S3-checksum proof never ran locally.
 *
 * What it supports, checked against @aws-sdk/client-s3 and the AWS CLI (test/integration/copy/s3-server.test.ts,
 * test/integration/local/s3-*.test.ts; the README's table says the same for users):
 * - GetObject Range (206 + Content-Range), IfMatch on GET (412 PreconditionFailed, checked before Range), 404 NoSuchKey.
 * - HeadObject: Content-Type/-Encoding/-Disposition/-Language, Cache-Control, x-amz-meta-*, ETag, Last-Modified;
 *   If-Match/If-Unmodified-Since (412) and If-None-Match/If-Modified-Since (304) as S3 answers them.
 * - Checksums: CRC32, CRC32C, CRC64NVME, SHA1 and SHA256, declared in a header or an aws-chunked trailer, computed and
 *   checked (400 BadDigest), stored (in the dataDir too) and returned with ChecksumMode ENABLED on HEAD and
 *   whole-object GETs (not ranges, as S3): FULL_OBJECT for PutObject; for multipart uploads CreateMultipartUpload's
 *   ChecksumAlgorithm and ChecksumType (COMPOSITE `xxx-N` by default, FULL_OBJECT for CRC32/CRC32C/CRC64NVME), each part
 *   checked, the parts listed at completion checked against them.
 * - Conditional writes: PutObject, CopyObject and CompleteMultipartUpload with `If-None-Match: *` or `If-Match` (412;
 *   404 for If-Match without an object). Writes apply one at a time, so S3's 409 race answer ends in 412 here.
 * - Multipart upload (parts >= 5 MiB except the last, up to 5 GiB each), multipart ETags `md5-of-md5s-N`; completing
 *   one holds the parts and the assembled object in memory at once. CopyObject, DeleteObject(s).
 * - NOT supported: versioning (no VersionId; a VersionId parameter is ignored), bucket notifications (we forward
 *   store events instead: onObjectEvent), SSE, storage classes/Glacier, S3's default CRC64NVME for uploads that
 *   declare no checksum, a new checksum on CopyObject (it keeps the source's), SQS and SNS (fauxqs serves them; this
 *   server removes their body parsers).
 * Configure clients with localS3Client(): the SDK's default flexible checksums are off ('WHEN_REQUIRED'), which
 * keeps streamed uploads of unknown length working and avoids hashing every GET twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { EventAck } from './event-acks';
import { isS3ObjectEvent, type S3ObjectEvent } from './events';

export type { S3ObjectEvent } from './events';

export interface S3ServerOptions {
  /** TCP port on 127.0.0.1 (Default: 0, a free port). */
  port?: number;
  /** Keep objects as files under this directory so they survive restarts (Default: in memory). */
  dataDir?: string;
}

export interface LocalS3Server {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** The server's process (a child of this one): what a crash test kills. */
  pid: number;
  close(): Promise<void>;
  /**
   * Called for every object created (PutObject, CompleteMultipartUpload, CopyObject) or removed. The request that
   * caused the event is answered only after every listener's promise resolved (see ./event-acks.ts); one that rejects
   * fails the request (500), so a client never sees success for an event its listener could not keep.
   */
  onObjectEvent(cb: (event: S3ObjectEvent) => unknown): void;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startS3Server(opts: S3ServerOptions = {}): Promise<LocalS3Server> {
  const entry = join(__dirname, 'server.mts');
  const tsxLoader = pathToFileURL(require.resolve('tsx/package.json').replace(/package\.json$/, 'dist/loader.mjs')).href;
  const args = ['--import', tsxLoader, entry, String(opts.port ?? 0), ...(opts.dataDir ? [opts.dataDir] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });

  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr.push(d);
    if (stderr.length > 50) stderr.shift();
  });
  const listeners: ((event: S3ObjectEvent) => unknown)[] = [];
  child.on('message', (msg) => {
    if (!isS3ObjectEvent(msg)) return;
    const { ackId, ...event } = msg as S3ObjectEvent & { ackId?: number };
    const taken = Promise.all(listeners.map(async (cb) => cb(event as S3ObjectEvent)));
    if (ackId === undefined) return;
    const answer = (ack: EventAck): void => {
      if (child.connected) child.send(ack, () => undefined);
    };
    taken.then(
      () => answer({ ack: ackId }),
      (err: unknown) => answer({ ack: ackId, error: err instanceof Error ? err.message : String(err) }),
    );
  });

  const endpoint = await waitForReady(child, () => stderr.join(''));
  return {
    endpoint,
    pid: child.pid!,
    onObjectEvent: (cb) => void listeners.push(cb),
    close: () => stopChild(child),
  };
}

async function waitForReady(child: ChildProcess, stderr: () => string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
  try {
    const ready = new Promise<string>((resolve, reject) => {
      lines.once('line', (line) => {
        try {
          const parsed = JSON.parse(line) as { ready?: boolean; endpoint?: string };
          if (parsed.ready && parsed.endpoint) resolve(parsed.endpoint);
          else reject(new Error(`unexpected first line from the S3 server: ${line}`));
        } catch {
          reject(new Error(`unexpected first line from the S3 server: ${line}`));
        }
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`S3 server exited before it was ready (code ${code}, signal ${signal}): ${stderr()}`)),
      );
    });
    return await ready;
  } finally {
    clearTimeout(timer);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** An S3 client for the local server: path-style, dummy credentials, no default flexible checksums; `config` adds to it. */
export function localS3Client(endpoint: string, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
}
