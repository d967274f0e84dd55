import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationLayout } from '../../copy/types';

/**
 * What a running sandbox tells the world: its endpoints and buckets. Printed as the `--json` ready line and written to
 * `<data-dir>/sandbox.json`, where `s3gcs … --sandbox` finds it.
 */
export interface SandboxEndpoints {
  s3Endpoint: string;
  gcsEndpoint: string;
  sfnEndpoint: string;
  sourceBucket: string;
  destinationBucket: string;
  destinationPrefix: string;
  /** How the sandbox names its backups (Default: by-source-bucket). */
  destinationLayout?: DestinationLayout;
  /** An unwatched S3 bucket to restore into (`s3gcs restore`, `s3gcs drill`). */
  restoreBucket?: string;
  stateMachineArn: string;
  /** The Express fast path the intake starts, in express-first mode (Default: none, standard-only). */
  fastPathStateMachineArn?: string;
  region: string;
  /** The web console (workflows/console), when the sandbox serves one. */
  consoleUrl?: string;
}

export interface ReadyFile extends SandboxEndpoints {
  pid: number;
  startedAt: string;
}

export const READY_FILE_NAME = 'sandbox.json';
/** The fast path's log in the data directory: its executions' only record (workflows/local/sfn-api/express-log.ts). */
export const EXPRESS_LOG_FILE = 'express-executions.jsonl';

export function readyFilePath(dataDir: string): string {
  return join(dataDir, READY_FILE_NAME);
}

export function writeReadyFile(dataDir: string, endpoints: SandboxEndpoints): void {
  const content: ReadyFile = { ...endpoints, pid: process.pid, startedAt: new Date().toISOString() };
  writeFileSync(readyFilePath(dataDir), `${JSON.stringify(content, null, 2)}\n`);
}

/** The ready file, or undefined when no sandbox wrote one there. Throws when it exists but cannot be read. */
export function readReadyFile(dataDir: string): ReadyFile | undefined {
  const path = readyFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ReadyFile>;
  for (const field of ['s3Endpoint', 'gcsEndpoint', 'sfnEndpoint', 'sourceBucket', 'destinationBucket', 'stateMachineArn'] as const) {
    if (typeof parsed[field] !== 'string') throw new Error(`${path} has no ${field}; it was not written by this version of the sandbox`);
  }
  return { destinationPrefix: '', region: 'local', pid: 0, startedAt: '', ...parsed } as ReadyFile;
}

/** Removes the ready file if this process wrote it (another sandbox may have taken over the directory). */
export function removeReadyFile(dataDir: string): void {
  const path = readyFilePath(dataDir);
  try {
    const current = JSON.parse(readFileSync(path, 'utf8')) as Partial<ReadyFile>;
    if (current.pid === process.pid) rmSync(path, { force: true });
  } catch {
    // Already gone or unreadable: nothing to clean up.
  }
}

/** Whether the process that wrote a ready file still runs (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The sandbox that still serves `dataDir`, or undefined when its ready file is missing, unreadable or stale: the pid
 * is gone, is this process, or is no longer a sandbox (the pid was reused: its command line does not name the
 * sandbox, or its Step Functions endpoint does not answer with the ready file's state machine).
 */
export async function runningSandbox(dataDir: string): Promise<ReadyFile | undefined> {
  let ready: ReadyFile | undefined;
  try {
    ready = readReadyFile(dataDir);
  } catch {
    return undefined;
  }
  if (!ready || ready.pid === process.pid || !isProcessAlive(ready.pid)) return undefined;
  const cmdline = processCommandLine(ready.pid);
  if (cmdline !== undefined && !/sandbox|s3gcs|jest|soak/.test(cmdline)) return undefined;
  return (await servesStateMachine(ready.sfnEndpoint, ready.stateMachineArn)) ? ready : undefined;
}

/** /proc/<pid>/cmdline where there is one (Linux); undefined elsewhere, and then only the endpoint decides. */
function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

async function servesStateMachine(endpoint: string, stateMachineArn: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await res.json()) as { stateMachines?: { stateMachineArn?: string }[] };
    return res.ok && (body.stateMachines ?? []).some((m) => m.stateMachineArn === stateMachineArn);
  } catch {
    return false;
  }
}
