/**
 * `s3gcs restore` end to end through the local servers: real backups made by the copy engine (S3 server → GCS
 * emulator with Object Versioning), restored by the CLI into a second S3 bucket, read back with the real clients.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destinationObjectName } from '../../../../workflows/backup/keys';
import { copyObject } from '../../../../workflows/copy/engine';
import { PROVENANCE_KEYS } from '../../../../workflows/copy/metadata';
import type { CopyTarget } from '../../../../workflows/copy/types';
import type { GcsEmulator } from '../../../../workflows/local/gcs-emulator';
import { writeReadyFile } from '../../../../workflows/local/sandbox/ready-file';
import { logger } from '../../../../workflows/logger';
import { RateLimiter } from '../../../../workflows/cli/backfill/rate-limiter';
import { newRestoreCheckpoint, readRestoreCheckpoint } from '../../../../workflows/cli/restore/checkpoint';
import { restorePages, runRestore } from '../../../../workflows/cli/restore/run-restore';
import { runCli } from '../../../support/cli-io';
import { storageFor } from '../../../support/gcs-emulator';
import { startLocalServers, stopLocalServers } from '../../../support/local-servers';
import { putObject, type PutExtras, type S3Fixture } from '../../../support/s3-server';

const MIB = 1024 * 1024;
const SRC = 'restore-src';
const OTHER_SRC = 'restore-other-src';
const RESTORE = 'restore-into';
const BACKUP = 'restore-backup'; // versioned
const PLAIN = 'restore-plain'; // not versioned
const TARGET: CopyTarget = { bucket: BACKUP, prefix: '' };
const TRICKY = ['plus+sign.txt', 'with space.txt', 'literal%2Bpercent.txt', 'données/日本語/😀.txt', 'tab\tkey', 'x/amp&lt;<>"\'', 'a/../b.txt', 'bell\u0007key', 'trailing/slash/', '  leading spaces'];

let s3fx: S3Fixture;
let s3: S3Client;
let emulator: GcsEmulator;
let storage: Storage;
let dataDir: string;
let cwd: string;

const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir, '--json'], { cwd });
const nameOf = (bucket: string, key: string) => destinationObjectName(TARGET, bucket, key);

async function backUp(bucket: string, key: string, body: Buffer, extras: PutExtras = {}): Promise<void> {
  await putObject(s3, bucket, key, body, extras);
  await copyObject({ bucket, key }, { s3, storage, target: TARGET });
}

async function read(bucket: string, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator } = await startLocalServers({ s3Buckets: [SRC, OTHER_SRC, RESTORE], gcsBuckets: [PLAIN] }));
  emulator.createBucket(BACKUP, { versioning: true });
  s3 = s3fx.s3;
  storage = storageFor(emulator);
  dataDir = mkdtempSync(join(tmpdir(), 'restore-cli-'));
  cwd = dataDir;
  const endpoint = (s3fx.s3.config.endpoint ? await s3fx.s3.config.endpoint() : undefined)!;
  writeReadyFile(dataDir, {
    s3Endpoint: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
    gcsEndpoint: emulator.url,
    sfnEndpoint: 'http://127.0.0.1:9',
    sourceBucket: SRC,
    destinationBucket: BACKUP,
    destinationPrefix: '',
    restoreBucket: RESTORE,
    stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:backup-object',
    region: 'local',
  });
});
afterAll(async () => {
  await stopLocalServers({ s3fx, emulator });
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => emulator.faults.clear());

describe('restore of current backups', () => {
  const big = randomBytes(21 * MIB);
  const headers: PutExtras = {
    ContentType: 'text/csv; charset=utf-8',
    ContentEncoding: 'gzip',
    ContentLanguage: 'fr-CA',
    ContentDisposition: 'attachment; filename="r.csv"',
    CacheControl: 'max-age=60',
    Metadata: { owner: 'ops', 's3-key': 'a user key named like provenance' },
  };
  beforeAll(async () => {
    for (const key of TRICKY) await backUp(SRC, `tricky/${key}`, Buffer.from(`body of ${key}`));
    await backUp(SRC, 'meta/report.csv', Buffer.from('a,b\n1,2\n'), headers);
    await backUp(SRC, 'empty', Buffer.alloc(0));
    await backUp(SRC, 'big/multipart.bin', big);
  });

  it('dry run: counts objects and bytes and writes nothing', async () => {
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/dry/`, '--dry-run');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ dryRun: true, objects: TRICKY.length + 3, bytes: expect.any(Number), unproven: 0 });
    expect(run.json<{ bytes: number }>().bytes).toBeGreaterThan(21 * MIB);
    expect(await exists(RESTORE, 'dry/empty')).toBe(false);
  });

  it('restores original keys, bytes, headers and user metadata, multipart-sized objects included', async () => {
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/all/`, '--restart');
    expect(run.stderr).toBe('');
    expect(run.json()).toMatchObject({ done: true, restored: TRICKY.length + 3, failed: 0, unproven: 0, alreadyRestored: 0 });
    // Every restored object was proven by S3's own full-object CRC32C (single PUT and FULL_OBJECT multipart alike).
    expect(run.json()).toMatchObject({ verifiedByS3Checksum: TRICKY.length + 3, verifiedByReadBack: 0 });
    expect(run.code).toBe(0);
    for (const key of TRICKY) expect((await read(RESTORE, `all/tricky/${key}`)).toString()).toBe(`body of ${key}`);
    expect((await read(RESTORE, 'all/big/multipart.bin')).equals(big)).toBe(true);
    expect((await read(RESTORE, 'all/empty')).length).toBe(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: RESTORE, Key: 'all/meta/report.csv' }));
    expect(head).toMatchObject({
      ContentType: headers.ContentType,
      ContentEncoding: 'gzip',
      ContentLanguage: 'fr-CA',
      ContentDisposition: headers.ContentDisposition,
      CacheControl: 'max-age=60',
      Metadata: headers.Metadata,
    });
  });

  it('run again: every object is recognised as already restored, nothing is written', async () => {
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/all/`, '--restart');
    expect(run.json()).toMatchObject({ restored: 0, alreadyRestored: TRICKY.length + 3, bytes: 0 });
    expect(run.code).toBe(0);
  });

  it('--include/--exclude select by original key', async () => {
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/some/`, '--include', 'tricky/**', '--exclude', '**/*.txt');
    expect(run.json()).toMatchObject({ restored: 5, filtered: 8 });
    expect(await exists(RESTORE, 'some/tricky/tab\tkey')).toBe(true);
    expect(await exists(RESTORE, 'some/tricky/plus+sign.txt')).toBe(false);
  });

  it('--overwrite never leaves other content alone (exit 1); if-different replaces it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: RESTORE, Key: 'ow/meta/report.csv', Body: 'someone else' }));
    const args = [`gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/ow/`, '--include', 'meta/**'];
    const never = await cli('restore', ...args);
    expect([never.code, never.json()]).toEqual([1, expect.objectContaining({ existsDifferent: 1, existsDifferentKeys: ['ow/meta/report.csv'] })]);
    expect((await read(RESTORE, 'ow/meta/report.csv')).toString()).toBe('someone else');
    const replace = await cli('restore', ...args, '--overwrite', 'if-different');
    expect([replace.code, replace.json()]).toEqual([0, expect.objectContaining({ restored: 1 })]);
    expect((await read(RESTORE, 'ow/meta/report.csv')).toString()).toBe('a,b\n1,2\n');
  });

  it('resumes after a failure: the failed object is retried first and the rest is not redone', async () => {
    const name = nameOf(SRC, 'big/multipart.bin');
    // Refused reads (403) fail at once: the GCS client retries 5xx for seconds, which shows nothing more here.
    emulator.faults.inject({ operation: 'storage.objects.get', fault: 'return-403', times: 100, objectName: name });
    const first = await cli('restore', `gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/resume/`);
    expect(first.code).toBe(1);
    expect(first.json()).toMatchObject({ restored: TRICKY.length + 2, failed: 1, failedObjects: [expect.objectContaining({ name })] });
    expect(await exists(RESTORE, 'resume/big/multipart.bin')).toBe(false);
    emulator.faults.clear();
    const second = await cli('restore', `gs://${BACKUP}/${SRC}/`, `s3://${RESTORE}/resume/`);
    expect(second.json()).toMatchObject({ restored: TRICKY.length + 3, failed: 0, done: true });
    expect(second.code).toBe(0);
    expect((await read(RESTORE, 'resume/big/multipart.bin')).equals(big)).toBe(true);
  });

  it('an interrupted restore (Ctrl-C) stops after the objects in flight; the next run finishes without writing any object twice', async () => {
    const checkpointPath = join(dataDir, 'interrupted.json');
    let finished = 0;
    const deps = {
      ctx: { s3, storage, gcsBucket: BACKUP, targetBucket: RESTORE, overwrite: 'never' as const },
      selection: { gcsPrefix: `${SRC}/tricky/`, targetPrefix: 'int/', allowUnproven: false },
      limiter: new RateLimiter(1000),
      concurrency: 2,
      checkpointPath,
      stopped: () => finished >= 3,
      onDone: () => void finished++,
    };
    const first = newRestoreCheckpoint('interrupted');
    expect(await runRestore(restorePages(storage, BACKUP, `${SRC}/tricky/`, undefined), first, deps)).toBe('interrupted');
    expect(first.counts.restored).toBeGreaterThanOrEqual(3);
    expect(first.counts.restored).toBeLessThan(TRICKY.length);
    const resumed = readRestoreCheckpoint(checkpointPath)!;
    const pages = restorePages(storage, BACKUP, `${SRC}/tricky/`, undefined, resumed.position);
    expect(await runRestore(pages, resumed, { ...deps, stopped: () => false })).toBe('done');
    expect(resumed.counts).toMatchObject({ restored: TRICKY.length, alreadyRestored: first.counts.restored, failed: 0 });
  });

  it('refuses a backup whose bytes no longer match the CRC32C recorded at backup time, writing nothing', async () => {
    await backUp(SRC, 'bad/tampered.txt', Buffer.from('original'));
    await storage.bucket(BACKUP).file(nameOf(SRC, 'bad/tampered.txt')).setMetadata({ metadata: { [PROVENANCE_KEYS.verified]: 'AAAAAA==' } });
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/bad/`, `s3://${RESTORE}/bad/`);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ failed: 1, failedObjects: [expect.objectContaining({ error: expect.stringContaining('IntegrityError') })] });
    expect(await exists(RESTORE, 'bad/bad/tampered.txt')).toBe(false);
  });
});

describe('restore --as-of', () => {
  const key = 'history/doc.txt';
  const times: Date[] = [];
  beforeAll(async () => {
    for (const version of ['v1', 'v2', 'v3']) {
      await backUp(SRC, key, Buffer.from(version));
      // The instant this generation was written: the state "as of" then holds it.
      const [meta] = await storage.bucket(BACKUP).file(nameOf(SRC, key)).getMetadata();
      times.push(new Date(meta.timeCreated!));
    }
    // The newest backup deleted (by hand, or a mirror delete): it stays as a noncurrent generation.
    await storage.bucket(BACKUP).file(nameOf(SRC, key)).delete();
  });

  it.each([
    [0, 'v1'],
    [1, 'v2'],
    [2, 'v3'],
  ])('restores the generation live at time #%i (%s)', async (i, body) => {
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/history/`, `s3://${RESTORE}/asof${i}/`, '--as-of', times[i]!.toISOString());
    expect(run.json()).toMatchObject({ restored: 1, failed: 0 });
    expect((await read(RESTORE, `asof${i}/${key}`)).toString()).toBe(body);
  });

  it('restores nothing of a name that did not exist yet, and refuses --as-of where no versions are kept', async () => {
    const before = await cli('restore', `gs://${BACKUP}/${SRC}/history/`, `s3://${RESTORE}/asof-before/`, '--as-of', '2001-01-01T00:00Z');
    expect(before.json()).toMatchObject({ restored: 0, listed: 0 });
    const plain = await cli('restore', `gs://${PLAIN}/`, `s3://${RESTORE}/x/`, '--as-of', '1h');
    expect(plain.code).toBe(4);
    expect(plain.stderr).toContain('does not keep noncurrent generations');
  });
});

describe('refusals', () => {
  it('a target bucket that does not exist: exit 4, nothing read', async () => {
    const run = await cli('restore', `gs://${BACKUP}/${SRC}/`, 's3://no-such-restore-bucket/');
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: 'the target bucket s3://no-such-restore-bucket does not exist' });
  });

  it('a prefix with no backups: exit 2 with a hint', async () => {
    const run = await cli('restore', `gs://${BACKUP}/nothing-here/`, `s3://${RESTORE}/`);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: expect.stringContaining('there are no backups under'), hint: expect.stringContaining('SOURCE-BUCKET') });
  });

  it('a bad --overwrite value or URL: exit 2 before any connection', async () => {
    expect((await cli('restore', `gs://${BACKUP}/`, `s3://${RESTORE}/`, '--overwrite', 'always')).code).toBe(2);
    expect((await cli('restore', `s3://${BACKUP}/`, `s3://${RESTORE}/`)).code).toBe(2);
  });

  it('backups without provenance are listed and skipped (exit 1), restored by name with --allow-unproven', async () => {
    await storage.bucket(BACKUP).file('loose/by-hand.txt').save('uploaded by hand', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const skipped = await cli('restore', `gs://${BACKUP}/loose/`, `s3://${RESTORE}/loose/`);
    expect([skipped.code, skipped.json()]).toEqual([1, expect.objectContaining({ restored: 0, unproven: 1, unprovenObjects: [expect.objectContaining({ name: 'loose/by-hand.txt' })] })]);
    const allowed = await cli('restore', `gs://${BACKUP}/loose/`, `s3://${RESTORE}/loose/`, '--allow-unproven', '--restart');
    expect([allowed.code, allowed.json()]).toEqual([0, expect.objectContaining({ restored: 1 })]);
    expect((await read(RESTORE, 'loose/by-hand.txt')).toString()).toBe('uploaded by hand');
  });

  it('backups of two source buckets under one prefix without --source-bucket: exit 2; with it, only that bucket', async () => {
    await backUp(OTHER_SRC, 'tricky/plus+sign.txt', Buffer.from('other bucket'));
    const mixed = await cli('restore', `gs://${BACKUP}/`, `s3://${RESTORE}/mixed/`, '--include', 'tricky/plus+sign.txt');
    expect(mixed.code).toBe(2);
    expect(JSON.parse(mixed.stderr)).toMatchObject({ hint: expect.stringContaining('--source-bucket') });
    const one = await cli('restore', `gs://${BACKUP}/`, `s3://${RESTORE}/mixed/`, '--include', 'tricky/plus+sign.txt', '--source-bucket', OTHER_SRC);
    expect(one.json()).toMatchObject({ restored: 1 });
    expect((await read(RESTORE, 'mixed/tricky/plus+sign.txt')).toString()).toBe('other bucket');
  });
});

describe('drill', () => {
  const prefix = `gs://${BACKUP}/${SRC}/drill/`;
  beforeAll(async () => {
    for (let i = 0; i < 6; i++) await backUp(SRC, `drill/obj-${i}.txt`, Buffer.from(`drill object ${i}`), { ContentType: 'text/plain', Metadata: { n: String(i) } });
    await backUp(SRC, 'drill/big.bin', randomBytes(9 * MIB));
  });

  it('restores a sample, proves bytes and headers against the backup and the source, and cleans up', async () => {
    const run = await cli('drill', prefix, '--sample', '7');
    expect(run.stderr).toBe('');
    expect(run.json()).toMatchObject({ population: 7, sampled: 7, proven: 7, comparedWithSource: 7, differences: [], cleanedUp: 7, finishedAt: expect.any(String) });
    expect(run.json<{ provenBytes: number }>().provenBytes).toBeGreaterThan(9 * MIB);
    expect(run.code).toBe(0);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: RESTORE, Prefix: 'drill/' }));
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it('reports a backup whose headers differ from the source, and one that no longer matches its recorded CRC32C (exit 1)', async () => {
    await storage.bucket(BACKUP).file(nameOf(SRC, 'drill/obj-1.txt')).setMetadata({ contentType: 'application/x-changed' });
    await storage.bucket(BACKUP).file(nameOf(SRC, 'drill/obj-2.txt')).setMetadata({ metadata: { [PROVENANCE_KEYS.verified]: 'AAAAAA==' } });
    const run = await cli('drill', prefix, '--sample', '7');
    expect(run.code).toBe(1);
    const report = run.json<{ proven: number; differences: { key: string; kind: string }[] }>();
    expect(report).toMatchObject({ proven: 5, sampled: 7 });
    expect(report.differences).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'drill/obj-1.txt', kind: 'headers-vs-source' }), expect.objectContaining({ key: 'drill/obj-2.txt', kind: 'restore-failed' })]),
    );
  });

  it('refuses a --sample that is not a positive integer', async () => {
    expect((await cli('drill', prefix, '--sample', '0')).code).toBe(2);
  });
});
