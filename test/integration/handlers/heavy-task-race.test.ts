import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import type { TaskTokenReporter } from '../../../workflows/backup/heavy-task';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { checksumsOf } from '../../../workflows/copy/checksums';
import { PROVENANCE_KEYS } from '../../../workflows/copy/metadata';
import type { CopyOutcome, CopyTarget } from '../../../workflows/copy/types';
import { copier } from '../../../workflows/handlers/copy-object';
import { heavyTaskHandler } from '../../../workflows/handlers/heavy-task';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { localS3Client } from '../../../workflows/local/s3-server';
import { logger } from '../../../workflows/logger';
import type { MetricsSink } from '../../../workflows/metrics';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

/**
 * A heartbeat timeout retries the heavy state while the first task may still be copying (Step Functions does not
 * stop it): two heavy tasks then copy one object at once. Both run here through the heavy task's own factory, each
 * with its own clients (two containers), against the local S3 server and the GCS emulator, and are held until both
 * have read the destination and are about to read the source — so both upload with the same precondition and race
 * to commit. The engine's generation preconditions and verified mark must leave one verified, byte-identical backup.
 */

const MIB = 1024 * 1024;
const SRC = 'race-source';
const DST = 'race-backup';
const TARGET: CopyTarget = { bucket: DST, prefix: 'mirror/' };
/** Small parts and chunks, so both uploads are in flight at once; the object takes the resumable (large) path. */
const ENGINE = { partSizeBytes: MIB, concurrency: 2, uploadChunkBytes: MIB };

let s3fx: S3Fixture;
let emulator: GcsEmulator;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

/** Opens once `parties` have arrived. */
function barrier(parties: number): { arrive(): Promise<void> } {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    arrive: () => {
      if (++arrived === parties) open();
      return opened;
    },
  };
}

/** Holds this client's source reads until every attempt got as far (its destination read is done by then); counts them. */
function holdSourceReads(s3: S3Client, gate: { arrive(): Promise<void> }): { reads: number } {
  let arrival: Promise<void> | undefined;
  const counted = { reads: 0 };
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') {
        counted.reads++;
        await (arrival ??= gate.arrive());
      }
      return next(args);
    },
    { step: 'initialize', name: 'holdSourceReads' },
  );
  return counted;
}

const noMetrics: MetricsSink = { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined };

type Report = { success: CopyOutcome } | { failure: { error: string; cause: string } };

function recorder(): TaskTokenReporter & { reports: Report[] } {
  const reports: Report[] = [];
  return {
    reports,
    success: async (success) => void reports.push({ success }),
    failure: async (error, cause) => void reports.push({ failure: { error, cause } }),
    heartbeat: async () => undefined,
  };
}

test('two heavy attempts racing on one object leave one verified, byte-identical backup, and both end sensibly', async () => {
  const key = `race/${Date.now()}.bin`;
  const data = randomBytes(12 * MIB + 12_345);
  const etag = await putObject(s3fx.s3, SRC, key, data);
  const request = JSON.stringify({ action: 'copy', bucket: SRC, key, etag, size: data.length, origin: 'manual' });
  const gate = barrier(2);

  const attempt = async (): Promise<{ ok: boolean; reports: Report[]; sourceReads: number }> => {
    const s3 = localS3Client(s3fx.server.endpoint);
    const counted = holdSourceReads(s3, gate);
    const storage = storageFor(emulator);
    const run = heavyTaskHandler({
      copier: () => copier({ config: { tier: 'heavy', target: TARGET, engine: ENGINE }, s3, storage: async () => storage, metrics: noMetrics }),
      heartbeatMs: 60_000,
    });
    const reporter = recorder();
    const ok = await run({ TASK_TOKEN: 'token', COPY_REQUEST: request }, reporter);
    return { ok, reports: reporter.reports, sourceReads: counted.reads };
  };
  const results = await Promise.all([attempt(), attempt()]);
  // Both really copied at once: each read every part of the source (one ranged GET per MiB).
  for (const { sourceReads } of results) expect(sourceReads).toBeGreaterThanOrEqual(Math.ceil(data.length / MIB));

  // Each attempt reported exactly once: a success (copied, or already-current after the other won), or a retryable
  // TransientError ("changed 3 times"). Never a corrupt copy, an IntegrityError or a silent exit.
  const ending = ({ ok, reports }: { ok: boolean; reports: Report[] }): string[] =>
    reports.map((r) => ('success' in r ? `${String(ok)}: ${r.success.outcome}` : `${String(ok)}: ${r.failure.error}`));
  for (const result of results) {
    expect(ending(result)).toEqual([expect.stringMatching(/^(true: (copied|already-current)|false: TransientError)$/)]);
  }
  const successes = results.flatMap((r) => r.reports).flatMap((r) => ('success' in r ? [r.success] : []));
  expect(successes.length).toBeGreaterThanOrEqual(1);

  const file = storageFor(emulator).bucket(DST).file(destinationObjectName(TARGET, SRC, key));
  const [meta] = await file.getMetadata();
  const [back] = await file.download();
  const { crc32c } = checksumsOf(data);
  expect(back.equals(data)).toBe(true);
  expect(meta.crc32c).toBe(crc32c);
  expect(meta.metadata?.[PROVENANCE_KEYS.verified]).toBe(crc32c);
  // Every success names the one generation that stayed current: the loser's upload never committed over it.
  for (const s of successes) expect(s.generation).toBe(String(meta.generation));
});
