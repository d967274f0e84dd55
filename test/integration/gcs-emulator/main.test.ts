import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { storageFor } from '../../support/gcs-emulator';

const MAIN = resolve(__dirname, '../../../workflows/local/gcs-emulator/main.ts');
let child: ChildProcessWithoutNullStreams;
let stdout = '';
let endpoint: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gcs-emulator-main-'));
  child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--data-dir', dataDir, '--bucket', 'standalone'], { cwd: resolve(__dirname, '../../..') });
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((done, fail) => {
    child.stdout.on('data', (text: string) => {
      stdout += text;
      if (stdout.includes('\n')) done();
    });
    child.once('exit', (code) => fail(new Error(`emulator exited early with ${code}`)));
  });
  await ready;
  endpoint = (JSON.parse(stdout.split('\n')[0]!) as { gcsEndpoint: string }).gcsEndpoint;
}, 30_000);
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it('prints exactly one JSON ready line with a 127.0.0.1 endpoint', () => {
  expect(stdout).toMatch(/^\{"gcsEndpoint":"http:\/\/127\.0\.0\.1:\d+"\}\n$/);
});

it('serves the client from its own process, with object bytes in --data-dir', async () => {
  const file = storageFor({ url: endpoint }).bucket('standalone').file('x.bin');
  await file.save(Buffer.from('out of process'), { resumable: false, contentType: 'text/plain', preconditionOpts: { ifGenerationMatch: 0 } });
  expect((await file.download())[0].toString()).toBe('out of process');
  expect(readdirSync(dataDir)).toHaveLength(1);
});

it('takes faults over HTTP from another process', async () => {
  await fetch(`${endpoint}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ operation: 'storage.objects.get', fault: 'return-503' }) });
  const res = await fetch(`${endpoint}/storage/v1/b/standalone/o/x.bin`);
  expect(res.status).toBe(503);
  expect((await fetch(`${endpoint}/storage/v1/b/standalone/o/x.bin`)).status).toBe(200);
});

it('exits 0 on SIGTERM and removes its object files', async () => {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect([code, readdirSync(dataDir)]).toEqual([0, []]);
});
