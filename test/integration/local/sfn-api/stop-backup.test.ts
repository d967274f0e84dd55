/**
 * StopExecution on the deployed state machine (asl/backup-object.asl.json on the local runner) behind the local
 * endpoint: a backup whose copy is held up by GCS is stopped; it closes ABORTED at once, no state starts after the stop,
 * and its status change raises the alert the sandbox publishes (ABORTED alerts as FAILED does, issue 11).
 */
import type { Storage } from '@google-cloud/storage';
import { LocalAlertSink } from '../../../../workflows/local/alert-sink';
import { LOCAL_ARNS } from '../../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../../workflows/local/gcs-emulator';
import { runBackupExecution } from '../../../../workflows/local/runner';
import { alertUnreportedEndings } from '../../../../workflows/local/sandbox/unreported-alerts';
import { LocalStepFunctions, type ExecutionRecord } from '../../../../workflows/local/sfn-api';
import { logger } from '../../../../workflows/logger';
import { storageFor } from '../../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../../support/local-servers';
import { putObject, type S3Fixture } from '../../../support/s3-server';
import { waitFor } from '../../../support/wait-for';

const SRC = 'stop-source';
const DST = 'stop-backup';
const KEY = 'reports/stop me.txt';

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
  storage = storageFor(emulator);
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

test('a stopped backup closes ABORTED, runs no further state, and its status change raises the alert', async () => {
  await putObject(s3fx.s3, SRC, KEY, Buffer.from('held up by GCS'));
  emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'stall-for-2s' });
  const alerts = new LocalAlertSink();
  const sfn = new LocalStepFunctions({
    stateMachines: [
      {
        name: 'backup-object',
        arn: LOCAL_ARNS.stateMachine,
        definition: '{}',
        run: (input, execution, resume, signal) =>
          runBackupExecution(
            input,
            { s3: s3fx.s3, storage, target: { bucket: DST, prefix: '' }, retryIntervalMs: 0, alerts: new LocalAlertSink() },
            { executionName: execution.name, ...(resume ? { startAt: resume.startAt } : {}), ...(signal ? { signal } : {}) },
          ),
      },
    ],
  });
  alertUnreportedEndings(sfn, alerts);
  const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: LOCAL_ARNS.stateMachine, name: 'stop-me', input: JSON.stringify({ bucket: SRC, key: KEY }) })) as {
    executionArn: string;
  };
  await waitFor(() => emulator.faults.fired > 0, { timeoutMs: 10_000, what: 'the copy to reach GCS (and stall there)' });

  await sfn.handle('StopExecution', { executionArn, error: 'Operator.Stopped', cause: 'stopped by the test' });
  expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'ABORTED', error: 'Operator.Stopped' });
  await sfn.idle();

  const run = (sfn.execution(executionArn) as ExecutionRecord).runs[0]!;
  expect(run.status).toBe('ABORTED');
  const steps = run.timeline!.steps;
  // The copier was the last state entered: nothing after it ran (no verification, no outcome).
  expect(steps.at(-1)!.state).toMatch(/^Copy the object/);
  expect(steps.filter((s) => s.status === 'succeeded').map((s) => s.state)).not.toContain(steps.at(-1)!.state);
  expect(alerts.alerts).toHaveLength(1);
  expect(alerts.alerts[0]!.subject).toBe('S3 to GCS backup aborted');
  expect(alerts.alerts[0]!.message).toContain(`Key: ${KEY}`);
  expect(alerts.alerts[0]!.message).toContain('Status: ABORTED');
  expect(alerts.alerts[0]!.message).toContain('Error: Operator.Stopped');
  // ABORTED is redrivable, as in AWS.
  expect((await sfn.handle('DescribeExecution', { executionArn })).redriveStatus).toBe('REDRIVABLE');
  // The copier in flight at the stop still finishes, as an invoked Lambda does (and this test waits for it, so no
  // upload outlives the servers): the object ends verified, though the execution recorded nothing after the stop.
  await waitFor(
    async () => {
      const file = storage.bucket(DST).file(`${SRC}/${KEY}`); // named <source-bucket>/<key>
      const [exists] = await file.exists();
      return exists && (await file.getMetadata())[0].metadata?.['verified-crc32c'] !== undefined && emulator.requestsInFlight === 0;
    },
    { timeoutMs: 15_000, what: 'the copier in flight at the stop to finish', detail: () => `in flight: ${emulator.requestsInFlight}, faults: ${JSON.stringify(emulator.faults.history)}` },
  );
  expect((sfn.execution(executionArn) as ExecutionRecord).runs[0]!.timeline!.steps).toEqual(steps);
}, 30_000);
