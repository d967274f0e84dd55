/**
 * The deployed state machine, end to end and without mocks: asl/backup-object.asl.json run by aws-local-stepfunctions,
 * its Tasks bound to the real workflow code and copy engine, against the local S3 server (fauxqs, real HTTP) and the
 * GCS emulator (real @google-cloud/storage client). Every copy is read back from GCS.
 */
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { checksumsOf } from '../../../workflows/copy/checksums';
import type { CopyTarget } from '../../../workflows/copy/types';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { LOCAL_ARNS, type LocalEnvironment } from '../../../workflows/local/deployment';
import { runBackupExecution, type LocalExecutionResult } from '../../../workflows/local/runner';
import type { S3ObjectEvent } from '../../../workflows/local/s3-server';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';

const MIB = 1024 * 1024;
const SRC = 'source-bucket';
const DST = 'backup-bucket';
const TARGET: CopyTarget = { bucket: DST, prefix: 'mirror/' };
/** The backup's name, as the copiers name it (mirror/source-bucket/<key>). */
const nameOf = (key: string): string => destinationObjectName(TARGET, SRC, key);

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;
const events: S3ObjectEvent[] = [];
let counter = 0;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST], onObjectEvent: (e) => events.push(e) }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));
beforeEach(() => {
  emulator.faults.clear();
  storage = storageFor(emulator); // a fresh client per test: a failed save() switches off its retries for good
});

function environment(overrides: Partial<LocalEnvironment> = {}): LocalEnvironment {
  return { s3: s3fx.s3, storage, target: TARGET, retryIntervalMs: 0, alerts: new LocalAlertSink(), ...overrides };
}

function uniqueKey(label: string): string {
  return `workflow/${label} ${++counter}+${Date.now()}.bin`;
}

/** Put an object; return the S3 notification record its event would carry (form-encoded key, as S3 sends it). */
async function put(key: string, body: Buffer): Promise<{ record: Record<string, unknown>; event: Extract<S3ObjectEvent, { type: 'created' }> }> {
  const etag = await putObject(s3fx.s3, SRC, key, body);
  const event = await eventMatching((e): e is Extract<S3ObjectEvent, { type: 'created' }> => e.type === 'created' && e.key === key && e.etag === etag);
  return { record: notification('ObjectCreated:Put', event.key, { size: event.size, eTag: event.etag, sequencer: event.sequencer }), event };
}

function notification(eventName: string, key: string, object: Record<string, unknown>): Record<string, unknown> {
  const encoded = encodeURIComponent(key).replace(/%20/g, '+');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventName,
    eventTime: new Date().toISOString(),
    s3: { s3SchemaVersion: '1.0', bucket: { name: SRC }, object: { key: encoded, ...object } },
  };
}

function eventMatching<T extends S3ObjectEvent>(match: (e: S3ObjectEvent) => e is T): Promise<T> {
  return waitFor(() => events.find(match), { timeoutMs: 5_000, what: 'a matching event from the local S3 server', intervalMs: 10 });
}

async function expectBackup(key: string, body: Buffer): Promise<void> {
  const [back] = await storage.bucket(DST).file(nameOf(key)).download();
  expect(back.equals(body)).toBe(true);
}

function states(result: LocalExecutionResult): string[] {
  return result.timeline.steps.map((s) => s.state);
}

describe('copies', () => {
  test('an S3 notification record: copied byte-identical on the small tier, then already-current on a duplicate', async () => {
    const key = uniqueKey('put');
    const body = randomBytes(64 * 1024);
    const { record } = await put(key, body);

    const first = await runBackupExecution(record, environment());
    expect(first.status).toBe('SUCCEEDED');
    const sums = checksumsOf(body);
    expect(first.output).toMatchObject({ outcome: 'copied', bytes: body.length, crc32c: sums.crc32c, md5: sums.md5, tier: 'small', destination: `gs://${DST}/${nameOf(key)}` });
    await expectBackup(key, body);

    const duplicate = await runBackupExecution({ Records: [record] }, environment());
    expect(duplicate.status).toBe('SUCCEEDED');
    expect(duplicate.output).toMatchObject({ outcome: 'already-current', bytes: 0 });
  });

  test('an EventBridge Object Created event (plain key with "+")', async () => {
    const key = uniqueKey('eventbridge c++');
    const body = randomBytes(3000);
    const { event } = await put(key, body);
    const input = {
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      time: event.eventTime,
      detail: { bucket: { name: SRC }, object: { key, size: event.size, etag: event.etag, sequencer: event.sequencer }, reason: 'PutObject' },
    };
    const result = await runBackupExecution(input, environment());
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'copied', bytes: 3000 });
    await expectBackup(key, body);
  });

  test('a manual {bucket, key}: described by HeadObject, then copied', async () => {
    const key = uniqueKey('manual');
    const body = randomBytes(5000);
    await put(key, body);
    const result = await runBackupExecution({ bucket: SRC, key }, environment());
    expect(result.status).toBe('SUCCEEDED');
    expect(states(result)).toContain('Describe the object');
    expect(result.output).toMatchObject({ outcome: 'copied', bytes: 5000 });
    await expectBackup(key, body);
  });

  test('a large object starts on the large tier and is copied with ranged GETs', async () => {
    const key = uniqueKey('large');
    const body = randomBytes(12 * MIB);
    const { record } = await put(key, body);
    const result = await runBackupExecution(record, environment({ routing: { smallMaxBytes: 4 * MIB, largeMaxBytes: 64 * MIB } }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'copied', tier: 'large', bytes: 12 * MIB });
    await expectBackup(key, body);
  });
});

describe('order and change', () => {
  test('stale-event: an older event after a newer copy changes nothing', async () => {
    const key = uniqueKey('stale');
    const v1 = await put(key, Buffer.from('version one'));
    const v2body = Buffer.from('version two, newer');
    const v2 = await put(key, v2body);
    expect((await runBackupExecution(v2.record, environment())).output).toMatchObject({ outcome: 'copied' });
    const late = await runBackupExecution(v1.record, environment());
    expect(late.status).toBe('SUCCEEDED');
    expect(late.output).toMatchObject({ outcome: 'stale-event', bytes: 0 });
    await expectBackup(key, v2body);
  });

  test('superseded: the object changed since its event (ETag no longer matches)', async () => {
    const key = uniqueKey('superseded');
    const v1 = await put(key, Buffer.from('first'));
    await put(key, Buffer.from('second, different'));
    const result = await runBackupExecution(v1.record, environment());
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'superseded', bytes: 0 });
  });

  test('source-gone: the object was deleted before its copy ran', async () => {
    const key = uniqueKey('gone');
    const { record } = await put(key, Buffer.from('short-lived'));
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    const result = await runBackupExecution(record, environment());
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'source-gone', bytes: 0 });
  });

  test('source-gone from "Describe the object" for a manual input naming a missing key', async () => {
    const result = await runBackupExecution({ bucket: SRC, key: uniqueKey('never-existed') }, environment());
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'source-gone' });
    expect(states(result)).not.toContain('Copy the object with the small Lambda');
  });
});

describe('skip rules and deletes', () => {
  test('skipped: nothing is written to GCS', async () => {
    const key = `workflow/tmp/${++counter}.part`;
    const { record } = await put(key, Buffer.from('scratch'));
    const result = await runBackupExecution(record, environment({ skipPatterns: ['**/*.part'] }));
    expect(result.output).toMatchObject({ outcome: 'skipped', detail: 'The key matches the skip pattern **/*.part' });
    const [exists] = await storage.bucket(DST).file(nameOf(key)).exists();
    expect(exists).toBe(false);
  });

  test('delete-retained (default policy) keeps the copy; deleted (mirror) removes it', async () => {
    const key = uniqueKey('delete');
    const body = Buffer.from('to be deleted');
    const { record } = await put(key, body);
    expect((await runBackupExecution(record, environment())).output).toMatchObject({ outcome: 'copied' });
    await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: key }));
    const removed = await eventMatching((e): e is Extract<S3ObjectEvent, { type: 'removed' }> => e.type === 'removed' && e.key === key);
    const deleteRecord = notification('ObjectRemoved:Delete', key, { sequencer: removed.sequencer });

    const retained = await runBackupExecution(deleteRecord, environment());
    expect(retained.output).toMatchObject({ outcome: 'delete-retained' });
    await expectBackup(key, body);

    const mirrored = await runBackupExecution(deleteRecord, environment({ deletePolicy: 'mirror' }));
    expect(mirrored.status).toBe('SUCCEEDED');
    expect(mirrored.output).toMatchObject({ outcome: 'deleted' });
    const [exists] = await storage.bucket(DST).file(nameOf(key)).exists();
    expect(exists).toBe(false);
  });
});

describe('retries, escalation and alerts', () => {
  test('escalates small -> large -> heavy on real limits (memory model, then time budget) and copies on heavy', async () => {
    const key = uniqueKey('escalate');
    const body = randomBytes(6 * MIB);
    const { record } = await put(key, body);
    const env = environment({
      routing: { smallMaxBytes: 8 * MIB, largeMaxBytes: 64 * MIB },
      // small: 96 MB runtime + a 6 MiB whole-object buffer does not fit in 100 MB; large: 1 ms is not enough to copy.
      tiers: { small: { memoryMb: 100 }, large: { timeBudgetMs: 1 } },
    });
    const result = await runBackupExecution(record, env);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'copied', tier: 'heavy', bytes: body.length });
    const errors = result.timeline.steps.filter((s) => s.status === 'caught').map((s) => [s.state, s.error]);
    expect(errors).toEqual([
      ['Copy the object with the small Lambda', 'Runtime.OutOfMemory'],
      ['Copy the object with the large Lambda', 'States.Timeout'],
    ]);
    await expectBackup(key, body);
  });

  test('GCS failing past the client retries surfaces as TransientError, which the state retries to success', async () => {
    const key = uniqueKey('transient');
    const body = randomBytes(2000);
    const { record } = await put(key, body);
    // The client makes 4 attempts per call; 4 failures exhaust one copy attempt.
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-503', times: 4 });
    const result = await runBackupExecution(record, environment());
    expect(result.status).toBe('SUCCEEDED');
    const small = result.timeline.steps.find((s) => s.state === 'Copy the object with the small Lambda');
    expect(small?.retries.map((r) => r.error)).toEqual(['TransientError']);
    await expectBackup(key, body);
  });

  test('a corrupted upload is an IntegrityError, retried once, and no corrupt object stays current', async () => {
    const key = uniqueKey('corrupt');
    const body = randomBytes(4000);
    const { record } = await put(key, body);
    emulator.faults.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data' });
    const result = await runBackupExecution(record, environment());
    expect(result.status).toBe('SUCCEEDED');
    const small = result.timeline.steps.find((s) => s.state === 'Copy the object with the small Lambda');
    expect(small?.retries.map((r) => r.error)).toEqual(['IntegrityError']);
    await expectBackup(key, body);
  });

  test('GCS refusing our credentials alerts (bucket, key, error, console URL, replay) and FAILS the execution', async () => {
    const key = uniqueKey('denied');
    const { record } = await put(key, Buffer.from('x'));
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-403' });
    const result = await runBackupExecution(record, environment(), { executionName: 'denied-1' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DestinationAccessDenied');
    expect(result.alerts).toHaveLength(1);
    const message = result.alerts[0]!.message;
    expect(message).toContain(`Bucket: ${SRC}\nKey: ${key}\n`);
    expect(message).toContain('Error: DestinationAccessDenied');
    expect(message).toContain('  - the small Lambda failed with DestinationAccessDenied');
    expect(message).toContain('#/v2/executions/details/arn:aws:states:local:000000000000:execution:backup-object:denied-1');
    expect(message).toContain(`--input '{"bucket":"${SRC}","key":"${key}"}'`);
  });

  test(`a key with ' \\ " $ and a backtick: its alert's Key line is the key, and its replay command gives the shell the exact input`, async () => {
    const key = uniqueKey(`it's a \\back\\slash "quoted" $HOME \`id\``);
    const { record } = await put(key, Buffer.from('x'));
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-403' });
    const result = await runBackupExecution(record, environment(), { executionName: 'nasty-key-1' });
    expect(result.status).toBe('FAILED');
    const lines = result.alerts[0]!.message.split('\n');
    expect(lines.filter((line) => line.startsWith('Key: '))).toEqual([`Key: ${key}`]);
    const command = lines.filter((line) => line.startsWith('aws stepfunctions start-execution '));
    expect(command).toHaveLength(1);
    const args = execFileSync('/bin/sh', ['-c', command[0]!.replace('aws stepfunctions start-execution ', "printf '%s\\0' ")], { encoding: 'utf8' });
    expect(args.split('\0').slice(0, -1)).toEqual(['--state-machine-arn', LOCAL_ARNS.stateMachine, '--input', JSON.stringify({ bucket: SRC, key })]);
  });

  test('a target bucket that does not exist is a ConfigurationError alert, not an escalation', async () => {
    const key = uniqueKey('no-bucket');
    const { record } = await put(key, Buffer.from('x'));
    const result = await runBackupExecution(record, environment({ target: { bucket: 'missing-bucket', prefix: '' } }));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ConfigurationError');
    expect(states(result)).not.toContain('Copy the object with the large Lambda');
  });
});
