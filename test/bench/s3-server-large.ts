/**
 * `npx tsx test/bench/s3-server-large.ts [GiB=1] [--data-dir]` — the local S3 server with one large object: a
 * single PutObject streamed from a generator (never held by this process), a multipart upload of 64 MiB parts, then
 * both read back streamed and hashed. Prints the server's peak RSS (VmHWM), which shows a body is held once, not
 * twice. Not a jest test: it moves gigabytes and wants a quiet machine.
 */
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { localS3Client, startS3Server } from '../../workflows/local/s3-server';

const MiB = 1024 * 1024;
const PART = 64 * MiB;

/** `size` bytes of a repeating pattern (64 KiB blocks, each stamped with its index) — cheap to make, not compressible away. */
function* pattern(size: number, hash: ReturnType<typeof createHash>): Generator<Buffer> {
  const block = Buffer.alloc(64 * 1024, 0x5a);
  for (let at = 0, i = 0; at < size; at += block.length, i++) {
    block.writeUInt32BE(i, 0);
    const chunk = Buffer.from(block.subarray(0, Math.min(block.length, size - at)));
    hash.update(chunk);
    yield chunk;
  }
}

const peakRssMiB = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main(): Promise<void> {
  const gib = Number(process.argv.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? '1');
  const size = Math.round(gib * 1024 * MiB);
  const dataDir = process.argv.includes('--data-dir') ? await mkdtemp(join(tmpdir(), 's3-large-')) : undefined;
  const server = await startS3Server({ dataDir });
  const s3 = localS3Client(server.endpoint);
  const report = (what: string, started: number) =>
    console.log(`${what}: ${((size / MiB / (Date.now() - started)) * 1000).toFixed(0)} MiB/s, server peak RSS ${peakRssMiB(server.pid).toFixed(0)} MiB`);
  try {
    console.log(`object of ${size} bytes, server ${dataDir ? `with dataDir ${dataDir}` : 'in memory'}; server RSS at start ${peakRssMiB(server.pid).toFixed(0)} MiB`);
    await s3.send(new CreateBucketCommand({ Bucket: 'large' }));

    let t = Date.now();
    const putHash = createHash('md5');
    await s3.send(new PutObjectCommand({ Bucket: 'large', Key: 'single', Body: Readable.from(pattern(size, putHash)), ContentLength: size }));
    report('single PutObject', t);

    t = Date.now();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'large', Key: 'multi' }));
    const parts = [];
    const multiHash = createHash('md5');
    const all = pattern(size, multiHash);
    for (let n = 1, sent = 0; sent < size; n++) {
      const length = Math.min(PART, size - sent);
      const chunks: Buffer[] = [];
      for (let got = 0; got < length; ) {
        const next = all.next().value as Buffer;
        chunks.push(next);
        got += next.length;
      }
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'large', Key: 'multi', UploadId, PartNumber: n, Body: Buffer.concat(chunks) }));
      parts.push({ ETag, PartNumber: n });
      sent += length;
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'large', Key: 'multi', UploadId, MultipartUpload: { Parts: parts } }));
    report(`multipart upload, ${parts.length} parts of 64 MiB`, t);

    for (const [key, expected] of [['single', putHash.digest('hex')], ['multi', multiHash.digest('hex')]] as const) {
      t = Date.now();
      const res = await s3.send(new GetObjectCommand({ Bucket: 'large', Key: key }));
      const got = createHash('md5');
      for await (const chunk of res.Body as Readable) got.update(chunk as Buffer);
      const digest = got.digest('hex');
      if (digest !== expected) throw new Error(`${key}: read back ${digest}, wrote ${expected}`);
      report(`GetObject ${key} (byte-identical)`, t);
    }
  } finally {
    await server.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
