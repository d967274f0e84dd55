import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { PROVENANCE_KEYS } from '../../../workflows/copy/metadata';
import { startSandbox, type Sandbox } from '../../../workflows/local/sandbox/sandbox';
import type { ReconcileReport } from '../../../workflows/reconcile/reconcile';
import { reconcileOnce } from '../../../workflows/reconcile/reconcile-once';
import { runCli } from '../../support/cli-io';
import { waitFor } from '../../support/wait-for';

/**
 * Events lost on purpose: objects reach the local S3 server, but their events are purged from the intake queue before
 * start-executions sees them (SQS PurgeQueue). Nothing backs them up until `s3gcs reconcile` compares the bucket
 * with its backups and starts the workflow for each; a second run then finds nothing.
 */
describe('reconcile repairs what lost events missed (sandbox)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'reconcile-'));
  let sandbox: Sandbox;
  const cli = (...args: string[]) => runCli(['reconcile', '--data-dir', dataDir, ...args]);
  const nameOf = (key: string) => destinationObjectName({ bucket: sandbox.destinationBucket, prefix: sandbox.destinationPrefix, layout: { kind: 'by-source-bucket' } }, sandbox.sourceBucket, key);
  const put = (key: string, body: Buffer) => sandbox.s3.send(new PutObjectCommand({ Bucket: sandbox.sourceBucket, Key: key, Body: body }));
  const bodies = new Map<string, Buffer>();

  beforeAll(async () => {
    sandbox = await startSandbox({ dataDir, maxConcurrentExecutions: 2 });
    // Backed up through the event path first.
    for (const key of ['kept/a.txt', 'kept/overwritten.txt', 'kept/unverified.txt']) {
      bodies.set(key, randomBytes(2048));
      await put(key, bodies.get(key)!);
    }
    await sandbox.idle();
  });

  afterAll(async () => {
    await sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the missing, stale and unverified objects, starts their backups, and then finds nothing', async () => {
    sandbox.intake.pause();
    const lost = ['lost/one.txt', 'lost/a key+with%20odd ü chars', 'lost/big-2MiB.bin', 'kept/overwritten.txt'];
    for (const key of lost) {
      bodies.set(key, randomBytes(key.endsWith('.bin') ? 2 * 1024 * 1024 : 4096));
      await put(key, bodies.get(key)!);
    }
    // The S3 server reports events after it answers; lose them only once all are queued.
    await waitFor(() => sandbox.intake.queued === lost.length, { timeoutMs: 10_000, what: `${lost.length} queued object events`, detail: () => `${sandbox.intake.queued} queued` });
    expect(sandbox.intake.purge()).toBe(lost.length);
    sandbox.intake.resume();
    // A backup whose copier died before verifying: no verified mark.
    await sandbox.storage.bucket(sandbox.destinationBucket).file(nameOf('kept/unverified.txt')).setMetadata({ metadata: { [PROVENANCE_KEYS.verified]: null } });
    await sandbox.idle();
    const executionsBefore = sandbox.stepFunctions.executions().length;

    const dry = await cli('--dry-run', '--json');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(1);
    const dryReport = dry.json<ReconcileReport>();
    expect(dryReport.found).toEqual({ missing: 3, stale: 1, unverified: 1 });
    expect(dryReport.starts.map((s) => s.status)).toEqual(Array(5).fill('dry-run'));
    await sandbox.idle();
    expect(sandbox.stepFunctions.executions()).toHaveLength(executionsBefore);
    for (const key of lost.slice(0, 3)) expect(await exists(nameOf(key))).toBe(false);

    const run = await cli('--json');
    expect(run.code).toBe(1);
    const report = run.json<ReconcileReport>();
    expect(report).toMatchObject({ checked: 6, ok: 1, foundCount: 5, listedFrom: 'ListObjectsV2', dryRun: false });
    expect(report.starts.map((s) => [s.key, s.kind, s.status]).sort()).toEqual(
      [
        ['kept/overwritten.txt', 'stale', 'started'],
        ['kept/unverified.txt', 'unverified', 'started'],
        ['lost/a key+with%20odd ü chars', 'missing', 'started'],
        ['lost/big-2MiB.bin', 'missing', 'started'],
        ['lost/one.txt', 'missing', 'started'],
      ].sort(),
    );
    await sandbox.idle();

    for (const [key, body] of bodies) {
      const [bytes] = await sandbox.storage.bucket(sandbox.destinationBucket).file(nameOf(key)).download();
      expect(Buffer.compare(bytes, body)).toBe(0);
      const source = await sandbox.s3.send(new GetObjectCommand({ Bucket: sandbox.sourceBucket, Key: key }));
      expect(Buffer.compare(Buffer.from(await source.Body!.transformToByteArray()), body)).toBe(0);
    }

    const again = await cli('--json');
    expect(again.code).toBe(0);
    expect(again.json<ReconcileReport>()).toMatchObject({ checked: 6, ok: 6, foundCount: 0, starts: [] });
    // What the sandbox runs at start-up finds the same.
    expect(await reconcileOnce(sandbox)).toMatchObject({ checked: 6, foundCount: 0 });
  });

  it('starts one execution per repair, however often it runs before the repair lands', async () => {
    sandbox.intake.pause();
    await put('lost/twice.txt', randomBytes(100));
    await waitFor(() => sandbox.intake.queued === 1, { timeoutMs: 10_000, what: 'the queued object event' });
    expect(sandbox.intake.purge()).toBe(1);
    sandbox.intake.resume();
    const first = await reconcileOnce(sandbox);
    const second = await reconcileOnce(sandbox); // the repair is still queued or running: same destination state, same name
    await sandbox.idle();
    expect(first.starts.map((s) => [s.key, s.status])).toEqual([['lost/twice.txt', 'started']]);
    for (const start of second.starts) expect(start.executionName).toBe(first.starts[0]!.executionName);
    expect(sandbox.stepFunctions.executions().filter((e) => e.name.startsWith('reconcile-'))).toHaveLength(6);
    expect((await reconcileOnce(sandbox)).foundCount).toBe(0);
  });

  it('runs once at start-up on earlier state: a restarted sandbox backs up what lost events missed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-restart-'));
    try {
      const first = await startSandbox({ dataDir: dir });
      first.intake.pause();
      await first.s3.send(new PutObjectCommand({ Bucket: first.sourceBucket, Key: 'lost/before-restart.txt', Body: 'kept by S3, never by an event' }));
      await waitFor(() => first.intake.queued === 1, { timeoutMs: 10_000, what: 'the queued object event' });
      expect(first.intake.purge()).toBe(1);
      await first.close();

      const second = await startSandbox({ dataDir: dir });
      try {
        expect(second.earlierState).toBe(true);
        expect(second.recovered.reconciled).toMatchObject({ foundCount: 1, found: { missing: 1 } });
        await second.idle();
        const name = destinationObjectName({ bucket: second.destinationBucket, prefix: second.destinationPrefix, layout: { kind: 'by-source-bucket' } }, second.sourceBucket, 'lost/before-restart.txt');
        expect((await second.storage.bucket(second.destinationBucket).file(name).download())[0].toString()).toBe('kept by S3, never by an event');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function exists(name: string): Promise<boolean> {
    return (await sandbox.storage.bucket(sandbox.destinationBucket).file(name).exists())[0];
  }
});
