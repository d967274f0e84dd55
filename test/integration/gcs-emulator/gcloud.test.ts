import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { startTestGcs, storageFor } from '../../support/gcs-emulator';
import { findGcloud, gcloudStorage } from './gcloud';
import { ensureRclone } from './rclone';

const MiB = 1024 * 1024;
const BUCKET = 'gcloud';
const gcloud = findGcloud();
if (!gcloud) console.warn('gcloud is not on PATH: the gcloud CLI conformance tests are skipped (install the Google Cloud CLI to run them)');
// The Google Cloud CLI is not on npm or in Debian's archive: where it is absent these tests are skipped, saying so above.
const describeWithGcloud = gcloud ? describe : describe.skip;

describeWithGcloud('gcloud storage cp against the emulator', () => {
  let emulator: GcsEmulator;
  let dir: string;
  const gs = (...args: string[]) => gcloudStorage(gcloud!, emulator.url, join(dir, 'gcloud-config'), args);
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

  beforeAll(async () => {
    ({ emulator } = await startTestGcs({ buckets: [BUCKET] }));
    dir = mkdtempSync(join(tmpdir(), 'gcs-emulator-gcloud-'));
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a small file by multipart with a quoted boundary and LF line breaks, and downloads it byte-identical', async () => {
    // Bytes that look like line breaks and delimiters, around random ones.
    const body = Buffer.concat([Buffer.from('a\r\nb\n--===============\r\n\r\n--x\r'), randomBytes(4000), Buffer.from('\n')]);
    writeFileSync(join(dir, 'small.bin'), body);
    const log = await gs('cp', join(dir, 'small.bin'), `gs://${BUCKET}/dir/small file.bin`, '--log-http');
    // apitools writes the boundary as a Python repr: boundary='===…=='.
    expect(log).toMatch(/multipart\/related; boundary='=+\d+=='/);
    expect(log).toContain('/upload/storage/v1/b/gcloud/o?alt=json&uploadType=multipart');
    const file = storageFor(emulator).bucket(BUCKET).file('dir/small file.bin');
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({ size: String(body.length), md5Hash: md5(body) });
    expect((await file.download())[0].equals(body)).toBe(true);
    await gs('cp', `gs://${BUCKET}/dir/small file.bin`, join(dir, 'small.back'));
    expect(readFileSync(join(dir, 'small.back')).equals(body)).toBe(true);
  }, 120_000);

  it('uploads a 9 MiB file by a resumable upload started on /resumable/upload, and downloads it byte-identical', async () => {
    const body = randomBytes(9 * MiB + 7);
    writeFileSync(join(dir, 'big.bin'), body);
    const log = await gs('cp', join(dir, 'big.bin'), `gs://${BUCKET}/dir/big.bin`, '--log-http');
    expect(log).toContain('/resumable/upload/storage/v1/b/gcloud/o?alt=json&uploadType=resumable');
    const [meta] = await storageFor(emulator).bucket(BUCKET).file('dir/big.bin').getMetadata();
    expect(meta).toMatchObject({ size: String(body.length), md5Hash: md5(body) });
    await gs('cp', `gs://${BUCKET}/dir/big.bin`, join(dir, 'big.back'));
    expect(readFileSync(join(dir, 'big.back')).equals(body)).toBe(true);
  }, 120_000);

  it('lists what it uploaded with the sizes and hashes the Node client sees', async () => {
    const body = randomBytes(1000);
    await storageFor(emulator).bucket(BUCKET).file('listed/node.bin').save(body, { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const out = await gs('ls', '-L', `gs://${BUCKET}/listed/node.bin`);
    expect(out).toMatch(/Content-Length:\s+1000/);
    expect(out).toContain(md5(body));
  }, 120_000);

  it('hands files to rclone and back: what one client uploads the other downloads byte-identical', async () => {
    const rclone = ensureRclone(); // apt-get install when missing
    const rc = (...args: string[]) =>
      promisify(execFile)(rclone, ['--config', '/dev/null', '--gcs-endpoint', `${emulator.url}/storage/v1/`, '--gcs-anonymous', '--gcs-no-check-bucket', ...args], {
        env: { ...process.env, AWS_CA_BUNDLE: '' },
      });
    const fromGcloud = Buffer.concat([Buffer.from('--boundary-like\r\n'), randomBytes(3 * MiB)]);
    writeFileSync(join(dir, 'g.bin'), fromGcloud);
    await gs('cp', join(dir, 'g.bin'), `gs://${BUCKET}/cross/from-gcloud.bin`);
    await rc('copyto', `:gcs:${BUCKET}/cross/from-gcloud.bin`, join(dir, 'g.back'));
    expect(readFileSync(join(dir, 'g.back')).equals(fromGcloud)).toBe(true);
    const fromRclone = randomBytes(20 * MiB + 3);
    writeFileSync(join(dir, 'r.bin'), fromRclone);
    await rc('copyto', join(dir, 'r.bin'), `:gcs:${BUCKET}/cross/from-rclone.bin`);
    await gs('cp', `gs://${BUCKET}/cross/from-rclone.bin`, join(dir, 'r.back'));
    expect(readFileSync(join(dir, 'r.back')).equals(fromRclone)).toBe(true);
  }, 300_000);
});
