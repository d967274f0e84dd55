import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { ExpressExecution } from '../local/sfn-api/express-log';
import type { ExecutionStatus } from '../local/sfn-api/execution-store';
import { historyEvents } from '../local/sfn-api/history-events';
import { timelineFromHistory } from './history-timeline';

/**
 * One record Step Functions writes to a state machine's CloudWatch log group (level ALL, with execution data): a JSON
 * object per history event, `details` holding what GetExecutionHistory puts in the event's `…EventDetails` field, and
 * the ids, timestamp (epoch milliseconds) and redrive count as strings.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 */
export interface CloudWatchExecutionRecord {
  id: string;
  type: string;
  details?: Record<string, unknown>;
  previous_event_id?: string;
  event_timestamp: string;
  execution_arn: string;
  redrive_count?: string;
}

/** An Express execution rebuilt from its log records: what the local log keeps, plus the events themselves. */
export interface LoggedExpressExecution {
  execution: ExpressExecution;
  /** Its history events, oldest first (a deployed stage's log has them; the sandbox's log keeps the timeline only). */
  history?: HistoryEvent[];
}

const CLOSING: Partial<Record<string, ExecutionStatus>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** A log event's message → its record, or undefined when it is not one (another writer, a line cut short). */
export function parseExecutionRecord(message: string | undefined): CloudWatchExecutionRecord | undefined {
  if (!message) return undefined;
  try {
    const r = JSON.parse(message) as Partial<CloudWatchExecutionRecord> | null;
    if (typeof r?.type !== 'string' || typeof r.execution_arn !== 'string' || typeof r.id !== 'string' || !Number.isFinite(Number(r.event_timestamp))) return undefined;
    return r as CloudWatchExecutionRecord;
  } catch {
    return undefined;
  }
}

/** The record as the GetExecutionHistory event it logs (the `details` under the field the event type names). */
export function historyEventOf(r: CloudWatchExecutionRecord): HistoryEvent {
  const event: HistoryEvent = {
    id: Number(r.id),
    type: r.type as HistoryEventType,
    timestamp: new Date(Number(r.event_timestamp)),
    ...(r.previous_event_id !== undefined ? { previousEventId: Number(r.previous_event_id) } : {}),
  };
  if (r.details) (event as unknown as Record<string, unknown>)[detailsField(r.type)] = r.details;
  return event;
}

function detailsField(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

/**
 * Records (any order, several executions mixed, duplicates allowed: CloudWatch Logs delivers at least once) → one
 * execution each, oldest first. An execution whose ExecutionStarted record is not among them (it started before the
 * window read) is left out: without its input it names no object.
 */
export function executionsFromRecords(records: Iterable<CloudWatchExecutionRecord>): LoggedExpressExecution[] {
  const byArn = new Map<string, Map<string, CloudWatchExecutionRecord>>();
  for (const r of records) {
    const events = byArn.get(r.execution_arn) ?? new Map<string, CloudWatchExecutionRecord>();
    events.set(r.id, r);
    byArn.set(r.execution_arn, events);
  }
  const out: LoggedExpressExecution[] = [];
  for (const [executionArn, events] of byArn) {
    const history = [...events.values()].map(historyEventOf).sort((a, b) => a.id! - b.id!);
    const started = history.find((e) => e.type === 'ExecutionStarted');
    if (!started) continue;
    const closed = history.find((e) => CLOSING[e.type!] !== undefined);
    const failure = closed?.executionFailedEventDetails ?? closed?.executionTimedOutEventDetails ?? closed?.executionAbortedEventDetails;
    const name = executionNameOf(executionArn);
    const execution: ExpressExecution = {
      executionArn,
      stateMachineArn: stateMachineArnOf(executionArn),
      name,
      input: started.executionStartedEventDetails?.input ?? 'null',
      startDate: started.timestamp!.toISOString(),
      status: closed ? CLOSING[closed.type!]! : 'RUNNING',
      ...(closed ? { stopDate: closed.timestamp!.toISOString() } : {}),
      ...(closed?.executionSucceededEventDetails?.output !== undefined ? { output: closed.executionSucceededEventDetails.output } : {}),
      ...(failure?.error !== undefined ? { error: failure.error } : {}),
      ...(failure?.cause !== undefined ? { cause: failure.cause } : {}),
      timeline: timelineFromHistory(name, history),
    };
    out.push({ execution, history });
  }
  return out.sort((a, b) => a.execution.startDate.localeCompare(b.execution.startDate));
}

/** arn:aws:states:<region>:<account>:express:<machine>:<name>:<run id> */
function executionNameOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return parts.length >= 9 ? parts[7]! : (parts.at(-1) ?? executionArn);
}

function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return parts.length >= 9 ? [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':') : '';
}

/**
 * The sandbox's log (one line per Express execution, with its timeline) → the records a log group would hold for the
 * same executions (their history events, built as the local endpoint builds GetExecutionHistory), read by the same
 * parser as a deployed stage's. The local timeline is kept as recorded: it has what the events cannot say.
 */
export function fromLocalLog(executions: readonly ExpressExecution[]): LoggedExpressExecution[] {
  const timelines = new Map(executions.map((e) => [e.executionArn, e.timeline]));
  return executionsFromRecords(executions.flatMap(recordsOf)).map(({ execution, history }) => {
    const timeline = timelines.get(execution.executionArn);
    return { execution: { ...execution, ...(timeline ? { timeline } : {}) }, ...(history ? { history } : {}) };
  });
}

function recordsOf(e: ExpressExecution): CloudWatchExecutionRecord[] {
  const run = {
    startDate: e.startDate,
    status: e.status,
    alerts: [],
    ...(e.stopDate ? { stopDate: e.stopDate } : {}),
    ...(e.timeline ? { timeline: e.timeline } : {}),
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  };
  const events = historyEvents({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, input: e.input, startDate: e.startDate, redriveCount: 0, runs: [run] }, () => undefined);
  return events.map(({ id, previousEventId, timestamp, type, ...details }) => ({
    id: String(id),
    type,
    details: (Object.values(details)[0] ?? {}) as Record<string, unknown>,
    previous_event_id: String(previousEventId),
    event_timestamp: String(timestamp),
    execution_arn: e.executionArn,
    redrive_count: '0',
  }));
}
