import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../../workflows/doctor/checks';
import { COPIER_REQUIRED } from '../../../workflows/doctor/checks';
import { startSandbox, type Sandbox } from '../../../workflows/local/sandbox/sandbox';
import { runCli } from '../../support/cli-io';

/**
 * `s3gcs doctor` against the sandbox checks what the emulator models: the bucket's soft delete, versioning and what
 * testIamPermissions answers for the copier. A fresh sandbox is not hardened (no soft delete; the emulator grants
 * every permission); once the bucket keeps deleted generations and the copier holds only the writer's permissions,
 * nothing is missing.
 */
describe('s3gcs doctor --sandbox', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'doctor-'));
  let sandbox: Sandbox;
  const doctor = (...args: string[]) => runCli(['doctor', '--data-dir', dataDir, ...args]);
  const byCheck = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [`${f.area}/${f.check}`, f.status]));

  beforeAll(async () => {
    sandbox = await startSandbox({ dataDir });
  });
  afterAll(async () => {
    await sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds a fresh sandbox unprotected and prints how to fix it', async () => {
    const human = await doctor();
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`gcloud storage buckets update gs://${sandbox.destinationBucket} --soft-delete-duration=30d`);
    expect(human.stdout).toMatch(/3 thing\(s\) missing\.\n$/);

    const run = await doctor('--json');
    expect(run.code).toBe(1);
    expect(byCheck(run.json<{ findings: Finding[] }>().findings)).toEqual({
      'bucket/soft delete': 'missing',
      'bucket/object versioning': 'info',
      'bucket/retention lock': 'info',
      'copier/can back up': 'ok',
      'copier/cannot change the bucket': 'missing',
      'copier/cannot destroy backups': 'missing',
      'wif/attribute condition': 'info',
      'alarms/alarms and subscriptions': 'info',
    });
  });

  it('passes once the bucket soft-deletes for 30 days and the copier holds only the writer role', async () => {
    await sandbox.storage.bucket(sandbox.destinationBucket).setMetadata({ softDeletePolicy: { retentionDurationSeconds: 30 * 24 * 3600 } });
    const iam = await fetch(`${sandbox.gcsEndpoint}/_emulator/iam`, {
      method: 'POST',
      body: JSON.stringify({ bucket: sandbox.destinationBucket, permissions: [...COPIER_REQUIRED, 'storage.objects.delete'] }),
    });
    expect(iam.status).toBe(200);
    const run = await doctor('--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(byCheck(run.json<{ findings: Finding[] }>().findings)).toMatchObject({
      'bucket/soft delete': 'ok',
      'copier/can back up': 'ok',
      'copier/cannot change the bucket': 'ok',
      'copier/cannot destroy backups': 'ok',
    });
  });
});
