import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** A sandbox started as a user starts it (`tsx workflows/cli/main.ts sandbox --json …`), read through its stdout. */
export interface SandboxProcess {
  child: ChildProcess;
  /** Each JSON line printed on stdout, in order. */
  lines: Record<string, unknown>[];
  /** Resolves with the next stdout JSON line. */
  nextLine(): Promise<Record<string, unknown>>;
  stderr(): string;
  /** SIGINT (Ctrl-C), then the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Any free ports, so tests never take (or wait for) the fixed defaults a person's own sandbox uses; `args` may override. */
export const ANY_PORTS = ['--s3-port', '0', '--gcs-port', '0', '--sfn-port', '0', '--console-port', '0'];

export function spawnSandbox(args: string[]): SandboxProcess {
  const child = spawn(process.execPath, [TSX_CLI, 'workflows/cli/main.ts', 'sandbox', '--json', ...ANY_PORTS, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, S3GCS_DATA_DIR: '' },
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const lines: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  let read = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
    while (waiting.length > 0 && read < lines.length) waiting.shift()!(lines[read++]!);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    lines,
    nextLine: () =>
      new Promise((resolve, reject) => {
        if (read < lines.length) return resolve(lines[read++]!);
        waiting.push(resolve);
        void exited.then((code) => reject(new Error(`sandbox exited (${code}) before printing a line: ${err}`)));
      }),
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    exited,
  };
}
