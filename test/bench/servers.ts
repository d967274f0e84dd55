import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { localS3Client, startS3Server, type LocalS3Server } from '../../workflows/local/s3-server';

/**
 * The two servers every measured copy talks to, each in its own process so their memory and CPU are not the copier's:
 * fauxqs (objects in its memory: it re-reads a whole persisted object for every ranged GET) and the GCS emulator
 * (objects in files under `dataDir`, so a 1 GiB upload costs it no heap).
 */
export interface BenchServers {
  s3Endpoint: string;
  gcsEndpoint: string;
  s3: S3Client;
  s3Server: LocalS3Server;
  gcsPid: number;
  close(): Promise<void>;
}

const REPO = join(__dirname, '..', '..');

export async function startBenchServers(dataDir: string, buckets: { source: string[]; destination: string[] }): Promise<BenchServers> {
  const s3Server = await startS3Server();
  let gcs: ChildProcess | undefined;
  try {
    const s3 = localS3Client(s3Server.endpoint);
    for (const bucket of buckets.source) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    gcs = spawn(
      process.execPath,
      ['--import', 'tsx', 'workflows/local/gcs-emulator/main.ts', '--port', '0', '--data-dir', dataDir, ...buckets.destination.flatMap((b) => ['--bucket', b])],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const child = gcs;
    const first = await Promise.race([
      new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve)),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`the GCS emulator exited with code ${code} before it was ready`))),
    ]);
    const gcsEndpoint = (JSON.parse(first) as { gcsEndpoint: string }).gcsEndpoint;
    return {
      s3Endpoint: s3Server.endpoint,
      gcsEndpoint,
      s3,
      s3Server,
      gcsPid: child.pid!,
      close: async () => {
        await stopProcess(child);
        await s3Server.close();
      },
    };
  } catch (err) {
    if (gcs) await stopProcess(gcs);
    await s3Server.close();
    throw err;
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
