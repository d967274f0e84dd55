/**
 * Issue 13, "Done means": both execution modes end to end, with no mocks. Each object flow runs once per mode: the
 * S3 server's own event, as an SQS message, through the start-executions policy (the intake as deployed), over HTTP to
 * the local Step Functions endpoint hosting both real ASL files, against the local S3 server and the GCS emulator
 * (a versioned bucket, so a second write would show as a second generation). In `express-first` the intake starts the
 * Express fast path (asl/fast-path.asl.json), which copies small objects itself and hands the rest to the Standard
 * machine; in `standard-only` it starts the Standard machine (asl/backup-object.asl.json). Same objects, same outcomes.
 */
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand, RedriveExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Storage } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { replayInput } from '../../../workflows/backup/alert';
import { executionName, replayExecutionName } from '../../../workflows/backup/execution-name';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { normalizeExecutionInput } from '../../../workflows/backup/normalize';
import { startExecutionsForBatch } from '../../../workflows/backup/start-executions';
import { PROVENANCE_KEYS } from '../../../workflows/copy/metadata';
import type { CopyTarget } from '../../../workflows/copy/types';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { LOCAL_ARNS, type LocalEnvironment } from '../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { intakeStateMachineArn, localStateMachines, type ExecutionMode } from '../../../workflows/local/machines';
import type { S3ObjectEvent } from '../../../workflows/local/s3-server';
import { notificationRecord, sqsBatch, sqsRecord } from '../../../workflows/local/sandbox/object-events';
import { LocalStepFunctions, currentRun, localSfnClient, startSfnApi, type ExecutionRecord, type ExpressExecution, type SfnApiServer } from '../../../workflows/local/sfn-api';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';

const MIB = 1024 * 1024;
const SRC = 'modes-source';
const DST = 'modes-backup';
const TARGET: CopyTarget = { bucket: DST, prefix: '' };
const MODES: ExecutionMode[] = ['express-first', 'standard-only'];
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;
/** The S3 server's latest event per key: what S3 would have sent to the intake queue. */
const events = new Map<string, S3ObjectEvent>();
let counter = 0;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [], onObjectEvent: (e) => void events.set(`${e.type} ${e.key}`, e) }));
  emulator.createBucket(DST, { versioning: true });
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

/** One local deployment in `mode`: both machines behind the endpoint's HTTP API, and the intake starting executions on it. */
interface System {
  sfn: LocalStepFunctions;
  client: SFNClient;
  alerts: LocalAlertSink;
  /** Delivers an object event as one SQS message to start-executions; resolves once the batch is acknowledged. */
  intake(delivery: Delivery): Promise<void>;
  /** Starts the machine the intake starts in this mode directly (an input the intake itself would refuse). */
  startIntakeMachine(name: string, input: unknown): Promise<void>;
  /** What ran: the Express executions in the fast path's log and the Standard executions. */
  express(): ExpressExecution[];
  standard(): ExecutionRecord[];
}

let open: { server: SfnApiServer; client: SFNClient }[] = [];
afterEach(async () => {
  for (const { server, client } of open) {
    client.destroy();
    await server.close();
  }
  open = [];
});

async function system(mode: ExecutionMode, overrides: Partial<LocalEnvironment> = {}): Promise<System> {
  emulator.faults.clear();
  storage = storageFor(emulator);
  const alerts = new LocalAlertSink();
  const env: LocalEnvironment = { s3: s3fx.s3, storage, target: TARGET, retryIntervalMs: 0, alerts, routing: { smallMaxBytes: 64 * 1024, largeMaxBytes: 64 * MIB }, ...overrides };
  const sfn: LocalStepFunctions = new LocalStepFunctions({ stateMachines: localStateMachines(env, { stepFunctions: () => sfn }) });
  const server = await startSfnApi(sfn);
  const client = localSfnClient(server.endpoint);
  open.push({ server, client });
  const stateMachineArn = intakeStateMachineArn(mode);
  return {
    sfn,
    client,
    alerts,
    intake: async ({ event, record }) => {
      const message = { ...sqsRecord(event), body: JSON.stringify({ Records: [record] }) };
      const response = await startExecutionsForBatch(sqsBatch([message]), { sfn: client, stateMachineArn, skipReason: () => undefined, logger: quiet });
      expect(response.batchItemFailures).toEqual([]);
    },
    startIntakeMachine: async (name, input) => void (await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }))),
    express: () => sfn.expressLog.executions(),
    standard: () => sfn.executions().filter((r) => r.stateMachineArn === LOCAL_ARNS.stateMachine),
  };
}

/** An event of the S3 server and the S3 notification record the intake receives for it. */
interface Delivery {
  event: S3ObjectEvent;
  record: Record<string, unknown>;
}

/** Puts an object; its event as S3 sends it (or without size and ETag, as an event that does not give them). */
async function put(label: string, body: Buffer, opts: { sizeInEvent?: boolean } = {}): Promise<{ key: string; delivery: Delivery }> {
  const key = `modes/${label} ${++counter}.bin`;
  await putObject(s3fx.s3, SRC, key, body);
  const delivery = await deliveryOf('created', key);
  if (opts.sizeInEvent === false) {
    const object = (delivery.record['s3'] as { object: Record<string, unknown> }).object;
    delete object['size'];
    delete object['eTag'];
  }
  return { key, delivery };
}

async function deliveryOf(type: S3ObjectEvent['type'], key: string): Promise<Delivery> {
  const event = await waitFor(() => events.get(`${type} ${key}`), { what: `the S3 server's ${type} event for ${key}`, timeoutMs: 5000 });
  return { event, record: notificationRecord(event) };
}

const outputOf = (e: { output?: string } | undefined): Record<string, unknown> => JSON.parse(e?.output ?? 'null') as Record<string, unknown>;
const backupName = (key: string) => destinationObjectName(TARGET, SRC, key);

/** The backup is byte-identical, carries the verified mark, and is the only generation ever written under its name. */
async function expectOneVerifiedBackup(key: string, body: Buffer): Promise<void> {
  const file = storage.bucket(DST).file(backupName(key));
  const [back] = await file.download();
  expect(back.equals(body)).toBe(true);
  const [metadata] = await file.getMetadata();
  expect(metadata.metadata?.[PROVENANCE_KEYS.verified]).toBe(metadata.crc32c);
  const [generations] = await storage.bucket(DST).getFiles({ prefix: backupName(key), versions: true });
  expect(generations.map((g) => g.name)).toEqual([backupName(key)]);
}

/**
 * In express-first, the one Express execution of the event, SUCCEEDED with `fastPath` (e.g. copied, or handed off for a
 * reason); in standard-only, none. Either way the Standard executions are `standard` in number and share the event's
 * deterministic name with the Express execution (a hand-off keeps the intake's name).
 */
function expectRoute(s: System, mode: ExecutionMode, expected: { fastPath: Record<string, unknown>; standard: number }): ExecutionRecord | undefined {
  const standard = s.standard();
  expect(standard).toHaveLength(mode === 'express-first' ? expected.standard : 1);
  if (mode === 'standard-only') {
    expect(s.express()).toEqual([]);
    return standard[0];
  }
  const [run, ...more] = s.express();
  expect(more).toEqual([]);
  expect({ status: run!.status, output: outputOf(run) }).toEqual({ status: 'SUCCEEDED', output: expect.objectContaining(expected.fastPath) });
  if (standard[0]) {
    expect(standard[0].name).toBe(run!.name);
    expect(outputOf(run)['executionArn'] ?? standard[0].executionArn).toBe(standard[0].executionArn);
  }
  return standard[0];
}

/**
 * What two concurrent deliveries of one event may leave. express-first: asynchronous Express does not dedupe names, so
 * both run the fast path to success; both copy and one then finds the other's verified copy, or one loses the
 * generation race and hands off (the Standard execution then finds the copy current). standard-only: Standard dedupes
 * by the intake's deterministic name (the second start is ExecutionAlreadyExists).
 */
const TWICE: Record<ExecutionMode, unknown[]> = {
  'express-first': [
    ...[['already-current', 'copied'], ['copied', 'copied']].map((fastPathOutcomes) => ({ express: [[true, 'SUCCEEDED'], [true, 'SUCCEEDED']], fastPathOutcomes, standard: [] })),
    { express: [[true, 'SUCCEEDED'], [true, 'SUCCEEDED']], fastPathOutcomes: ['copied', 'handed-off'], standard: [[true, 'SUCCEEDED', 'already-current']] },
  ],
  'standard-only': [{ express: [], fastPathOutcomes: [], standard: [[true, 'SUCCEEDED', 'copied']] }],
};

describe.each(MODES)('%s', (mode) => {
  const handedOff = (reason: string) => ({ outcome: 'handed-off', reason });

  test('a small object whose size the event gives: copied by the small Lambda (on the fast path in express-first)', async () => {
    const body = randomBytes(2000);
    const { key, delivery } = await put('small', body);
    const s = await system(mode);
    await s.intake(delivery);
    await s.sfn.idle();
    const standard = expectRoute(s, mode, { fastPath: { outcome: 'copied', tier: 'small', bytes: body.length }, standard: 0 });
    expect(outputOf(standard ? currentRun(standard) : s.express()[0])).toMatchObject({ outcome: 'copied', tier: 'small', bytes: body.length });
    await expectOneVerifiedBackup(key, body);
  });

  test('an object larger than the small tier: the Standard machine copies it on the large tier', async () => {
    const body = randomBytes(200 * 1024);
    const { key, delivery } = await put('large', body);
    const s = await system(mode);
    await s.intake(delivery);
    await s.sfn.idle();
    const standard = expectRoute(s, mode, { fastPath: handedOff('larger-than-small-tier'), standard: 1 });
    expect(outputOf(currentRun(standard!))).toMatchObject({ outcome: 'copied', tier: 'large' });
    await expectOneVerifiedBackup(key, body);
  });

  test('an event that does not give the size: the Standard machine describes the object, then copies it', async () => {
    const body = randomBytes(3000);
    const { key, delivery } = await put('no size', body, { sizeInEvent: false });
    const s = await system(mode);
    await s.intake(delivery);
    await s.sfn.idle();
    const standard = expectRoute(s, mode, { fastPath: handedOff('size-unknown'), standard: 1 });
    expect(currentRun(standard!).timeline!.steps.map((step) => step.state)).toContain('Describe the object');
    expect(outputOf(currentRun(standard!))).toMatchObject({ outcome: 'copied', tier: 'small' });
    await expectOneVerifiedBackup(key, body);
  });

  test.each([
    // 96 MB runtime + a 6 MiB whole-object buffer does not fit in 100 MB.
    ['out of memory', 6 * MIB, { memoryMb: 100 }],
    ['out of time (States.Timeout)', 64 * 1024, { timeBudgetMs: 1 }],
  ] as const)('the small copier %s (an escalation): the Standard machine escalates to the large tier and copies', async (label, bytes, small) => {
    const body = randomBytes(bytes);
    const { key, delivery } = await put(label, body);
    const s = await system(mode, { routing: { smallMaxBytes: 8 * MIB, largeMaxBytes: 64 * MIB }, tiers: { small } });
    await s.intake(delivery);
    await s.sfn.idle();
    const standard = expectRoute(s, mode, { fastPath: handedOff('escalation'), standard: 1 });
    expect(outputOf(currentRun(standard!))).toMatchObject({ outcome: 'copied', tier: 'large' });
    await expectOneVerifiedBackup(key, body);
  });

  test('a copier failure (GCS refuses our credentials): the Standard execution fails at the copier and alerts; once fixed, a redrive copies', async () => {
    const body = randomBytes(4000);
    const { key, delivery } = await put('denied', body);
    const s = await system(mode);
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-403', times: 1000 });
    await s.intake(delivery);
    await s.sfn.idle();
    const standard = expectRoute(s, mode, { fastPath: handedOff('failure'), standard: 1 })!;
    expect({ status: currentRun(standard).status, error: currentRun(standard).error }).toEqual({ status: 'FAILED', error: 'DestinationAccessDenied' });
    expect(s.alerts.alerts).toHaveLength(1);
    expect(s.alerts.alerts[0]!.message).toContain('Status: FAILED at "Copy the object with the small Lambda"');

    emulator.faults.clear();
    await s.client.send(new RedriveExecutionCommand({ executionArn: standard.executionArn }));
    await s.sfn.idle();
    expect({ redriveCount: standard.redriveCount, status: currentRun(standard).status }).toEqual({ redriveCount: 1, status: 'SUCCEEDED' });
    expect(currentRun(standard).timeline!.steps[0]!.state).toBe('Copy the object with the small Lambda');
    await expectOneVerifiedBackup(key, body);
  });

  test.each([
    ['retain', 'delete-retained', true],
    ['mirror', 'deleted', false],
  ] as const)('a delete under the %s policy: %s (finished on the fast path in express-first)', async (policy, outcome, kept) => {
    const body = randomBytes(800);
    const { key, delivery } = await put(`delete ${policy}`, body);
    const s = await system(mode, { deletePolicy: policy });
    await s.intake(delivery);
    await s.sfn.idle();
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    await s.intake(await deliveryOf('removed', key));
    await s.sfn.idle();
    const finished = [...s.express().map(outputOf), ...s.standard().map((r) => outputOf(currentRun(r)))];
    expect(finished.map((o) => o['outcome'])).toEqual(['copied', outcome]);
    expect(mode === 'express-first' ? s.standard() : s.express()).toEqual([]);
    expect((await storage.bucket(DST).file(backupName(key)).exists())[0]).toBe(kept);
  });

  test('a delete it cannot finish (mirror policy, GCS refuses the delete): the Standard execution fails and alerts; a redrive deletes', async () => {
    const body = randomBytes(1500);
    const { key, delivery } = await put('mirror', body);
    const s = await system(mode, { deletePolicy: 'mirror' });
    await s.intake(delivery);
    await s.sfn.idle();
    await expectOneVerifiedBackup(key, body);

    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    const removed = await deliveryOf('removed', key);
    const d = await system(mode, { deletePolicy: 'mirror' });
    emulator.faults.inject({ operation: 'storage.objects.delete', fault: 'return-403', times: 1000 });
    await d.intake(removed);
    await d.sfn.idle();
    const standard = expectRoute(d, mode, { fastPath: handedOff('failure'), standard: 1 })!;
    expect({ status: currentRun(standard).status, error: currentRun(standard).error }).toEqual({ status: 'FAILED', error: 'DestinationAccessDenied' });
    expect(d.alerts.alerts).toHaveLength(1);
    expect(d.alerts.alerts[0]!.message).toContain('Status: FAILED at "Delete the backup copy"');
    expect((await storage.bucket(DST).file(backupName(key)).exists())[0]).toBe(true);

    emulator.faults.clear();
    await d.client.send(new RedriveExecutionCommand({ executionArn: standard.executionArn }));
    await d.sfn.idle();
    expect(outputOf(currentRun(standard))).toMatchObject({ outcome: 'deleted' });
    expect((await storage.bucket(DST).file(backupName(key)).exists())[0]).toBe(false);
  });

  test('an input "Normalize the event" refuses: the Standard execution fails there with InvalidInput and alerts', async () => {
    // The intake refuses such an input itself (it normalizes too); a start by hand with the machine's ARN does not.
    const input = { bucket: SRC };
    const s = await system(mode);
    await s.startIntakeMachine(`by-hand-${++counter}`, input);
    await s.sfn.idle();
    const standard = expectRoute(s, mode, { fastPath: handedOff('failure'), standard: 1 })!;
    expect({ status: currentRun(standard).status, error: currentRun(standard).error }).toEqual({ status: 'FAILED', error: 'InvalidInput' });
    expect(s.alerts.alerts).toHaveLength(1);
    expect(s.alerts.alerts[0]!.message).toContain('Status: FAILED at "Normalize the event"');
  });

  test('the same event delivered twice at once: one backup generation, verified once', async () => {
    const body = randomBytes(5000);
    const { key, delivery } = await put('twice', body);
    const s = await system(mode);
    await Promise.all([s.intake(delivery), s.intake(delivery)]);
    await s.sfn.idle();
    const name = executionName(normalizeExecutionInput(delivery.record));
    const observed = {
      express: s.express().map((r) => [r.name === name, r.status]),
      fastPathOutcomes: s.express().map((r) => outputOf(r)['outcome']).sort(),
      standard: s.standard().map((r) => [r.name === name, currentRun(r).status, outputOf(currentRun(r))['outcome']]),
    };
    expect(TWICE[mode]).toContainEqual(observed);
    await expectOneVerifiedBackup(key, body);
  });

  test('a manual replay ({bucket, key}, as s3gcs replay sends it) goes to the Standard machine: already current', async () => {
    const body = randomBytes(700);
    const { key, delivery } = await put('replay', body);
    const s = await system(mode);
    await s.intake(delivery);
    await s.sfn.idle();
    const before = { express: s.express().length, standard: s.standard().length };
    const name = replayExecutionName({ bucket: SRC, key });
    await s.client.send(new StartExecutionCommand({ stateMachineArn: LOCAL_ARNS.stateMachine, name, input: JSON.stringify(replayInput({ bucket: SRC, key })) }));
    await s.sfn.idle();
    expect(s.express()).toHaveLength(before.express);
    const replay = s.standard().find((r) => r.name === name);
    expect(s.standard()).toHaveLength(before.standard + 1);
    expect(outputOf(currentRun(replay!))).toMatchObject({ outcome: 'already-current' });
    await expectOneVerifiedBackup(key, body);
  });
});
