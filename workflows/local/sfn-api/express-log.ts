import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Timeline } from '../timeline';
import type { ExecutionStatus } from './execution-store';

/**
 * What one Express execution left in its log group. AWS keeps no history of Express executions in the service: the
 * CloudWatch Logs group (level ALL, with execution data) is their only record, and the console lists them from it
 * while the group retains them. Locally this is a JSON-lines file (or memory): one line when an execution starts, one
 * when it closes, with its timeline.
 */
export interface ExpressExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The execution input, as JSON text. */
  input: string;
  startDate: string;
  status: ExecutionStatus;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
  timeline?: Timeline;
}

type LogLine = { event: 'ExecutionStarted' | 'ExecutionClosed' } & ExpressExecution;

/** The stage default of logRetentionDays (infra/config/types.ts). */
export const DEFAULT_EXPRESS_RETENTION_DAYS = 90;
const DAY_MS = 24 * 3600 * 1000;

export class ExpressLog {
  private readonly lines: LogLine[] = [];

  /** `path`: the JSON-lines file (Default: memory only). `retentionDays`: what the log group keeps. */
  constructor(
    readonly path?: string,
    private readonly retentionDays: number = DEFAULT_EXPRESS_RETENTION_DAYS,
  ) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }

  started(execution: ExpressExecution): void {
    this.append({ event: 'ExecutionStarted', ...execution });
  }

  closed(execution: ExpressExecution): void {
    this.append({ event: 'ExecutionClosed', ...execution });
  }

  /** Executions still retained at `now`, oldest first; each as its latest line says. */
  executions(now: number = Date.now()): ExpressExecution[] {
    const lines = this.path ? readLines(this.path) : this.lines;
    return foldExecutions(lines, now - this.retentionDays * DAY_MS);
  }

  private append(line: LogLine): void {
    if (this.path) appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    else this.lines.push(line);
  }
}

/** Reads the Express executions a sandbox logged to `path` (none when the file does not exist). */
export function readExpressLog(path: string, now: number = Date.now(), retentionDays = DEFAULT_EXPRESS_RETENTION_DAYS): ExpressExecution[] {
  return existsSync(path) ? foldExecutions(readLines(path), now - retentionDays * DAY_MS) : [];
}

function readLines(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  const out: LogLine[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      out.push(JSON.parse(text) as LogLine);
    } catch {
      // A line cut short by a crash: that event is lost, the others still read.
    }
  }
  return out;
}

function foldExecutions(lines: readonly LogLine[], oldestMs: number): ExpressExecution[] {
  const byArn = new Map<string, ExpressExecution>();
  for (const { event: _event, ...execution } of lines) byArn.set(execution.executionArn, { ...byArn.get(execution.executionArn), ...execution });
  return [...byArn.values()].filter((e) => Date.parse(e.startDate) >= oldestMs).sort((a, b) => a.startDate.localeCompare(b.startDate));
}
