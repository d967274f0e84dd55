import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalAlert } from '../alert-sink';
import { replaceFile } from '../durable-file';
import type { Timeline } from '../timeline';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** One run of an execution: the first, then one per redrive. */
export interface RunRecord {
  startDate: string;
  stopDate?: string;
  status: ExecutionStatus;
  timeline?: Timeline;
  output?: string;
  error?: string;
  cause?: string;
  alerts: LocalAlert[];
}

/** What the local endpoint knows about one execution; also its JSON file in the data directory. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The execution input, as JSON text (exactly as given to StartExecution). */
  input: string;
  startDate: string;
  redriveCount: number;
  redriveDate?: string;
  runs: RunRecord[];
}

export function currentRun(record: ExecutionRecord): RunRecord {
  return record.runs[record.runs.length - 1]!;
}

/** The error of a run the sandbox's process stopped under (killed, crashed): no state after its start is known. */
export const INTERRUPTED_ERROR = 'Sandbox.Interrupted';
export const INTERRUPTED_CAUSE =
  'The sandbox stopped (killed or crashed) while this execution was running, so its copy may not have finished. ' +
  'Redrive it (s3gcs redrive NAME, or redrive --failed) to run it again from the start with the same input.';

/**
 * Executions in memory, in start order, and — when a directory is given — one JSON file each, so they survive a
 * restart (names stay unique, as in AWS for 90 days). Executions that were running when the process stopped come back
 * FAILED with INTERRUPTED_ERROR, which makes them redrivable; `interrupted` lists them so their failure is announced.
 */
export class ExecutionStore {
  private readonly byArn = new Map<string, ExecutionRecord>();
  /** Executions this store found RUNNING on disk and closed as FAILED (their process is gone). */
  readonly interrupted: ExecutionRecord[] = [];

  constructor(private readonly dir?: string) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const loaded: ExecutionRecord[] = [];
    for (const machine of readdirSync(dir, { withFileTypes: true })) {
      if (!machine.isDirectory()) continue;
      for (const file of readdirSync(join(dir, machine.name))) {
        if (!file.endsWith('.json')) continue;
        try {
          loaded.push(JSON.parse(readFileSync(join(dir, machine.name, file), 'utf8')) as ExecutionRecord);
        } catch {
          // A file cut short by a crash: that execution is lost, the rest still load.
        }
      }
    }
    loaded.sort((a, b) => a.startDate.localeCompare(b.startDate));
    for (const record of loaded) {
      const run = currentRun(record);
      if (run.status === 'RUNNING') {
        Object.assign(run, { status: 'FAILED', stopDate: new Date().toISOString(), error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE });
        this.save(record);
        this.interrupted.push(record);
      }
      this.byArn.set(record.executionArn, record);
    }
  }

  get(arn: string): ExecutionRecord | undefined {
    return this.byArn.get(arn);
  }

  /** In start order, oldest first. */
  all(): ExecutionRecord[] {
    return [...this.byArn.values()];
  }

  /**
   * Keeps a new execution; its file is fsynced before StartExecution answers, since the intake deletes its message on
   * that answer: after a power loss the execution is still there (and closed FAILED), never silently gone.
   */
  add(record: ExecutionRecord): void {
    this.save(record, { durable: true });
    this.byArn.set(record.executionArn, record);
  }

  /** Persists a record after it changed (atomically: a crash leaves the old or the new file). */
  save(record: ExecutionRecord, options: { durable?: boolean } = {}): void {
    if (!this.dir) return;
    // One directory per state machine: execution names are unique per state machine only.
    const machineDir = join(this.dir, record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1));
    mkdirSync(machineDir, { recursive: true });
    const file = join(machineDir, `${record.name}.json`);
    replaceFile(file, JSON.stringify(record), options);
  }
}

