/**
 * A console-like execution history built from aws-local-stepfunctions' event log: each state with its start offset,
 * duration and result, the failed attempts that were retried, the catcher that took over, and the final status.
 */
import type { Json } from './asl-definition';
import type { EventLog } from './local-sfn';
import type { TaskAttempt } from './task-attempts';

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** A failed attempt that a Retry rule re-ran. */
export interface RetriedAttempt {
  /** 1-based retry number of the matching retrier (1 = first retry). */
  retry: number;
  error: string;
  cause: string;
  atMs: number;
}

export interface TimelineStep {
  state: string;
  type: string;
  /** Offset from the execution's start. */
  startedAtMs: number;
  durationMs: number;
  /** succeeded: exited normally; caught: failed, and a Catch moved on to `next`; failed: ended the execution. */
  status: 'succeeded' | 'caught' | 'failed' | 'running';
  retries: RetriedAttempt[];
  error?: string;
  cause?: string;
  /** For caught steps: the state the catcher moved to. */
  next?: string;
  /** The input the state was entered with (what a redrive feeds it again). */
  input?: Json;
  output?: Json;
  /** Task states: each attempt's effective input and raw result, in order (retried ones first), when recorded. */
  attempts?: TaskAttempt[];
}

export interface Timeline {
  executionName: string;
  status: ExecutionStatus | 'RUNNING';
  startedAt: string;
  durationMs: number;
  steps: TimelineStep[];
  output?: Json;
  error?: string;
  cause?: string;
}

/** Folds events, in order, into a Timeline. `onStep` sees each step as it completes (live progress). */
export class TimelineRecorder {
  private readonly steps: TimelineStep[] = [];
  private startMs: number | undefined;
  private readonly timeline: Timeline;

  constructor(
    executionName: string,
    private readonly onStep?: (step: TimelineStep) => void,
  ) {
    this.timeline = { executionName, status: 'RUNNING', startedAt: '', durationMs: 0, steps: this.steps };
  }

  record(event: EventLog): void {
    const t = event.timestamp;
    if (this.startMs === undefined) {
      this.startMs = t;
      this.timeline.startedAt = new Date(t).toISOString();
    }
    const rel = t - this.startMs;
    switch (event.type) {
      case 'StateEntered':
        this.steps.push({ state: event.state.name, type: event.state.type, startedAtMs: rel, durationMs: 0, status: 'running', retries: [], input: event.state.input as Json });
        break;
      case 'StateFailed': {
        const step = this.current(event.state.name);
        if (step) {
          step.error = event.Error;
          step.cause = causeText(event.Cause);
          step.durationMs = rel - step.startedAtMs;
        }
        break;
      }
      case 'StateRetried': {
        const step = this.current(event.state.name);
        if (step && step.error !== undefined) {
          step.retries.push({ retry: event.retry.attempt, error: step.error, cause: step.cause ?? '', atMs: rel });
          delete step.error;
          delete step.cause;
        }
        break;
      }
      case 'StateCaught': {
        const step = this.current(event.state.name);
        if (step) {
          step.status = 'caught';
          step.next = event.catch.catcher.Next;
        }
        break;
      }
      case 'StateExited': {
        const step = this.current(event.state.name);
        if (step) {
          if (step.status === 'running') step.status = 'succeeded';
          step.durationMs = rel - step.startedAtMs;
          step.output = event.state.output as Json;
          this.onStep?.(step);
        }
        break;
      }
      case 'ExecutionSucceeded':
        this.finish('SUCCEEDED', rel);
        this.timeline.output = event.output as Json;
        break;
      case 'ExecutionFailed':
        this.finish('FAILED', rel);
        this.timeline.error = event.Error;
        this.timeline.cause = causeText(event.Cause);
        break;
      case 'ExecutionAborted':
        this.finish('ABORTED', rel);
        break;
      case 'ExecutionTimeout':
        this.finish('TIMED_OUT', rel);
        break;
      default:
        break;
    }
  }

  result(): Timeline {
    return this.timeline;
  }

  private current(name: string): TimelineStep | undefined {
    const step = this.steps[this.steps.length - 1];
    return step && step.state === name ? step : undefined;
  }

  private finish(status: ExecutionStatus, rel: number): void {
    this.timeline.status = status;
    this.timeline.durationMs = rel;
    const last = this.steps[this.steps.length - 1];
    if (last && last.status === 'running') {
      last.status = 'failed';
      last.durationMs = rel - last.startedAtMs;
      this.onStep?.(last);
    }
  }
}

/** Human form, like the console's event table: one line per state, retries and catches indented below it. */
export function formatTimeline(timeline: Timeline): string {
  const lines = [`Execution ${timeline.executionName}: ${timeline.status} in ${ms(timeline.durationMs)} (started ${timeline.startedAt})`];
  for (const step of timeline.steps) lines.push(...formatStep(step));
  if (timeline.status === 'SUCCEEDED') lines.push(`Output: ${JSON.stringify(timeline.output)}`);
  if (timeline.error !== undefined) lines.push(`Error: ${timeline.error}`, `Cause: ${oneLine(timeline.cause ?? '')}`);
  return lines.join('\n');
}

const NAME_WIDTH = 52;

export function formatStep(step: TimelineStep): string[] {
  const result =
    step.status === 'succeeded'
      ? 'ok'
      : step.status === 'caught'
        ? `caught ${step.error} -> ${step.next}`
        : step.status === 'failed'
          ? `FAILED ${step.error ?? ''}`.trimEnd()
          : 'running';
  const head = `${`+${ms(step.startedAtMs)}`.padStart(10)}  ${step.state.padEnd(NAME_WIDTH)} ${step.type.padEnd(6)} ${ms(step.durationMs).padStart(9)}  ${result}`;
  const lines = [head];
  for (const r of step.retries) {
    lines.push(`${''.padStart(12)}  retry ${r.retry} at +${ms(r.atMs)} after ${r.error}: ${truncate(oneLine(r.cause), 140)}`);
  }
  if (step.status !== 'succeeded' && step.cause) lines.push(`${''.padStart(12)}  ${truncate(oneLine(step.cause), 160)}`);
  return lines;
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  return cause === undefined ? '' : JSON.stringify(cause);
}

function ms(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' | ');
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
