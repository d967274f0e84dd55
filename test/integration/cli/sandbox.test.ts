import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { DestinationLayout } from '../../../workflows/copy/types';
import { localS3Client } from '../../../workflows/local/s3-server';
import { runCli } from '../../support/cli-io';
import { putObject } from '../../support/s3-server';
import { spawnSandbox, type SandboxProcess } from '../../support/sandbox-process';
import { waitFor } from '../../support/wait-for';

interface Ready {
  consoleUrl: string;
  s3Endpoint: string;
  gcsEndpoint: string;
  sfnEndpoint: string;
  sourceBucket: string;
  destinationBucket: string;
  destinationPrefix: string;
  destinationLayout?: DestinationLayout;
}

const MIB = 1024 * 1024;

/**
 * The sandbox as a user runs it (`s3gcs sandbox --json --no-demo`), driven from outside with the AWS SDK and the real
 * @google-cloud/storage client, and operated with the CLI (`--data-dir`) over its HTTP endpoints.
 */
describe('s3gcs sandbox, driven with the AWS SDK, the GCS client and the CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-'));
  let sandbox: SandboxProcess;
  let ready: Ready;
  let storage: Storage;
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);
  /** The backup's name, as the sandbox's copiers name it. */
  const nameOf = (key: string, bucket = ready.sourceBucket) =>
    destinationObjectName({ bucket: ready.destinationBucket, prefix: ready.destinationPrefix, ...(ready.destinationLayout ? { layout: ready.destinationLayout } : {}) }, bucket, key);
  const smallKey = 'docs/hello world+1 ü.txt';
  const largeKey = 'media/big 12MiB.bin';
  const small = randomBytes(100 * 1024);
  const large = randomBytes(12 * MIB);

  beforeAll(async () => {
    sandbox = spawnSandbox(['--no-demo', '--data-dir', dataDir]);
    ready = (await sandbox.nextLine()) as unknown as Ready;
    storage = new Storage({ apiEndpoint: ready.gcsEndpoint, projectId: 'test' });
  });

  afterAll(async () => {
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * The object's bytes over the JSON API media URL. (@google-cloud/storage's download() of a multi-MiB object warns
   * about listeners on its internal PassThrough; plain HTTP reads the same bytes quietly.)
   */
  async function download(key: string): Promise<Buffer> {
    const res = await fetch(`${ready.gcsEndpoint}/storage/v1/b/${ready.destinationBucket}/o/${encodeURIComponent(nameOf(key))}?alt=media`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Polls the destination until the backup of `key` holds `etag` (or times out). */
  async function backupOf(key: string, etag: string, timeoutMs = 30_000): Promise<Buffer> {
    const file = storage.bucket(ready.destinationBucket).file(nameOf(key));
    await waitFor(
      async () => {
        const [exists] = await file.exists();
        return exists && (await file.getMetadata())[0].metadata?.['s3-etag'] === etag;
      },
      { timeoutMs, what: `the backup of ${key} with ETag ${etag}`, intervalMs: 100, detail: () => `sandbox stderr: ${sandbox.stderr()}` },
    );
    return key === largeKey ? download(key) : (await file.download())[0];
  }

  it('backs up a PutObject and a completed multipart upload byte for byte', async () => {
    const s3 = localS3Client(ready.s3Endpoint);
    const smallEtag = await putObject(s3, ready.sourceBucket, smallKey, small, { ContentType: 'text/plain', Metadata: { owner: 'qa' } });
    const largeEtag = await putObject(s3, ready.sourceBucket, largeKey, large);
    expect(largeEtag).toMatch(/-2$/); // a multipart upload
    expect((await backupOf(smallKey, smallEtag)).equals(small)).toBe(true);
    expect((await backupOf(largeKey, largeEtag)).equals(large)).toBe(true);
    const [meta] = await storage.bucket(ready.destinationBucket).file(nameOf(smallKey)).getMetadata();
    expect(meta.contentType).toBe('text/plain');
    expect(meta.metadata).toMatchObject({ owner: 'qa', 's3-bucket': ready.sourceBucket, 's3-key': smallKey });
    // The resumable copy recorded the CRC32C it computed (S3 vouched for none), so verify can check its bytes later.
    const [largeMeta] = await storage.bucket(ready.destinationBucket).file(nameOf(largeKey)).getMetadata();
    expect(largeMeta.metadata?.['s3-crc32c']).toBe(largeMeta.crc32c);
    s3.destroy();
  });

  it('lists the executions the uploads started, with their objects', async () => {
    const run = await cli('executions', '--json');
    expect(run.code).toBe(0);
    const rows = run.json<{ executions: { status: string; object?: { key: string } }[] }>().executions;
    expect(rows.filter((r) => r.status === 'SUCCEEDED').map((r) => r.object?.key)).toEqual(expect.arrayContaining([smallKey, largeKey]));
  });

  it('lists the fast path executions from its log: the small copy finished there, the large one was handed off', async () => {
    const rows = (await cli('executions', '--json')).json<{ executions: { type: string; object?: { key: string }; handedOffTo?: string }[] }>().executions;
    const fast = (key: string) => rows.find((r) => r.type === 'express' && r.object?.key === key);
    expect(fast(smallKey)).toMatchObject({ type: 'express' });
    expect(fast(smallKey)?.handedOffTo).toBeUndefined();
    expect(fast(largeKey)?.handedOffTo).toMatch(/:execution:backup-object:copy-media-big-12MiB-bin-/);
  });

  it('prints the history of an object: the tier that copied it and the outcome', async () => {
    const run = await cli('history', `s3://${ready.sourceBucket}/${largeKey}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Execution copy-media-big-12MiB-bin-[a-z2-7]+: SUCCEEDED/);
    expect(run.stdout).toMatch(/Copy the object with the large Lambda +Task .* ok/);
    expect(run.stdout).toContain('"outcome":"copied"');
    expect(run.stdout).toContain(`Console: ${ready.consoleUrl}#execution?arn=`);
    // One command, in order: the Express execution that handed the object off, then the Standard one it started.
    expect(run.stdout).toMatch(/Fast path \(Express\) execution [^\n]+:express:backup-fast-path:copy-media-big-12MiB-bin-[\s\S]*Handed off to [^\n]+\n[\s\S]*Execution copy-media-big-12MiB-bin-[a-z2-7]+: SUCCEEDED/);
  });

  it('replays an object and waits: the backup is already current', async () => {
    const run = await cli('replay', `s3://${ready.sourceBucket}/${smallKey}`, '--wait', '--json');
    expect(run.code).toBe(0);
    const out = run.json<{ name: string; status: string; output: { outcome: string }; timeline: { steps: { state: string }[] } }>();
    expect(out.name).toMatch(/^replay-/);
    expect(out.status).toBe('SUCCEEDED');
    expect(out.output.outcome).toBe('already-current');
    expect(out.timeline.steps.map((s) => s.state)).toContain('Describe the object');
  });

  it('replay of an object that does not exist exits 1 with "no such object" and starts no execution', async () => {
    const before = (await cli('executions', '--json')).json<{ executions: unknown[] }>().executions.length;
    const run = await cli('replay', `s3://${ready.sourceBucket}/no/such object.txt`, '--wait');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no such object: s3://${ready.sourceBucket}/no/such object.txt`);
    expect((await cli('executions', '--json')).json<{ executions: unknown[] }>().executions).toHaveLength(before);
  });

  it('turns a delete into an execution that keeps the backup (delete policy retain)', async () => {
    const s3 = localS3Client(ready.s3Endpoint);
    const key = 'tmp/short-lived.txt';
    const etag = await putObject(s3, ready.sourceBucket, key, Buffer.from('bye'));
    await backupOf(key, etag);
    await s3.send(new DeleteObjectCommand({ Bucket: ready.sourceBucket, Key: key }));
    s3.destroy();
    type Row = { status: string; object?: { key: string; action: string } };
    const deletes = await waitFor(
      async () => {
        const rows = (await cli('executions', '--json')).json<{ executions: Row[] }>().executions;
        const done = rows.filter((r) => r.object?.action === 'delete' && r.object.key === key && r.status !== 'RUNNING');
        return done.length > 0 && done;
      },
      { timeoutMs: 30_000, what: `a finished delete execution for ${key}`, intervalMs: 100 },
    );
    expect(deletes).toEqual([expect.objectContaining({ status: 'SUCCEEDED' })]);
    expect((await storage.bucket(ready.destinationBucket).file(nameOf(key)).exists())[0]).toBe(true);
  });

  it('verify finds an altered large (resumable) backup whose provenance was kept, and --repair restores its bytes', async () => {
    const file = storage.bucket(ready.destinationBucket).file(nameOf(largeKey));
    const [meta] = await file.getMetadata();
    const tampered = Buffer.from(large);
    tampered[7 * MIB]! ^= 0xff; // same size, same custom metadata, one byte different
    await file.save(tampered, { metadata: { metadata: meta.metadata }, preconditionOpts: { ifGenerationMatch: Number(meta.generation) }, resumable: false });

    const found = await cli('verify', `s3://${ready.sourceBucket}/media/`, '--json');
    expect(found.code).toBe(1);
    expect(found.json<{ differences: { key: string; kind: string }[] }>().differences.map((d) => [d.key, d.kind])).toEqual([[largeKey, 'content-mismatch']]);

    const repaired = await cli('verify', `s3://${ready.sourceBucket}/media/`, '--repair', '--json');
    expect(repaired.code).toBe(0);
    expect(repaired.json<{ repairs: { outcome?: string }[]; remaining: unknown[] }>()).toMatchObject({ repairs: [{ outcome: 'copied' }], remaining: [] });
    expect((await download(largeKey)).equals(large)).toBe(true);
    const again = await cli('verify', `s3://${ready.sourceBucket}/media/`, '--json');
    expect(again.json()).toMatchObject({ differenceCount: 0 });
  });

  it('verify reports a backup without the verified mark as unverified (exit 1); --repair checks it against the source and marks it', async () => {
    const file = storage.bucket(ready.destinationBucket).file(nameOf(largeKey));
    const [before] = await file.getMetadata();
    // What a copier that died after GCS committed and before its check leaves: the provenance, no mark.
    await file.setMetadata({ metadata: { 'verified-crc32c': null } }, { ifMetagenerationMatch: Number(before.metageneration) });

    const found = await cli('verify', `s3://${ready.sourceBucket}/media/`, '--json');
    expect(found.code).toBe(1);
    expect(found.json<{ differences: { key: string; kind: string }[] }>().differences.map((d) => [d.key, d.kind])).toEqual([[largeKey, 'unverified']]);

    const repaired = await cli('verify', `s3://${ready.sourceBucket}/media/`, '--repair', '--json');
    expect(repaired.code).toBe(0);
    expect(repaired.json()).toMatchObject({ repairs: [{ outcome: 'already-current' }], remaining: [] });
    const [after] = await file.getMetadata();
    expect(after.generation).toBe(before.generation); // its bytes were the source's: checked and marked, not re-uploaded
    expect(after.metadata?.['verified-crc32c']).toBe(after.crc32c);
  });

  it('verify finds a deleted and an altered backup, --repair fixes both, and the copies are byte-identical again', async () => {
    const clean = await cli('verify', `s3://${ready.sourceBucket}/docs/`);
    expect(clean.code).toBe(0);

    const bucket = storage.bucket(ready.destinationBucket);
    await bucket.file(nameOf(largeKey)).delete();
    const [meta] = await bucket.file(nameOf(smallKey)).getMetadata();
    const tampered = Buffer.from(small);
    tampered[5]! ^= 0xff; // same size, same provenance metadata, one byte different
    await bucket.file(nameOf(smallKey)).save(tampered, { metadata: { metadata: meta.metadata }, preconditionOpts: { ifGenerationMatch: Number(meta.generation) }, resumable: false });

    const found = await cli('verify', `s3://${ready.sourceBucket}`, '--json');
    expect(found.code).toBe(1);
    const report = found.json<{ differences: { key: string; kind: string }[]; checked: number }>();
    expect(report.differences.map((d) => [d.key, d.kind])).toEqual([
      [smallKey, 'content-mismatch'],
      [largeKey, 'missing'],
    ]);

    const repaired = await cli('verify', `s3://${ready.sourceBucket}`, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('Repaired 2 of 2; 0 difference(s) remain.');

    const again = await cli('verify', `s3://${ready.sourceBucket}`, '--json');
    expect(again.code).toBe(0);
    expect(again.json<{ differenceCount: number }>().differenceCount).toBe(0);
    expect((await bucket.file(nameOf(smallKey)).download())[0].equals(small)).toBe(true);
    expect((await download(largeKey)).equals(large)).toBe(true);
  });

  it("verify flags another bucket's backup found under this bucket's names as wrong-source, and --repair leaves it alone", async () => {
    const key = 'docs/foreign.txt';
    expect(nameOf(key)).toBe(`${ready.sourceBucket}/${key}`); // the sandbox names backups <source-bucket>/<key>
    const file = storage.bucket(ready.destinationBucket).file(nameOf(key));
    await file.save('not ours', { metadata: { metadata: { 's3-bucket': 'another-bucket', 's3-key': key, 's3-etag': 'e' } }, resumable: false });
    try {
      const found = await cli('verify', `s3://${ready.sourceBucket}/docs/`, '--json');
      expect(found.code).toBe(1);
      expect(found.json<{ differences: { key: string; kind: string }[] }>().differences.map((d) => [d.key, d.kind])).toEqual([[key, 'wrong-source']]);
      const repaired = await cli('verify', `s3://${ready.sourceBucket}/docs/`, '--repair', '--json');
      expect(repaired.code).toBe(1);
      expect(repaired.json<{ remaining: { kind: string }[] }>().remaining).toEqual([expect.objectContaining({ kind: 'wrong-source' })]);
      expect((await file.download())[0].toString()).toBe('not ours');
    } finally {
      await file.delete();
    }
  });

  it('backfills existing objects once; a second run dedupes every start by name', async () => {
    const checkpoint = join(dataDir, 'backfill.json');
    const first = await cli('backfill', `s3://${ready.sourceBucket}/docs/`, '--checkpoint', checkpoint, '--json');
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ started: 1, alreadyExists: 0, failed: 0, done: true });
    // While it runs, an identical StartExecution returns the open execution (as in AWS); once closed, the name is taken.
    await waitFor(async () => (await cli('executions', '--status', 'RUNNING', '--json')).json<{ executions: unknown[] }>().executions.length === 0, {
      timeoutMs: 30_000,
      what: 'the backfilled execution to close',
      intervalMs: 100,
    });
    const again = await cli('backfill', `s3://${ready.sourceBucket}/docs/`, '--checkpoint', checkpoint, '--restart', '--json');
    expect(again.json()).toMatchObject({ started: 0, alreadyExists: 1, done: true });
  });

  it('the source object is still readable from S3 (the backup never touches it)', async () => {
    const s3 = localS3Client(ready.s3Endpoint);
    const got = await s3.send(new GetObjectCommand({ Bucket: ready.sourceBucket, Key: smallKey }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(small)).toBe(true);
    s3.destroy();
  });

  it('stops cleanly on Ctrl-C: exit 0, ready file removed', async () => {
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(true);
    expect(await sandbox.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
  });
});
