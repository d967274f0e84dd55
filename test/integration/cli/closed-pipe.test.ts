import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * `s3gcs --help | head -1`: the reader closes the pipe before the CLI writes. Run as a person runs it (bin/s3gcs.js
 * and tsx's main.ts), with stdout a pipe whose read end is closed at once.
 */
async function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first write
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

it.each([
  ['bin/s3gcs.js --help', ['bin/s3gcs.js', '--help']],
  ['bin/s3gcs.js verify --help', ['bin/s3gcs.js', 'verify', '--help']],
  ['tsx main.ts --help', [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'workflows/cli/main.ts', '--help']],
])('%s into a closed pipe exits 0 quietly instead of crashing with EPIPE', async (_, args) => {
  const { code, stderr } = await runIntoClosedPipe(args);
  expect(stderr).not.toContain('EPIPE');
  expect(stderr).toBe('');
  expect(code).toBe(0);
}, 60_000);
