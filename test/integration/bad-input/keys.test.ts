/**
 * Bad-input corpus, key rows (K*) and the 0-byte object (O1), through the real event path: objects written to the
 * local S3 server become S3 notification records (keys form-URL-encoded as S3 sends them), go through the local
 * intake and start-executions to the local Step Functions API (which validates execution names as AWS does), run the
 * ASL with the real engine and land in the GCS emulator — read back with the real GCS client.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Storage } from '@google-cloud/storage';
import { destinationUrl } from '../../../workflows/backup/keys';
import { normalizeExecutionInput } from '../../../workflows/backup/normalize';
import type { StartLogger } from '../../../workflows/backup/start-executions';
import type { CopyTarget } from '../../../workflows/copy/types';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { LOCAL_ARNS, type LocalEnvironment } from '../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { runBackupExecution } from '../../../workflows/local/runner';
import { LocalIntake } from '../../../workflows/local/sandbox/intake';
import { currentRun, LocalStepFunctions, localSfnClient, startSfnApi, type ExecutionRecord, type SfnApiServer } from '../../../workflows/local/sfn-api';
import { logger } from '../../../workflows/logger';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import type { S3Fixture } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';

const SRC_ROOT = 'keys-to-root'; // backed up with no prefix, legacy layout: names are the keys, at the bucket's root
const SRC_PREFIXED = 'keys-prefixed'; // backed up under mirror/, default layout: mirror/keys-prefixed/<key>
const DST = 'keys-backup';
const TARGETS: Record<string, CopyTarget> = {
  [SRC_ROOT]: { bucket: DST, prefix: '', layout: { kind: 'legacy', sourceBucket: SRC_ROOT } },
  [SRC_PREFIXED]: { bucket: DST, prefix: 'mirror/' },
};
/** Where the copiers put a key: built as they build it, unchecked so refused names can be looked for too. */
const nameOf = (bucket: string, key: string): string => destinationUrl(TARGETS[bucket]!, bucket, key).slice(`gs://${DST}/`.length);
const PREFIXED_ARN = LOCAL_ARNS.stateMachine.replace(/backup-object$/, 'backup-object-prefixed');
const LONG_ASCII = `long/${'k'.repeat(1019)}`; // 1024 bytes
const LONG_UNICODE = 'é'.repeat(512); // 512 characters, 1024 bytes of UTF-8

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;
let stepFunctions: LocalStepFunctions;
let sfnServer: SfnApiServer;
let sfn: SFNClient;
const intakeErrors: string[] = [];

/** [row, bucket, key, body] — every object the test writes. */
const OBJECTS: [string, string, string, string][] = [
  ['K1', SRC_ROOT, 'plus+sign.txt', 'plus'],
  ['K2', SRC_ROOT, 'with space.txt', 'space'],
  ['K3', SRC_ROOT, 'literal%2Bpercent.txt', 'percent'],
  ['K5', SRC_ROOT, 'données/日本語/😀.txt', 'unicode'],
  ['K6', SRC_ROOT, LONG_ASCII, 'long ascii'],
  ['K6', SRC_ROOT, LONG_UNICODE, 'long unicode'],
  ['K7', SRC_PREFIXED, LONG_ASCII, 'too long with the prefix'],
  ['K8', SRC_ROOT, 'line\r\nbreak.txt', 'crlf'],
  ['K8', SRC_ROOT, 'line\nfeed.txt', 'lf'],
  ['K9', SRC_ROOT, '.', 'dot'],
  ['K9', SRC_ROOT, '..', 'dotdot'],
  ['K9', SRC_PREFIXED, '..', 'dotdot under a prefix'],
  ['K10', SRC_ROOT, 'a/../b.txt', 'dot segments'],
  ['K10', SRC_ROOT, 'a/./b.txt', 'dot segment'],
  ['K11', SRC_ROOT, 'folder/', ''],
  ['K12', SRC_ROOT, '.well-known/acme-challenge/token', 'acme'],
  ['O1', SRC_ROOT, 'empty.bin', ''],
];

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator, storage } = await startLocalServers({ s3Buckets: [SRC_ROOT, SRC_PREFIXED], gcsBuckets: [DST] }));
  const env = (target: CopyTarget): LocalEnvironment => ({ s3: s3fx.s3, storage, target, retryIntervalMs: 0, alerts: new LocalAlertSink() });
  const machine = (arn: string, target: CopyTarget) => ({
    name: arn.slice(arn.lastIndexOf(':') + 1),
    arn,
    definition: '{}',
    run: (input: unknown, execution: { name: string }) => runBackupExecution(input, env(target), { executionName: execution.name }),
  });
  stepFunctions = new LocalStepFunctions({ stateMachines: [machine(LOCAL_ARNS.stateMachine, TARGETS[SRC_ROOT]!), machine(PREFIXED_ARN, TARGETS[SRC_PREFIXED]!)], maxConcurrent: 4 });
  sfnServer = await startSfnApi(stepFunctions, { port: 0 });
  sfn = localSfnClient(sfnServer.endpoint);
  const intakeLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string) => void intakeErrors.push(m),
    error: (m: string, e?: { reason?: string }) => void intakeErrors.push(`${m}: ${e?.reason}`),
  } as unknown as StartLogger;
  const intakes = {
    [SRC_ROOT]: new LocalIntake({ sfn, stateMachineArn: LOCAL_ARNS.stateMachine, logger: intakeLogger }),
    [SRC_PREFIXED]: new LocalIntake({ sfn, stateMachineArn: PREFIXED_ARN, logger: intakeLogger }),
  };
  // Not awaited: the intakes are closed after setup, and later PUTs here must succeed without one (a closed intake
  // refuses events, which would fail a PUT that waited for it).
  s3fx.server.onObjectEvent((event) => void intakes[event.bucket as keyof typeof intakes]?.push(event));
  for (const [, bucket, key, body] of OBJECTS) await s3fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
  await waitFor(() => stepFunctions.executions().length >= OBJECTS.length, {
    timeoutMs: 20_000,
    what: `an execution for each of the ${OBJECTS.length} objects`,
    detail: () => `saw ${stepFunctions.executions().length}`,
  });
  for (const intake of Object.values(intakes)) await intake.idle();
  await stepFunctions.idle();
  for (const intake of Object.values(intakes)) await intake.close();
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await sfnServer?.close();
  await stopLocalServers({ s3fx, emulator });
});

function executionOf(bucket: string, key: string): ExecutionRecord {
  const found = stepFunctions.executions().filter((r) => {
    // start-executions hands the state machine the normalized event: its key is the decoded one, exactly.
    const event = normalizeExecutionInput(JSON.parse(r.input));
    return event.bucket === bucket && event.key === key;
  });
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** A short, printable name for a key in test titles. */
function label(key: string): string {
  const printable = JSON.stringify(key);
  return printable.length > 40 ? `${printable.slice(0, 12)}… (${Buffer.byteLength(key)} bytes)` : printable;
}

/** The backup's bytes, or undefined. Existence comes from a listing: the client cannot address an object named '.' or '..'. */
async function backupOf(name: string): Promise<Buffer | undefined> {
  const [files] = await storage.bucket(DST).getFiles({ prefix: name });
  const file = files.find((f) => f.name === name);
  return file ? (await file.download())[0] : undefined;
}

test('every event was started under a valid execution name; none failed in the intake', () => {
  expect(intakeErrors).toEqual([]);
  expect(stepFunctions.executions()).toHaveLength(OBJECTS.length);
  for (const r of stepFunctions.executions()) expect(r.name).toMatch(/^copy-[A-Za-z0-9_-]{1,75}$/);
});

const COPIED = OBJECTS.filter(([row, bucket, key]) => ['K1', 'K2', 'K3', 'K5', 'K6', 'K10', 'K11', 'O1'].includes(row) || (row === 'K9' && bucket === SRC_PREFIXED && key === '..'));
test.each(COPIED.map(([row, bucket, key, body]) => [row, label(key), bucket, key, body]))('%s %s: copied under exactly that name, byte-identical', async (_row, _label, bucket, key, body) => {
  const run = currentRun(executionOf(bucket, key));
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output!)).toMatchObject({ outcome: 'copied', bytes: Buffer.byteLength(body) });
  expect((await backupOf(nameOf(bucket, key)))?.toString()).toBe(body);
});

test('O1 a 0-byte object (and K11 the folder/ marker): copied with the CRC32C and MD5 of nothing', async () => {
  for (const key of ['empty.bin', 'folder/']) {
    const [meta] = await storage.bucket(DST).file(key).getMetadata();
    expect(meta).toMatchObject({ size: '0', crc32c: 'AAAAAA==', md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==' });
  }
});

const REFUSED: [string, string, string, RegExp][] = [
  ['K7', SRC_PREFIXED, LONG_ASCII, /the name is 1045 bytes of UTF-8; GCS allows at most 1024/],
  ['K8', SRC_ROOT, 'line\r\nbreak.txt', /cannot contain carriage return or line feed/],
  ['K8', SRC_ROOT, 'line\nfeed.txt', /cannot contain carriage return or line feed/],
  ['K9', SRC_ROOT, '.', /GCS does not allow objects named '.' or '..'/],
  ['K9', SRC_ROOT, '..', /GCS does not allow objects named '.' or '..'/],
  ['K12', SRC_ROOT, '.well-known/acme-challenge/token', /GCS reserves names under .well-known\/acme-challenge\//],
];
test.each(REFUSED.map(([row, bucket, key, reason]) => [row, `${label(key)}${bucket === SRC_PREFIXED ? ' under mirror/keys-prefixed/' : ''}`, bucket, key, reason] as const))(
  '%s %s: FAILED with InvalidDestinationName before any byte moved, and an alert naming the key',
  async (_row, _label, bucket, key, reason) => {
  const run = currentRun(executionOf(bucket, key));
  expect(run.status).toBe('FAILED');
  expect(run.error).toBe('InvalidDestinationName');
  expect(run.cause).toMatch(reason);
  expect(run.cause).toMatch(/Rename the source object or exclude it with a skip pattern/);
  expect(run.alerts).toHaveLength(1);
  expect(run.alerts[0]!.message).toContain(`Key: ${key}`);
  expect(await backupOf(nameOf(bucket, key))).toBeUndefined();
  },
);

test('K4 an EventBridge key keeps its "+" (EventBridge keys are not form-encoded)', async () => {
  const key = 'eventbridge c++.txt';
  await s3fx.s3.send(new PutObjectCommand({ Bucket: SRC_ROOT, Key: key, Body: Buffer.from('eb') }));
  const input = {
    version: '0',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: SRC_ROOT }, object: { key, size: 2 } },
  };
  const result = await runBackupExecution(input, { s3: s3fx.s3, storage, target: TARGETS[SRC_ROOT]!, retryIntervalMs: 0, alerts: new LocalAlertSink() });
  expect(result.output).toMatchObject({ outcome: 'copied', bytes: 2 });
  expect((await backupOf(key))?.toString()).toBe('eb');
});

/** An EventBridge Object Created event for `key` with the ETag and size S3 reported for `stored` under its own key. */
async function eventBridgeFor(eventKey: string, storedKey: string, body: string) {
  const put = await s3fx.s3.send(new PutObjectCommand({ Bucket: SRC_ROOT, Key: storedKey, Body: Buffer.from(body) }));
  return {
    version: '0',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: SRC_ROOT }, object: { key: eventKey, size: body.length, etag: put.ETag!.replace(/"/g, '') } },
  };
}

test('K13 an EventBridge key whose "+" stands for a space (form-encoded after all): resolved, copied under the key S3 has', async () => {
  const input = await eventBridgeFor('k13+form+encoded.txt', 'k13 form encoded.txt', 'k13');
  const result = await runBackupExecution(input, { s3: s3fx.s3, storage, target: TARGETS[SRC_ROOT]!, retryIntervalMs: 0, alerts: new LocalAlertSink() });
  expect(result.output).toMatchObject({ outcome: 'copied', bytes: 3, destination: `gs://${DST}/${nameOf(SRC_ROOT, 'k13 form encoded.txt')}` });
  expect((await backupOf(nameOf(SRC_ROOT, 'k13 form encoded.txt')))?.toString()).toBe('k13');
  expect(await backupOf(nameOf(SRC_ROOT, 'k13+form+encoded.txt'))).toBeUndefined();
});

test('K14 the other reading of the key holds another object (ETag differs): source-gone, nothing copied', async () => {
  const input = await eventBridgeFor('k14+other.txt', 'k14 other.txt', 'k14');
  await s3fx.s3.send(new PutObjectCommand({ Bucket: SRC_ROOT, Key: 'k14 other.txt', Body: Buffer.from('someone else') }));
  const result = await runBackupExecution(input, { s3: s3fx.s3, storage, target: TARGETS[SRC_ROOT]!, retryIntervalMs: 0, alerts: new LocalAlertSink() });
  expect(result.output).toMatchObject({ outcome: 'source-gone' });
  expect(await backupOf(nameOf(SRC_ROOT, 'k14 other.txt'))).toBeUndefined();
});
