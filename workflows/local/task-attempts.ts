/**
 * What each Task attempt sent and got back, for the history events AWS logs with execution data: the effective input
 * (after InputPath and Parameters: what the resource was called with) and the resource's raw result (before
 * ResultSelector, ResultPath and OutputPath). aws-local-stepfunctions reports neither in its event log, so the bound
 * handlers record them (withAttemptRecording), into the log of the execution whose code is running (collectAttempts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Json } from './asl-definition';
import type { TaskHandler } from './local-sfn';
import type { Timeline } from './timeline';

export interface TaskAttempt {
  /** The effective input the resource was called with. */
  input: Json;
  /** The resource's raw result, when the attempt succeeded. */
  result?: Json;
  /** The state's TimeoutSeconds / HeartbeatSeconds, which the scheduled event repeats. */
  timeoutInSeconds?: number;
  heartbeatInSeconds?: number;
}

/** The limits a Task state sets, as its scheduled events report them. */
export type TaskLimits = Pick<TaskAttempt, 'timeoutInSeconds' | 'heartbeatInSeconds'>;

/** One execution's attempts, by state name, in the order they started. */
export class TaskAttemptLog {
  private readonly byState = new Map<string, TaskAttempt[]>();

  started(state: string, input: Json, limits: TaskLimits = {}): TaskAttempt {
    const attempt: TaskAttempt = { input, ...limits };
    this.byState.set(state, [...(this.byState.get(state) ?? []), attempt]);
    return attempt;
  }

  /**
   * Gives each Task step of `timeline` its attempts (one per retry, plus the last), taken in order from this log: a
   * state entered twice gets its own attempts each time.
   */
  attachTo(timeline: Timeline): void {
    const taken = new Map<string, number>();
    for (const step of timeline.steps) {
      if (step.type !== 'Task') continue;
      const all = this.byState.get(step.state) ?? [];
      const from = taken.get(step.state) ?? 0;
      const count = Math.min(step.retries.length + 1, all.length - from);
      if (count <= 0) continue;
      step.attempts = all.slice(from, from + count);
      taken.set(step.state, from + count);
    }
  }
}

const currentLog = new AsyncLocalStorage<TaskAttemptLog>();

/** Runs `fn` (which starts one execution) so that the Task attempts of that execution, and only its, go to `log`. */
export function collectAttempts<T>(log: TaskAttemptLog, fn: () => T): T {
  return currentLog.run(log, fn);
}

/** `handler`, recording each call's input and result in the log of the execution calling it (if any). */
export function withAttemptRecording(state: string, handler: TaskHandler, limits: TaskLimits = {}): TaskHandler {
  return async (input) => {
    const attempt = currentLog.getStore()?.started(state, toJson(input), limits);
    const result = await handler(input);
    if (attempt) attempt.result = toJson(result);
    return result;
  };
}

function toJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}
