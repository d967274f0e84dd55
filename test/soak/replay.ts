import { main } from '../../workflows/cli/main';
import type { CliIo } from '../../workflows/cli/io';

/** One `s3gcs replay --data-dir <dir> s3://bucket/key --wait --json`, run in-process as a person would type it. */
export interface ReplayResult {
  key: string;
  exitCode: number;
  status?: string;
  outcome?: string;
  error?: string;
  stderr: string;
}

export async function replayWithCli(dataDir: string, bucket: string, key: string, cwd: string): Promise<ReplayResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd,
    onInterrupt: () => () => undefined,
  };
  const exitCode = await main(['node', 's3gcs', 'replay', '--data-dir', dataDir, `s3://${bucket}/${key}`, '--wait', '--timeout', '5m', '--json'], io);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let parsed: { status?: string; output?: { outcome?: string }; error?: string } = {};
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    // No JSON result: the exit code and stderr say why.
  }
  return {
    key,
    exitCode,
    ...(parsed.status ? { status: parsed.status } : {}),
    ...(parsed.output?.outcome ? { outcome: parsed.output.outcome } : {}),
    ...(parsed.error ? { error: parsed.error } : {}),
    stderr: stderr.trim(),
  };
}
