import { main } from '../../workflows/cli/main';
import type { CliIo } from '../../workflows/cli/io';

/** One `s3gcs replay --data-dir <dir> s3://bucket/key --wait --json`, run in-process as a person would type it. */
export interface ReplayResult {
  /** sourceId (bucket/key). */
  key: string;
  exitCode: number;
  status?: string;
  outcome?: string;
  error?: string;
  stderr: string;
}

async function runCli(args: string[], cwd: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd,
    onInterrupt: () => () => undefined,
  };
  const exitCode = await main(['node', 's3gcs', ...args], io);
  return { exitCode, stdout, stderr };
}

function lastJson<T>(stdout: string): Partial<T> {
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Partial<T>;
  } catch {
    return {}; // No JSON result: the exit code and stderr say why.
  }
}

export async function replayWithCli(dataDir: string, bucket: string, key: string, cwd: string): Promise<ReplayResult> {
  const { exitCode, stdout, stderr } = await runCli(['replay', '--data-dir', dataDir, `s3://${bucket}/${key}`, '--wait', '--timeout', '5m', '--json'], cwd);
  const parsed = lastJson<{ status: string; output: { outcome?: string }; error: string }>(stdout);
  return {
    key: `${bucket}/${key}`,
    exitCode,
    ...(parsed.status ? { status: parsed.status } : {}),
    ...(parsed.output?.outcome ? { outcome: parsed.output.outcome } : {}),
    ...(parsed.error ? { error: parsed.error } : {}),
    stderr: stderr.trim(),
  };
}

export interface BackfillResult {
  bucket: string;
  exitCode: number;
  started?: number;
  alreadyExists?: number;
  failed?: number;
  stderr: string;
}

/** `s3gcs backfill --data-dir <dir> s3://bucket --checkpoint <file> --json`: one execution per listed object. */
export async function backfillWithCli(dataDir: string, bucket: string, checkpoint: string, cwd: string): Promise<BackfillResult> {
  const args = ['backfill', '--data-dir', dataDir, `s3://${bucket}`, '--checkpoint', checkpoint, '--rate', '300', '--json'];
  const { exitCode, stdout, stderr } = await runCli(args, cwd);
  const parsed = lastJson<{ started: number; alreadyExists: number; failed: number }>(stdout);
  return { bucket, exitCode, ...parsed, stderr: stderr.trim() };
}
