/**
 * Both machines behind the local endpoint, end to end and without mocks: the Express fast path
 * (asl/fast-path.asl.json) copies small objects itself and hands everything else to the Standard machine
 * (asl/backup-object.asl.json) under the intake's deterministic name — against the local S3 server and the GCS emulator.
 */
import type { Storage } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { executionName } from '../../../workflows/backup/execution-name';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { normalizeExecutionInput, objectEventInput } from '../../../workflows/backup/normalize';
import type { CopyTarget } from '../../../workflows/copy/types';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { LOCAL_ARNS, type LocalEnvironment } from '../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { localStateMachines } from '../../../workflows/local/machines';
import { ExpressLog, LocalStepFunctions, currentRun, type ExpressExecution } from '../../../workflows/local/sfn-api';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

const MIB = 1024 * 1024;
const SRC = 'fast-source';
const DST = 'fast-backup';
const TARGET: CopyTarget = { bucket: DST, prefix: '' };

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;
let counter = 0;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));
beforeEach(() => {
  emulator.faults.clear();
  storage = storageFor(emulator);
});

interface Deployment {
  sfn: LocalStepFunctions;
  alerts: LocalAlertSink;
  /** Starts the fast path as the intake does: the event's deterministic name, the normalized event as input. */
  deliver(record: Record<string, unknown>): Promise<string>;
}

function deployment(overrides: Partial<LocalEnvironment> = {}): Deployment {
  const alerts = new LocalAlertSink();
  const env: LocalEnvironment = { s3: s3fx.s3, storage, target: TARGET, retryIntervalMs: 0, alerts, routing: { smallMaxBytes: 64 * 1024, largeMaxBytes: 64 * MIB }, ...overrides };
  const sfn: LocalStepFunctions = new LocalStepFunctions({ stateMachines: localStateMachines(env, { stepFunctions: () => sfn }) });
  const deliver = async (record: Record<string, unknown>): Promise<string> => {
    const event = normalizeExecutionInput(record);
    const out = await sfn.handle('StartExecution', { stateMachineArn: LOCAL_ARNS.fastPathStateMachine, name: executionName(event), input: JSON.stringify(objectEventInput(event)) });
    return out['executionArn'] as string;
  };
  return { sfn, alerts, deliver };
}

async function put(label: string, body: Buffer, event: { size?: boolean } = {}): Promise<{ key: string; record: Record<string, unknown> }> {
  const key = `fast/${label} ${++counter}.bin`;
  const etag = await putObject(s3fx.s3, SRC, key, body);
  const object = { key: encodeURIComponent(key).replace(/%20/g, '+'), ...(event.size === false ? {} : { size: body.length, eTag: etag }), sequencer: `00${Date.now().toString(16)}${counter}` };
  const record = { eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { s3SchemaVersion: '1.0', bucket: { name: SRC }, object } };
  return { key, record };
}

async function expectBackup(key: string, body: Buffer): Promise<void> {
  const [back] = await storage.bucket(DST).file(destinationObjectName(TARGET, SRC, key)).download();
  expect(back.equals(body)).toBe(true);
}

function express(sfn: LocalStepFunctions, arn: string): ExpressExecution {
  const found = sfn.expressLog.executions().find((e) => e.executionArn === arn);
  if (!found) throw new Error(`no Express execution ${arn} in the log`);
  return found;
}

const standardExecutions = (sfn: LocalStepFunctions) => sfn.executions().filter((r) => r.stateMachineArn === LOCAL_ARNS.stateMachine);
const outputOf = (e: { output?: string }): Record<string, unknown> => JSON.parse(e.output ?? 'null') as Record<string, unknown>;

describe('the fast path', () => {
  test('copies a small object with its size in the event itself: one Express execution, no Standard one', async () => {
    const body = randomBytes(2000);
    const { key, record } = await put('small', body);
    const { sfn, deliver } = deployment();
    const arn = await deliver(record);
    await sfn.idle();
    const run = express(sfn, arn);
    expect(run.status).toBe('SUCCEEDED');
    expect(outputOf(run)).toMatchObject({ outcome: 'copied', tier: 'small', bytes: body.length });
    expect(standardExecutions(sfn)).toEqual([]);
    await expectBackup(key, body);
  });

  test.each([
    ['larger-than-small-tier', 200 * 1024, {}, 'large'],
    ['size-unknown', 2000, { size: false }, 'small'],
  ] as const)('hands off (%s) to the Standard machine under the intake name, which copies', async (reason, bytes, event, tier) => {
    const body = randomBytes(bytes);
    const { key, record } = await put(reason, body, event);
    const { sfn, deliver } = deployment();
    const arn = await deliver(record);
    await sfn.idle();
    const run = express(sfn, arn);
    const [standard] = standardExecutions(sfn);
    expect(outputOf(run)).toEqual({ outcome: 'handed-off', reason, executionArn: standard!.executionArn, detail: expect.any(String) });
    expect(standard!.name).toBe(run.name);
    expect(currentRun(standard!).status).toBe('SUCCEEDED');
    expect(outputOf(currentRun(standard!))).toMatchObject({ outcome: 'copied', tier });
    await expectBackup(key, body);
  });

  test('hands off an escalation (the small copier out of memory): the Standard machine escalates and copies', async () => {
    const body = randomBytes(6 * MIB);
    const { key, record } = await put('escalate', body);
    // 96 MB runtime + a 6 MiB whole-object buffer does not fit in 100 MB.
    const { sfn, deliver } = deployment({ routing: { smallMaxBytes: 8 * MIB, largeMaxBytes: 64 * MIB }, tiers: { small: { memoryMb: 100 } } });
    const arn = await deliver(record);
    await sfn.idle();
    expect(outputOf(express(sfn, arn))).toMatchObject({ outcome: 'handed-off', reason: 'escalation' });
    const [standard] = standardExecutions(sfn);
    expect(outputOf(currentRun(standard!))).toMatchObject({ outcome: 'copied', tier: 'large' });
    await expectBackup(key, body);
  });

  test('hands off a failure it cannot finish; the Standard execution fails at the copier, alerts, and a redrive copies', async () => {
    const body = randomBytes(3000);
    const { key, record } = await put('denied', body);
    // One refusal for the fast path's copy, one for the Standard machine's: then GCS is "fixed".
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-403', times: 2 });
    const { sfn, alerts, deliver } = deployment();
    const arn = await deliver(record);
    await sfn.idle();
    const run = express(sfn, arn);
    expect(run.status).toBe('SUCCEEDED');
    expect(outputOf(run)).toMatchObject({ outcome: 'handed-off', reason: 'failure' });
    const [standard] = standardExecutions(sfn);
    expect({ status: currentRun(standard!).status, error: currentRun(standard!).error }).toEqual({ status: 'FAILED', error: 'DestinationAccessDenied' });
    expect(alerts.alerts).toHaveLength(1);

    await sfn.handle('RedriveExecution', { executionArn: standard!.executionArn });
    await sfn.idle();
    expect(standard!.redriveCount).toBe(1);
    expect(currentRun(standard!).status).toBe('SUCCEEDED');
    expect(currentRun(standard!).timeline!.steps[0]!.state).toBe('Copy the object with the small Lambda');
    await expectBackup(key, body);
  });

  test('the same event delivered twice at once: two Express executions (no dedupe by name), both succeed, one backup', async () => {
    const body = randomBytes(5000);
    const { key, record } = await put('duplicate', body);
    const { sfn, deliver } = deployment();
    const arns = await Promise.all([deliver(record), deliver(record)]);
    await sfn.idle();
    expect(new Set(arns).size).toBe(2);
    const runs = arns.map((a) => express(sfn, a));
    expect(runs.map((r) => r.name)).toEqual([runs[0]!.name, runs[0]!.name]);
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const outcomes = runs.map((r) => outputOf(r)['outcome']).sort();
    // Both copy, one finds the other's verified copy, or one loses the generation race and hands off: never two backups.
    expect([['already-current', 'copied'], ['copied', 'copied'], ['copied', 'handed-off']]).toContainEqual(outcomes);
    expect(standardExecutions(sfn).length).toBeLessThanOrEqual(1);
    const [versions] = await storage.bucket(DST).getFiles({ prefix: destinationObjectName(TARGET, SRC, key), versions: true });
    expect(versions).toHaveLength(1);
    await expectBackup(key, body);
  });

  test('two deliveries of a large object hand off twice and start one Standard execution (deduped by name)', async () => {
    const body = randomBytes(100 * 1024);
    const { record } = await put('large-twice', body);
    const { sfn, deliver } = deployment();
    const first = await deliver(record);
    await sfn.idle();
    const second = await deliver(record);
    await sfn.idle();
    expect(outputOf(express(sfn, first))).toMatchObject({ outcome: 'handed-off', reason: 'larger-than-small-tier' });
    expect(outputOf(express(sfn, second))).toMatchObject({ outcome: 'handed-off', detail: expect.stringContaining('already exists') });
    expect(standardExecutions(sfn)).toHaveLength(1);
  });
});

describe('Express semantics of the local endpoint', () => {
  test('ListExecutions and RedriveExecution refuse Express with AWS errors; the log keeps the executions instead', async () => {
    const { record } = await put('semantics', randomBytes(10));
    const { sfn, deliver } = deployment();
    const arn = await deliver(record);
    await sfn.idle();
    await expect(sfn.handle('ListExecutions', { stateMachineArn: LOCAL_ARNS.fastPathStateMachine })).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
    await expect(sfn.handle('RedriveExecution', { executionArn: arn })).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    expect(arn).toMatch(/^arn:aws:states:local:000000000000:express:backup-fast-path:copy-[^:]+:[0-9a-f-]{36}$/);
    expect(sfn.expressLog.executions().map((e) => e.executionArn)).toContain(arn);
  });

  test('an Express execution past five minutes ends TIMED_OUT', async () => {
    const slow = new LocalStepFunctions({
      stateMachines: [{ name: 'slow', arn: LOCAL_ARNS.fastPathStateMachine, type: 'EXPRESS', definition: '{}', run: () => new Promise(() => undefined) }],
      expressTimeLimitMs: 20,
    });
    const { executionArn } = (await slow.handle('StartExecution', { stateMachineArn: LOCAL_ARNS.fastPathStateMachine, name: 'slow' })) as { executionArn: string };
    await slow.idle();
    expect(slow.expressLog.executions().find((e) => e.executionArn === executionArn)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });

  test('an Express execution the endpoint stopped under (started, never closed) runs again when it restarts: at-least-once', async () => {
    const log = new ExpressLog();
    const arn = 'arn:aws:states:local:000000000000:express:backup-fast-path:again:1';
    log.started({ executionArn: arn, stateMachineArn: LOCAL_ARNS.fastPathStateMachine, name: 'again', input: '{"n":1}', startDate: new Date().toISOString(), status: 'RUNNING' });
    const inputs: unknown[] = [];
    const restarted = new LocalStepFunctions({
      stateMachines: [
        {
          name: 'fast',
          arn: LOCAL_ARNS.fastPathStateMachine,
          type: 'EXPRESS',
          definition: '{}',
          run: async (input) => {
            inputs.push(input);
            return { status: 'SUCCEEDED', output: { outcome: 'copied' }, timeline: { executionName: 'again', status: 'SUCCEEDED', startedAt: '', durationMs: 0, steps: [] } };
          },
        },
      ],
      expressLog: log,
    });
    await restarted.idle();
    expect(inputs).toEqual([{ n: 1 }]);
    expect(log.executions().find((e) => e.executionArn === arn)).toMatchObject({ status: 'SUCCEEDED' });
  });

  test('a manual replay goes to the Standard machine unchanged', async () => {
    const body = randomBytes(100);
    const { key } = await put('replay', body);
    const { sfn } = deployment();
    await sfn.handle('StartExecution', { stateMachineArn: LOCAL_ARNS.stateMachine, name: 'replay-1', input: JSON.stringify({ bucket: SRC, key }) });
    await sfn.idle();
    expect(outputOf(currentRun(standardExecutions(sfn)[0]!))).toMatchObject({ outcome: 'copied' });
    expect(sfn.expressLog.executions()).toEqual([]);
    await expectBackup(key, body);
  });
});
