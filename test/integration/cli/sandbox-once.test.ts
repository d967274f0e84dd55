import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSandbox } from '../../support/sandbox-process';

/** `npm start -- --once`: the demo runs through the whole local system and the exit code says whether it went as expected. */
describe('s3gcs sandbox --once', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-once-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the ready line, runs the demo (small, large, heavy, alerting failure) and exits 0', async () => {
    const sandbox = spawnSandbox(['--once', '--data-dir', dataDir]);
    try {
      const ready = await sandbox.nextLine();
      expect(ready).toMatchObject({
        s3Endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        gcsEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        sfnEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        sourceBucket: 'sandbox-source',
        destinationBucket: 'sandbox-backup',
      });
      const demo = (await sandbox.nextLine()) as { ok: boolean; demo: { key: string; path: string; outcome: string; tier: string; bytes: number; asExpected: boolean }[] };
      // express-first: the small object finishes on the Express fast path; the rest are handed off to Standard.
      expect(demo.demo.map((r) => r.path)).toEqual(['fast path', 'handed off', 'handed off', 'handed off']);
      expect(demo.demo.map((r) => [r.outcome, r.tier])).toEqual([
        ['copied', 'small'],
        ['copied', 'large'],
        ['copied', 'heavy'],
        ['FAILED InvalidDestinationName', '-'],
      ]);
      expect(demo.demo.every((r) => r.asExpected)).toBe(true);
      expect(demo.ok).toBe(true);
      expect(await sandbox.exited).toBe(0);
      expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false); // removed on exit
      expect(existsSync(join(dataDir, 'alerts.jsonl'))).toBe(true);
      // The demo failure alerts from outside the execution: it failed at the copier, which a redrive re-runs.
      const alerts = readFileSync(join(dataDir, 'alerts.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { message: string });
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.message).toContain('Status: FAILED at "Copy the object with the small Lambda"');
      expect(alerts[0]!.message).toContain('Error: InvalidDestinationName');
      expect(alerts[0]!.message).toMatch(/\naws stepfunctions redrive-execution --execution-arn 'arn:aws:states:\S+:execution:backup-object:\S+'\n/);
    } finally {
      await sandbox.stop();
    }
  });

  it('--standard-only: the intake starts a Standard execution for every event, with the same outcomes', async () => {
    const standardDir = mkdtempSync(join(tmpdir(), 'sandbox-standard-'));
    const sandbox = spawnSandbox(['--once', '--standard-only', '--data-dir', standardDir]);
    try {
      const ready = (await sandbox.nextLine()) as { fastPathStateMachineArn?: string };
      expect(ready.fastPathStateMachineArn).toBeUndefined();
      const demo = (await sandbox.nextLine()) as { ok: boolean; demo: { path: string; outcome: string; tier: string }[] };
      expect(demo.demo.map((r) => [r.path, r.outcome, r.tier])).toEqual([
        ['standard', 'copied', 'small'],
        ['standard', 'copied', 'large'],
        ['standard', 'copied', 'heavy'],
        ['standard', 'FAILED InvalidDestinationName', '-'],
      ]);
      expect(demo.ok).toBe(true);
      expect(await sandbox.exited).toBe(0);
      expect(existsSync(join(standardDir, 'express-executions.jsonl'))).toBe(false);
    } finally {
      await sandbox.stop();
      rmSync(standardDir, { recursive: true, force: true });
    }
  });
});
