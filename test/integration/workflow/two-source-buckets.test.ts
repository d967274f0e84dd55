/**
 * Two source buckets backed up into ONE destination bucket and prefix (as the example production stage is configured),
 * each holding the same key. Run through the deployed state machine (asl/backup-object.asl.json on the local runner)
 * against the local S3 server and the GCS emulator: both backups must exist, each naming its own source.
 */
import type { Storage } from '@google-cloud/storage';
import { readProvenance } from '../../../workflows/copy/metadata';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import type { LocalEnvironment } from '../../../workflows/local/deployment';
import { runBackupExecution } from '../../../workflows/local/runner';
import { logger } from '../../../workflows/logger';
import { storageFor } from '../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';

const INVOICES = 'example-company-invoices';
const MEDIA = 'example-company-media';
const DST = 'example-company-aws-backup';
const PREFIX = 'aws/';
const KEY = 'shared/report.txt';

let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [INVOICES, MEDIA], gcsBuckets: [DST] }));
  storage = storageFor(emulator);
});
afterAll(() => stopLocalServers({ s3fx, emulator }));

function environment(): LocalEnvironment {
  return { s3: s3fx.s3, storage, target: { bucket: DST, prefix: PREFIX }, retryIntervalMs: 0, alerts: new LocalAlertSink() };
}

test('the same key in two source buckets: both backed up, each under its own name with its own provenance', async () => {
  const bodies = { [INVOICES]: Buffer.from('the invoices report'), [MEDIA]: Buffer.from('the media report, a different one') };
  for (const [bucket, body] of Object.entries(bodies)) await putObject(s3fx.s3, bucket, KEY, body);

  const outputs = [];
  for (const bucket of [INVOICES, MEDIA]) {
    const result = await runBackupExecution({ bucket, key: KEY }, environment());
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'copied' });
    outputs.push((result.output as { destination: string }).destination);
  }
  expect(outputs[0]).not.toBe(outputs[1]);

  const [files] = await storage.bucket(DST).getFiles({ prefix: PREFIX });
  const backups = await Promise.all(
    files.map(async (f) => ({ name: f.name, provenance: readProvenance(f.metadata.metadata as Record<string, unknown>), body: (await f.download())[0].toString() })),
  );
  for (const [bucket, body] of Object.entries(bodies)) {
    const mine = backups.filter((b) => b.provenance.bucket === bucket && b.provenance.key === KEY);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toBe(body.toString());
    expect(`gs://${DST}/${mine[0]!.name}`).toBe(outputs[bucket === INVOICES ? 0 : 1]);
  }
});
