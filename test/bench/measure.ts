import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerInput, WorkerResult } from './copy-worker';

const REPO = join(__dirname, '..', '..');
const GNU_TIME = '/usr/bin/time';

/**
 * Runs copy-worker.ts in a fresh Node process and returns what it measured about itself. BENCH_NODE_FLAGS adds Node
 * flags to that process, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile each copy.
 */
export function measureNodeCopy(input: WorkerInput): Promise<WorkerResult> {
  return runNodeWorker<WorkerResult>('copy-worker.ts', input);
}

/** Runs a worker script of this folder in a fresh Node process with one JSON argument; returns its last stdout line, parsed. */
export async function runNodeWorker<T>(script: string, input: unknown): Promise<T> {
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const args = ['--expose-gc', ...extra, '--import', 'tsx', join(__dirname, script), JSON.stringify(input)];
  const { stdout } = await run(process.execPath, args, {});
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
}

/**
 * Runs a program under GNU time (Debian package `time`), which reports the child's own peak RSS and CPU from wait4():
 * exact for a process we cannot instrument, such as rclone. The wall time includes the program's start-up.
 */
export async function measureProgram(command: string, args: string[], env: NodeJS.ProcessEnv, tempDir: string): Promise<WorkerResult> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: apt-get install -y time`);
  const out = join(tempDir, `time-${process.pid}-${Date.now()}.txt`);
  try {
    await run(GNU_TIME, ['-o', out, '-f', '%e %U %S %M', command, ...args], env);
    const [elapsed, user, system, maxKb] = (await readFile(out, 'utf8')).trim().split(/\s+/).map(Number);
    return { seconds: elapsed!, cpuSeconds: user! + system!, peakRssBytes: maxKb! * 1024, baselineRssBytes: 0 };
  } finally {
    await rm(out, { force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve({ stdout });
      else reject(new Error(`${command} ${args[0] ?? ''} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}
