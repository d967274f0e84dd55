/**
 * A burst against the small copier's concurrency limit, end to end: real copy engine, local S3 server, GCS emulator.
 * Lambda refuses invocations beyond a function's reserved concurrency (Lambda.TooManyRequestsException); the state
 * machine must wait and retry on the same tier, never escalate, and every object must arrive intact (issue 11 §2).
 */
import type { Storage } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { preparedFor, runBackupExecution } from '../../../workflows/local/runner';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

const SRC = 'burst-source';
const DST = 'burst-backup';
const TARGET: CopyTarget = { bucket: DST, prefix: '' };
const OBJECTS = 200;
const LIMIT = 5;

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
  storage = storageFor(emulator);
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

test(`${OBJECTS} small objects at a concurrency limit of ${LIMIT}: all copied by the small Lambda, byte-identical, no escalation`, async () => {
  const objects = await Promise.all(
    Array.from({ length: OBJECTS }, async (_, i) => {
      const key = `burst/object-${i}.bin`;
      const body = randomBytes(1024 + i);
      const eTag = await putObject(s3fx.s3, SRC, key, body);
      return { key, body, eTag };
    }),
  );
  const env = {
    s3: s3fx.s3,
    storage,
    target: TARGET,
    alerts: new LocalAlertSink(),
    tiers: { small: { concurrencyLimit: LIMIT }, large: { concurrencyLimit: LIMIT } },
    // Full jitter, as in AWS: executions throttled together must not all retry together. 15 retries of 0-5 s give
    // about 37 s, far above the few seconds the burst needs here even on a loaded machine (AWS waits minutes:
    // asl/README.md, "Throttling waits").
    retryIntervalMs: 5_000,
    retryJitter: true,
  };
  const results = await Promise.all(
    objects.map(({ key, body, eTag }) =>
      runBackupExecution(
        { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: SRC }, object: { key, size: body.length, eTag, sequencer: '0A' } } }] },
        env,
      ),
    ),
  );

  const { concurrency } = preparedFor(env);
  expect(concurrency.small.throttled).toBeGreaterThan(0);
  expect(concurrency.small.peak).toBeLessThanOrEqual(LIMIT);
  expect(results.filter((r) => r.status !== 'SUCCEEDED').map((r) => `${r.executionName}: ${r.error} ${r.cause}`)).toEqual([]);
  expect(results.flatMap((r) => r.timeline.steps.map((s) => s.state)).filter((s) => s.startsWith('Escalate'))).toEqual([]);
  expect(results.map((r) => (r.output as { tier?: string }).tier)).toEqual(objects.map(() => 'small'));
  for (const { key, body } of objects) {
    const [back] = await storage.bucket(DST).file(destinationObjectName(TARGET, SRC, key)).download();
    expect(back.equals(body)).toBe(true);
  }
}, 180_000);
