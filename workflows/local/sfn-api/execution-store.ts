import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalAlert } from '../alert-sink';
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

/**
 * Executions in memory, in start order, and — when a directory is given — one JSON file each, so they survive a
 * restart (names stay unique, as in AWS for 90 days). Executions that were running when the process stopped come back
 * ABORTED, which makes them redrivable.
 */
export class ExecutionStore {
  private readonly byArn = new Map<string, ExecutionRecord>();

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
        Object.assign(run, { status: 'ABORTED', stopDate: new Date().toISOString(), error: 'States.Aborted', cause: 'The sandbox stopped while the execution was running' });
        this.save(record);
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

  add(record: ExecutionRecord): void {
    this.byArn.set(record.executionArn, record);
    this.save(record);
  }

  /** Persists a record after it changed. */
  save(record: ExecutionRecord): void {
    if (!this.dir) return;
    // One directory per state machine: execution names are unique per state machine only.
    const machineDir = join(this.dir, record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1));
    mkdirSync(machineDir, { recursive: true });
    const file = join(machineDir, `${record.name}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }
}
