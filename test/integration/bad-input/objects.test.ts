/**
 * Bad-input corpus, object rows (O9-O16) on the real local path: objects beyond a tier's limits, and events that
 * disagree with what S3 holds. The local state machine runs the ASL with the real engine against the local S3 server
 * and the GCS emulator; tier limits are enforced for real (memory model, time budget).
 */
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import type { LocalEnvironment } from '../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { runBackupExecution } from '../../../workflows/local/runner';
import { encodeS3EventKey } from '../../../workflows/local/sandbox/object-events';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

const KIB = 1024;
const MIB = 1024 * KIB;
const SRC = 'objects-source';
const DST = 'objects-backup';
const TARGET: CopyTarget = { bucket: DST, prefix: '' };
let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));
beforeEach(() => {
  storage = storageFor(emulator);
});

function environment(overrides: Partial<LocalEnvironment> = {}): LocalEnvironment {
  return { s3: s3fx.s3, storage, target: TARGET, retryIntervalMs: 0, alerts: new LocalAlertSink(), ...overrides };
}

/** An S3 notification record as S3 sends it, with whatever size and ETag the test claims. */
function record(key: string, object: { size: number; eTag: string }): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: SRC }, object: { key: encodeS3EventKey(key), sequencer: '00AA', ...object } },
  };
}

async function put(key: string, body: Buffer): Promise<string> {
  return putObject(s3fx.s3, SRC, key, body);
}

async function backup(key: string): Promise<Buffer> {
  return (await storage.bucket(DST).file(destinationObjectName(TARGET, SRC, key)).download())[0];
}

const steps = (r: Awaited<ReturnType<typeof runBackupExecution>>) => r.timeline.steps.map((s) => `${s.state}${s.error ? ` [${s.error}]` : ''}`);

test('O9 an object beyond the first tier\'s memory: Runtime.OutOfMemory, escalated, copied by the next tier', async () => {
  const body = randomBytes(3 * MIB);
  const etag = await put('limits/too-big-for-small.bin', body);
  const result = await runBackupExecution(
    record('limits/too-big-for-small.bin', { size: body.length, eTag: etag }),
    environment({ routing: { smallMaxBytes: 8 * MIB }, tiers: { small: { memoryMb: 98 } } }),
  );
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ outcome: 'copied', tier: 'large', bytes: body.length });
  expect(steps(result)).toContain('Copy the object with the small Lambda [Runtime.OutOfMemory]');
  expect(steps(result)).toContain('Escalate from the small Lambda to the large Lambda');
  expect((await backup('limits/too-big-for-small.bin')).equals(body)).toBe(true);
});

test("O10 an object beyond every tier's memory: FAILED Runtime.OutOfMemory, and the alert lists each tier tried", async () => {
  const body = randomBytes(2 * MIB);
  const etag = await put('limits/too-big-for-all.bin', body);
  const result = await runBackupExecution(
    record('limits/too-big-for-all.bin', { size: body.length, eTag: etag }),
    environment({ tiers: { small: { memoryMb: 97 }, large: { memoryMb: 97 }, heavy: { memoryMb: 97 } } }),
  );
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('Runtime.OutOfMemory');
  const alert = result.alerts[0]!.message;
  expect(alert).toContain('Key: limits/too-big-for-all.bin');
  expect(alert).toContain(
    'Copiers tried:\n  - the small Lambda failed with Runtime.OutOfMemory\n  - the large Lambda failed with Runtime.OutOfMemory\n  - the heavy task failed with Runtime.OutOfMemory',
  );
  const [exists] = await storage.bucket(DST).file(destinationObjectName(TARGET, SRC, 'limits/too-big-for-all.bin')).exists();
  expect(exists).toBe(false);
});

test('O16 a copier out of time: States.Timeout, escalated, copied by the next tier', async () => {
  const body = randomBytes(64 * KIB);
  const etag = await put('limits/slow.bin', body);
  const result = await runBackupExecution(record('limits/slow.bin', { size: body.length, eTag: etag }), environment({ tiers: { small: { timeBudgetMs: 1 } } }));
  expect(result.output).toMatchObject({ outcome: 'copied', tier: 'large' });
  expect(steps(result)).toContain('Copy the object with the small Lambda [States.Timeout]');
  expect((await backup('limits/slow.bin')).equals(body)).toBe(true);
});

test('O11 an event whose size is smaller than HeadObject says: routed by the event, copied whole (HeadObject\'s size)', async () => {
  const body = randomBytes(300 * KIB);
  const etag = await put('mismatch/smaller-event.bin', body);
  const result = await runBackupExecution(record('mismatch/smaller-event.bin', { size: 10, eTag: etag }), environment());
  expect(result.output).toMatchObject({ outcome: 'copied', tier: 'small', bytes: body.length });
  expect((await backup('mismatch/smaller-event.bin')).equals(body)).toBe(true);
});

test('O12 an event whose size is larger than HeadObject says: routed to the heavy tier, copies the real 2 KiB', async () => {
  const body = randomBytes(2 * KIB);
  const etag = await put('mismatch/larger-event.bin', body);
  const result = await runBackupExecution(record('mismatch/larger-event.bin', { size: 1024 * MIB, eTag: etag }), environment());
  expect(result.output).toMatchObject({ outcome: 'copied', tier: 'heavy', bytes: body.length });
  expect((await backup('mismatch/larger-event.bin')).equals(body)).toBe(true);
});

test('O13 an event whose ETag is no longer the object\'s: superseded, nothing copied (the newer event copies)', async () => {
  await put('mismatch/etag.bin', Buffer.from('newer content'));
  const result = await runBackupExecution(record('mismatch/etag.bin', { size: 5, eTag: '0123456789abcdef0123456789abcdef' }), environment());
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ outcome: 'superseded', bytes: 0 });
  const [exists] = await storage.bucket(DST).file(destinationObjectName(TARGET, SRC, 'mismatch/etag.bin')).exists();
  expect(exists).toBe(false);
});

test('O15 an event for a bucket that does not exist: ConfigurationError, FAILED with an alert (S3 answers the HEAD with a bare 404)', async () => {
  const event = record('anything.bin', { size: 11, eTag: '5eb63bbbe01eeed093cb22bb8f5acdc3' });
  (event.s3 as { bucket: { name: string } }).bucket.name = 'no-such-source-bucket';
  const result = await runBackupExecution(event, environment());
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('ConfigurationError');
  expect(result.cause).toMatch(/the source bucket no-such-source-bucket does not exist/);
  expect(result.alerts).toHaveLength(1);
});

test('O14 an event for an object already deleted: source-gone, no alert', async () => {
  const etag = await put('mismatch/deleted.bin', Buffer.from('short-lived'));
  await s3fx.s3.send(new DeleteObjectCommand({ Bucket: SRC, Key: 'mismatch/deleted.bin' }));
  const result = await runBackupExecution(record('mismatch/deleted.bin', { size: 11, eTag: etag }), environment());
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ outcome: 'source-gone', bytes: 0 });
  expect(result.alerts).toEqual([]);
});
