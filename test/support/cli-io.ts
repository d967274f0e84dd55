import type { CliIo } from '../../workflows/cli/io';
import { main } from '../../workflows/cli/main';

/** What a run of the CLI printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `s3gcs <args>` in-process with captured output, as a person would see it (not a TTY: no progress bars). */
export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    onInterrupt: () => () => undefined,
  };
  const code = await main(['node', 's3gcs', ...args], io);
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}
