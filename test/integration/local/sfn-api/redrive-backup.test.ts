/**
 * Redrive of the deployed state machine (asl/backup-object.asl.json on the local runner) behind the local endpoint:
 * an execution fails because GCS refuses the write (the destination bucket is missing), GCS is fixed, and
 * RedriveExecution resumes at the state the execution failed at — with that state's input, re-entering nothing before
 * it — as AWS does. Whether the redrive copies depends on that state: a copier Task copies; the "Fail the execution"
 * state fails again at once (issue 11, section 1).
 */
import type { Storage } from '@google-cloud/storage';
import { LocalAlertSink } from '../../../../workflows/local/alert-sink';
import { LOCAL_ARNS } from '../../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../../workflows/local/gcs-emulator';
import { runBackupExecution } from '../../../../workflows/local/runner';
import { LocalStepFunctions, type ExecutionRecord } from '../../../../workflows/local/sfn-api';
import { logger } from '../../../../workflows/logger';
import { storageFor } from '../../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../../support/local-servers';
import { putObject, type S3Fixture } from '../../../support/s3-server';

const SRC = 'redrive-source';
const DST = 'redrive-backup';
const KEY = 'reports/redrive me.txt';

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [] }));
  storage = storageFor(emulator);
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

test('a failed backup redriven after GCS is fixed resumes at the failed state with its input and re-runs nothing before it', async () => {
  const body = Buffer.from('bytes that must arrive unchanged after the redrive');
  await putObject(s3fx.s3, SRC, KEY, body);
  const sfn = new LocalStepFunctions({
    stateMachines: [
      {
        name: 'backup-object',
        arn: LOCAL_ARNS.stateMachine,
        definition: '{}',
        run: (input, execution, resume) =>
          runBackupExecution(
            input,
            { s3: s3fx.s3, storage, target: { bucket: DST, prefix: '' }, retryIntervalMs: 0, alerts: new LocalAlertSink() },
            { executionName: execution.name, ...(resume ? { startAt: resume.startAt } : {}) },
          ),
      },
    ],
  });
  const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: LOCAL_ARNS.stateMachine, name: 'gcs-refuses', input: JSON.stringify({ bucket: SRC, key: KEY }) })) as { executionArn: string };
  await sfn.idle();
  const record = sfn.execution(executionArn) as ExecutionRecord;
  expect(record.runs[0]!.status).toBe('FAILED');
  const firstSteps = record.runs[0]!.timeline!.steps;
  const failedAt = firstSteps[firstSteps.length - 1]!;
  expect(failedAt.status).toBe('failed');

  emulator.createBucket(DST); // GCS fixed
  await sfn.handle('RedriveExecution', { executionArn });
  await sfn.idle();

  const redriven = record.runs[1]!;
  expect(record.redriveCount).toBe(1);
  expect(redriven.timeline!.steps[0]).toMatchObject({ state: failedAt.state, input: failedAt.input });
  const earlier = new Set(firstSteps.slice(0, -1).map((s) => s.state));
  expect(redriven.timeline!.steps.filter((s) => earlier.has(s.state) && s.state !== failedAt.state)).toEqual([]);

  // A copier Task that failed is re-run and copies. Today the ASL catches the copy error and ends in its Fail state:
  // the redrive resumes there and fails again with the same error, copying nothing — what issue 11 fixes in the ASL.
  expect(['Task', 'Fail']).toContain(failedAt.type);
  const copier = failedAt.type === 'Task';
  const [files] = await storage.bucket(DST).getFiles();
  const copies = await Promise.all(files.map(async (f) => (await f.download())[0]));
  expect({ status: redriven.status, copies: copies.length }).toEqual(copier ? { status: 'SUCCEEDED', copies: 1 } : { status: 'FAILED', copies: 0 });
  expect(copies.every((c) => c.equals(body))).toBe(true);
  expect(redriven.error).toBe(copier ? undefined : record.runs[0]!.error);
});
