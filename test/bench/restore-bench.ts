/**
 * Restore benchmark: 1,000 backups (by default 980 of 100 KiB and 20 of 12 MiB, multipart-sized) written to the GCS
 * emulator with the provenance a real backup carries, then restored by `s3gcs restore` in its own process into the
 * local S3 server. Reports objects/s, MB/s and the restorer's peak RSS.
 *   npx tsx test/bench/restore-bench.ts [--small 980] [--large 20] [--concurrency 8]
 */
import { Storage } from '@google-cloud/storage';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumsOf } from '../../workflows/copy/checksums';
import { toGcsMetadata } from '../../workflows/copy/metadata';
import { writeReadyFile } from '../../workflows/local/sandbox/ready-file';
import { mapLimit } from '../../workflows/cli/sfn-ops';
import { PseudoRandomBytes } from './prng';
import { startBenchServers } from './servers';

const KIB = 1024;
const MIB = 1024 * KIB;
const SOURCE = 'bench-source';
const BACKUP = 'bench-backup';
const RESTORE = 'bench-restore';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const small = option('small', 980);
  const large = option('large', 20);
  const concurrency = option('concurrency', 8);
  const dataDir = mkdtempSync(join(tmpdir(), 'restore-bench-'));
  const servers = await startBenchServers(join(dataDir, 'gcs'), { source: [RESTORE], destination: [BACKUP] });
  try {
    const storage = new Storage({ apiEndpoint: servers.gcsEndpoint, projectId: 'bench' });
    const random = new PseudoRandomBytes(14);
    const sizes = [...Array.from({ length: small }, () => 100 * KIB), ...Array.from({ length: large }, () => 12 * MIB)];
    let bytes = 0;
    await mapLimit(
      sizes.map((size, i) => ({ size, i })),
      8,
      async ({ size, i }) => {
        const body = random.next(size);
        const key = `data/${String(i).padStart(4, '0')}.bin`;
        const sums = checksumsOf(body, { md5: false });
        const meta = toGcsMetadata({ bucket: SOURCE, key, size, etag: `etag-${i}`, userMetadata: { n: String(i) }, contentType: 'application/octet-stream' }, { crc32c: sums.crc32c, verifiedCrc32c: sums.crc32c });
        await storage.bucket(BACKUP).file(`${SOURCE}/${key}`).save(body, { resumable: false, validation: false, metadata: { ...meta, crc32c: sums.crc32c }, preconditionOpts: { ifGenerationMatch: 0 } });
        bytes += size;
      },
    );
    writeReadyFile(dataDir, {
      s3Endpoint: servers.s3Endpoint,
      gcsEndpoint: servers.gcsEndpoint,
      sfnEndpoint: 'http://127.0.0.1:9',
      sourceBucket: SOURCE,
      destinationBucket: BACKUP,
      destinationPrefix: '',
      restoreBucket: RESTORE,
      stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:backup-object',
      region: 'local',
    });
    const args = ['restore', `gs://${BACKUP}/${SOURCE}/`, `s3://${RESTORE}/`, '--data-dir', dataDir, '--json', '--concurrency', String(concurrency), '--rate', '10000', '--checkpoint', join(dataDir, 'checkpoint.json')];
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'restore-worker.ts'), ...args], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    if (!stdout.trim()) throw new Error(`the restore printed nothing; stderr: ${stderr}`);
    const summary = JSON.parse(stdout) as { restored: number; bytes: number; durationMs: number; failed: number; verifiedByS3Checksum: number; verifiedByReadBack: number };
    const { peakRssBytes } = JSON.parse(stderr.trim().split('\n').at(-1)!) as { peakRssBytes: number };
    const seconds = summary.durationMs / 1000;
    const result = {
      objects: summary.restored,
      failed: summary.failed,
      bytes: summary.bytes,
      seededBytes: bytes,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      objectsPerSecond: Number((summary.restored / seconds).toFixed(1)),
      megabytesPerSecond: Number((summary.bytes / 1e6 / seconds).toFixed(1)),
      peakRssMiB: Number((peakRssBytes / MIB).toFixed(0)),
      verifiedByS3Checksum: summary.verifiedByS3Checksum,
      verifiedByReadBack: summary.verifiedByReadBack,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await servers.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
