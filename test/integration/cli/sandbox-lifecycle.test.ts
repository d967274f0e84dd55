import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readReadyFile } from '../../../workflows/local/sandbox/ready-file';
import { hasEarlierState } from '../../../workflows/local/sandbox/sandbox';
import { localS3Client } from '../../../workflows/local/s3-server';
import { runCli } from '../../support/cli-io';
import { ANY_PORTS, spawnSandbox } from '../../support/sandbox-process';
import { waitFor } from '../../support/wait-for';

const ROOT = join(__dirname, '..', '..', '..');

/** Issue 12 §6: a sandbox a person can live with — signals through npm, busy ports, stale ready files, --ephemeral. */
describe('s3gcs sandbox lifecycle', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sandbox-life-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops every child process when npm start gets SIGTERM', async () => {
    const npm = spawn('npm', ['start', '--', '--no-demo', '--json', ...ANY_PORTS, '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, S3GCS_DATA_DIR: '' } });
    let stderr = '';
    let tree: number[] = [];
    npm.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: npm.stdout! }).on('line', (line) => line.startsWith('{') && resolve());
        npm.once('exit', (code) => reject(new Error(`npm start exited (${code}) before its ready line: ${stderr}`)));
      });
      tree = descendants(npm.pid!);
      // npm → tsx → the sandbox → the S3 server (fauxqs): every one of them must go.
      expect(tree.length).toBeGreaterThanOrEqual(3);
      npm.kill('SIGTERM');
      await once(npm, 'exit');
      await waitFor(() => tree.every((pid) => !alive(pid)), { timeoutMs: 15_000, what: 'every process npm start started to stop', detail: () => `alive: ${tree.filter(alive).join(', ')}` });
    } finally {
      for (const pid of [...tree, ...descendants(npm.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    }
  });

  it.each([
    ['--gcs-port', 'the GCS endpoint'],
    ['--console-port', 'the web console endpoint'],
  ])('refuses a busy %s with exit 2, naming the port and the flag that changes it', async (flag, what) => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const run = await runCli(['sandbox', '--no-demo', ...ANY_PORTS, flag, String(port), '--data-dir', dataDir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 (${what}) is in use`);
      expect(run.stderr).toContain(`${flag} <port>`);
    } finally {
      holder.close();
    }
  });

  it.each([
    ['whose process is gone', async () => deadPid()],
    ['whose pid is a process that is not a sandbox', async () => livingStranger()],
  ])('replaces a sandbox.json %s', async (_what, pidOf) => {
    const { pid, stop } = await pidOf();
    try {
      const stale = { s3Endpoint: 'http://127.0.0.1:1', gcsEndpoint: 'http://127.0.0.1:1', sfnEndpoint: 'http://127.0.0.1:1', sourceBucket: 's', destinationBucket: 'd', stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:backup-object', pid, startedAt: '2026-01-01T00:00:00Z' };
      writeFileSync(join(dataDir, 'sandbox.json'), JSON.stringify(stale));
      const sandbox = spawnSandbox(['--no-demo', '--data-dir', dataDir]);
      try {
        await sandbox.nextLine();
        expect(readReadyFile(dataDir)!.pid).not.toBe(pid);
      } finally {
        await sandbox.stop();
      }
    } finally {
      stop();
    }
  });

  it('keeps nothing in the data directory with --ephemeral', async () => {
    const sandbox = spawnSandbox(['--no-demo', '--ephemeral', '--data-dir', dataDir]);
    try {
      const ready = (await sandbox.nextLine()) as { s3Endpoint: string; sourceBucket: string };
      await localS3Client(ready.s3Endpoint).send(new PutObjectCommand({ Bucket: ready.sourceBucket, Key: 'k', Body: 'x' }));
      await waitFor(
        async () => (await runCli(['executions', '--json', '--data-dir', dataDir])).json<{ executions: { status: string }[] }>().executions.some((e) => e.status === 'SUCCEEDED'),
        { timeoutMs: 20_000, what: 'the backup of k to succeed', intervalMs: 200, detail: () => sandbox.stderr() },
      );
    } finally {
      await sandbox.stop();
    }
    expect([hasEarlierState(dataDir), readdirSync(dataDir).sort()]).toEqual([false, expect.not.arrayContaining(['s3', 'gcs', 'intake', 'executions'])]);
  });
});

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie has exited
  } catch {
    return false;
  }
}

async function deadPid(): Promise<{ pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return { pid: child.pid!, stop: () => undefined };
}

async function livingStranger(): Promise<{ pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60_000)']);
  await once(child, 'spawn');
  return { pid: child.pid!, stop: () => void child.kill('SIGKILL') };
}
