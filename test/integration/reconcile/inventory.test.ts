import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';
import { latestInventoryManifest } from '../../../workflows/reconcile/inventory';
import { reconcile } from '../../../workflows/reconcile/reconcile';
import { startTestGcs, type TestGcs } from '../../support/gcs-emulator';
import { putObject, startS3Fixture, type S3Fixture } from '../../support/s3-server';

/**
 * Reconciliation over an S3 Inventory report instead of a listing (buckets too big to list on a schedule): the newest
 * report of a configuration is found by its dated folder, its gzipped CSV is read, and each object is compared with its
 * backup by name. Step Functions is mocked; S3 and GCS are the local servers.
 */
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backup-object';
const sfn = mockClient(SFNClient);
let s3: S3Fixture;
let gcs: TestGcs;
const target: CopyTarget = { bucket: 'backup', prefix: '', layout: { kind: 'by-source-bucket' } };
const FOLDER = 'inv/data-bucket/daily/';

beforeAll(async () => {
  s3 = await startS3Fixture();
  gcs = await startTestGcs({ buckets: ['backup'] });
  await s3.createBucket('data-bucket');
  await s3.createBucket('inventory');
  const etags = new Map<string, string>();
  for (const key of ['a/backed up.txt', 'a/missing.txt', 'b/other.txt']) etags.set(key, await putObject(s3.s3, 'data-bucket', key, Buffer.from(key)));
  // The one backup: a copy with the provenance and the verified mark the engine writes.
  const backedUp = 'a/backed up.txt';
  await gcs.storage
    .bucket('backup')
    .file(destinationObjectName(target, 'data-bucket', backedUp))
    .save(backedUp, { preconditionOpts: { ifGenerationMatch: 0 }, metadata: { metadata: { 's3-bucket': 'data-bucket', 's3-key': backedUp, 's3-etag': etags.get(backedUp)! } } });
  const [meta] = await gcs.storage.bucket('backup').file(destinationObjectName(target, 'data-bucket', backedUp)).getMetadata();
  await gcs.storage.bucket('backup').file(destinationObjectName(target, 'data-bucket', backedUp)).setMetadata({ metadata: { 'verified-crc32c': meta.crc32c! } });

  // An older report that lists nothing, and the newest one (keys URL-encoded, as S3 Inventory writes them).
  const csv = [...etags].map(([key, etag]) => `"data-bucket","${encodeURIComponent(key)}","${Buffer.byteLength(key)}","${etag}"`).join('\n');
  await put('inventory', `${FOLDER}data/new.csv.gz`, gzipSync(csv));
  for (const [stamp, files] of [['2026-12-02T01-00Z', []], ['2026-12-03T01-00Z', [{ key: `${FOLDER}data/new.csv.gz` }]]] as const) {
    const manifest = { sourceBucket: 'data-bucket', destinationBucket: 'arn:aws:s3:::inventory', fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size, ETag', files };
    await put('inventory', `${FOLDER}${stamp}/manifest.json`, Buffer.from(JSON.stringify(manifest)));
  }
});
afterAll(async () => {
  await s3?.server.close();
  await gcs?.emulator.close();
});
beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
});

async function put(bucket: string, key: string, body: Buffer): Promise<void> {
  await s3.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

describe('reconcile from an S3 Inventory report', () => {
  it('finds the newest report of a configuration by its dated folder', async () => {
    expect(await latestInventoryManifest(s3.s3, { bucket: 'inventory', key: FOLDER.slice(0, -1) })).toEqual({ bucket: 'inventory', key: `${FOLDER}2026-12-03T01-00Z/manifest.json` });
    await expect(latestInventoryManifest(s3.s3, { bucket: 'inventory', key: 'nothing/here/' })).rejects.toThrow(/no inventory report under s3:\/\/inventory\/nothing\/here\//);
  });

  it('compares each listed object under the prefix with its backup and starts the missing one', async () => {
    const manifest = await latestInventoryManifest(s3.s3, { bucket: 'inventory', key: FOLDER });
    const report = await reconcile(
      { s3: s3.s3, storage: gcs.storage, sfn: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE },
      { scope: { sourceBucket: 'data-bucket', prefix: 'a/', destination: target }, inventoryManifest: manifest },
    );
    expect(report).toMatchObject({ listedFrom: 'S3 Inventory', checked: 2, ok: 1, found: { missing: 1 } });
    expect(report.starts.map((s) => [s.key, s.status])).toEqual([['a/missing.txt', 'started']]);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({ bucket: 'data-bucket', key: 'a/missing.txt' });
  });

  it('refuses an inventory of another bucket', async () => {
    const manifest = await latestInventoryManifest(s3.s3, { bucket: 'inventory', key: FOLDER });
    await expect(
      reconcile(
        { s3: s3.s3, storage: gcs.storage, sfn: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE },
        { scope: { sourceBucket: 'another-bucket', prefix: '', destination: target }, inventoryManifest: manifest },
      ),
    ).rejects.toThrow(/lists s3:\/\/data-bucket, not s3:\/\/another-bucket/);
  });
});
