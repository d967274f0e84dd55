import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';
import { reconcileHandler } from '../../../workflows/handlers/reconcile';
import { LocalMetricsSink } from '../../../workflows/local/metrics-sink';
import { readReconcileConfig } from '../../../workflows/reconcile/settings';
import { startTestGcs, type TestGcs } from '../../support/gcs-emulator';
import { putObject, startS3Fixture, type S3Fixture } from '../../support/s3-server';

/**
 * The scheduled reconciliation's handler against the real local S3 server and GCS emulator; Step Functions is mocked
 * (the handler only starts executions). Each bucket's findings become one metric line; a bucket that cannot be
 * listed fails the invocation after the others were reconciled.
 */
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:s3-gcs-backup-staging-object';
const sfn = mockClient(SFNClient);
let s3: S3Fixture;
let gcs: TestGcs;
const target: CopyTarget = { bucket: 'backup', prefix: 'aws/', layout: { kind: 'by-source-bucket' } };
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

beforeAll(async () => {
  s3 = await startS3Fixture();
  gcs = await startTestGcs({ buckets: ['backup'] });
  await s3.createBucket('data');
  for (const key of ['in/a.txt', 'in/b.txt', 'in/skip.tmp', 'out/c.txt']) await putObject(s3.s3, 'data', key, Buffer.from(key));
});
afterAll(async () => {
  await s3?.server.close();
  await gcs?.emulator.close();
});
beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
});

function handlerFor(env: Record<string, string>, metrics = new LocalMetricsSink()) {
  const config = readReconcileConfig({
    STATE_MACHINE_ARN: STATE_MACHINE,
    DEST_BUCKET: 'backup',
    DEST_PREFIX: 'aws/',
    SKIP_PATTERNS: JSON.stringify(['**/*.tmp']),
    RECONCILE_RATE: '1000',
    ...env,
  });
  return { metrics, handler: reconcileHandler(config, { s3: s3.s3, sfn: new SFNClient({ region: 'eu-west-1' }), storage: async () => gcs.storage, metrics, logger }) };
}

describe('reconcile handler', () => {
  it('starts the workflow for each missing object of the configured prefixes, skips what the stage skips, and publishes what it found', async () => {
    const { handler, metrics } = handlerFor({ RECONCILE_SOURCES: JSON.stringify([{ bucket: 'data', prefixes: ['in/'] }]) });
    const result = await handler();
    expect(result.found).toBe(2);
    expect(result.runs[0]).toMatchObject({ checked: 2, excluded: 1, found: { missing: 2 }, starts: { started: 2 } });
    const inputs = sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!) as unknown);
    expect(inputs).toEqual([
      { bucket: 'data', key: 'in/a.txt' },
      { bucket: 'data', key: 'in/b.txt' },
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: STATE_MACHINE, name: expect.stringMatching(/^reconcile-in-a-txt-[a-z0-9]+$/) });
    expect(metrics.published).toEqual([
      {
        dimensions: { bucket: 'data' },
        values: { ReconcileFound: { value: 2, unit: 'Count' }, ReconcileChecked: { value: 2, unit: 'Count' }, ReconcileStartFailures: { value: 0, unit: 'Count' } },
      },
    ]);
  });

  it('starts nothing on a dry run and publishes no metric', async () => {
    const { handler, metrics } = handlerFor({ RECONCILE_SOURCES: JSON.stringify([{ bucket: 'data' }]) });
    const result = await handler({ dryRun: true });
    expect(result.found).toBe(3);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(metrics.published).toEqual([]);
  });

  it('counts a refused start as a start failure, and one found by an earlier run as already started', async () => {
    await gcs.storage.bucket('backup').file(destinationObjectName(target, 'data', 'out/c.txt')).save('not a backup', { preconditionOpts: { ifGenerationMatch: 0 } });
    sfn.on(StartExecutionCommand).rejectsOnce(Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' })).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { handler, metrics } = handlerFor({ RECONCILE_SOURCES: JSON.stringify([{ bucket: 'data', prefixes: ['in/a', 'out/'] }]) });
    const result = await handler();
    expect(result.runs.map((r) => [r.found, r.starts])).toEqual([
      [{ missing: 1 }, { 'already-started': 1 }],
      [{ 'no-provenance': 1 }, { failed: 1 }],
    ]);
    expect(metrics.published.map((l) => l.values['ReconcileStartFailures']!.value)).toEqual([0, 1]);
  });

  it('leaves the repairs it has no time left to start deferred, for the next run', async () => {
    const { handler } = handlerFor({ RECONCILE_SOURCES: JSON.stringify([{ bucket: 'data', prefixes: ['in/'] }]) });
    let remaining = 120_000;
    const result = await handler({}, { getRemainingTimeInMillis: () => (remaining -= 40_000) });
    expect(result.runs[0]!.starts).toEqual({ started: 1, deferred: 1 });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('fails the invocation when a bucket cannot be listed, after reconciling the others', async () => {
    const { handler, metrics } = handlerFor({ RECONCILE_SOURCES: JSON.stringify([{ bucket: 'no-such-bucket' }, { bucket: 'data', prefixes: ['in/'] }]) });
    await expect(handler()).rejects.toThrow(/reconciliation failed for 1 scope\(s\): s3:\/\/no-such-bucket\//);
    expect(metrics.published.map((l) => l.dimensions['bucket'])).toEqual(['data']);
  });
});
