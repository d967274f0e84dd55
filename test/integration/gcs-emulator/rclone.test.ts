import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { startTestGcs, storageFor } from '../../support/gcs-emulator';
import { ensureRclone } from './rclone';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const BUCKET = 'rclone';
let emulator: GcsEmulator;
let dir: string;
let rclone: string;

beforeAll(async () => {
  rclone = ensureRclone(); // apt-get install when missing: may take minutes on a fresh machine
  ({ emulator } = await startTestGcs({ buckets: [BUCKET] }));
  dir = mkdtempSync(join(tmpdir(), 'gcs-emulator-rclone-'));
}, 300_000);
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** rclone's GCS backend pointed at the emulator (flags from FACTS.md), with no config file and no retries hiding errors. */
async function rc(...args: string[]): Promise<string> {
  const flags = ['--config', '/dev/null', '--gcs-endpoint', `${emulator.url}/storage/v1/`, '--gcs-anonymous', '--gcs-no-check-bucket', '--retries', '1', '--low-level-retries', '1'];
  const { stdout, stderr } = await run(rclone, [...flags, ...args], { maxBuffer: 64 * MiB, env: { ...process.env, AWS_CA_BUNDLE: '' } });
  return stdout + stderr;
}

const md5Hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

it('uploads a 40 MiB file in several resumable chunks and downloads it byte-identical', async () => {
  const body = randomBytes(40 * MiB);
  writeFileSync(join(dir, 'big.bin'), body);
  const log = await rc('copyto', join(dir, 'big.bin'), `:gcs:${BUCKET}/dir/big.bin`, '-vv', '--dump', 'headers');
  // rclone's Go client sends 16 MiB chunks by POST and asks for 200 instead of 308.
  expect(log).toContain('Content-Range: bytes 16777216-33554431/*');
  expect(log).toContain('X-Http-Status-Code-Override: 308');
  await rc('copyto', `:gcs:${BUCKET}/dir/big.bin`, join(dir, 'big.back'));
  expect(readFileSync(join(dir, 'big.back')).equals(body)).toBe(true);
  const [meta] = await storageFor(emulator).bucket(BUCKET).file('dir/big.bin').getMetadata();
  expect(meta.md5Hash).toBe(createHash('md5').update(body).digest('base64'));
}, 60_000);

it('stores a small file by multipart upload and lists it with the md5 the emulator reports', async () => {
  const body = randomBytes(1000);
  writeFileSync(join(dir, 'small.bin'), body);
  await rc('copyto', join(dir, 'small.bin'), `:gcs:${BUCKET}/dir/small.bin`);
  const sums = await rc('md5sum', `:gcs:${BUCKET}/dir`);
  expect(sums).toContain(`${md5Hex(body)}  small.bin`);
  const [back] = await storageFor(emulator).bucket(BUCKET).file('dir/small.bin').download();
  expect(back.equals(body)).toBe(true);
});
