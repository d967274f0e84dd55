import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { Json } from '../local/asl-definition';
import type { Timeline, TimelineStep } from '../local/timeline';

/**
 * GetExecutionHistory events → the console-like timeline (the same Timeline the local runner records, so one
 * formatter prints both). Works on histories from AWS and from the sandbox's endpoint. A retried attempt shows as a
 * Task*Failed followed by a new *Scheduled in the same state; a caught error as a failure followed by the next state.
 * For a redriven execution the timeline of the latest run is returned.
 */
export function timelineFromHistory(executionName: string, events: HistoryEvent[]): Timeline {
  const runStart = lastIndex(events, (e) => e.type === 'ExecutionRedriven');
  const run = runStart >= 0 ? events.slice(runStart) : events;
  const t0 = (run[0]?.timestamp ?? new Date(0)).getTime();
  const rel = (e: HistoryEvent): number => (e.timestamp ?? new Date(t0)).getTime() - t0;
  const steps: TimelineStep[] = [];
  const timeline: Timeline = { executionName, status: 'RUNNING', startedAt: new Date(t0).toISOString(), durationMs: 0, steps };
  let current: TimelineStep | undefined;
  let pendingFailure: { error: string; cause: string; atMs: number } | undefined;

  const closeCaught = (next: string): void => {
    if (current && pendingFailure) {
      Object.assign(current, { status: 'caught', error: pendingFailure.error, cause: pendingFailure.cause, next });
      current.durationMs = pendingFailure.atMs - current.startedAtMs;
    }
    pendingFailure = undefined;
  };

  for (const e of run) {
    const type = e.type ?? '';
    if (type.endsWith('StateEntered')) {
      const name = e.stateEnteredEventDetails?.name ?? '?';
      closeCaught(name);
      current = { state: name, type: type.slice(0, -'StateEntered'.length), startedAtMs: rel(e), durationMs: 0, status: 'running', retries: [] };
      steps.push(current);
    } else if (type.endsWith('StateExited') && current) {
      current.status = 'succeeded';
      current.durationMs = rel(e) - current.startedAtMs;
      const output = e.stateExitedEventDetails?.output;
      if (output !== undefined) current.output = parseJson(output);
      pendingFailure = undefined;
    } else if (isAttemptFailed(type)) {
      const details = failureDetails(e);
      pendingFailure = { ...details, atMs: rel(e) };
    } else if (isAttemptScheduled(type) && current && pendingFailure) {
      // A new attempt after a failure in the same state: the failure was retried.
      current.retries.push({ retry: current.retries.length + 1, error: pendingFailure.error, cause: pendingFailure.cause, atMs: pendingFailure.atMs });
      pendingFailure = undefined;
    } else if (type === 'ExecutionSucceeded') {
      timeline.status = 'SUCCEEDED';
      timeline.durationMs = rel(e);
      const output = e.executionSucceededEventDetails?.output;
      if (output !== undefined) timeline.output = parseJson(output);
    } else if (type === 'ExecutionFailed' || type === 'ExecutionAborted' || type === 'ExecutionTimedOut') {
      const d = e.executionFailedEventDetails ?? e.executionAbortedEventDetails ?? e.executionTimedOutEventDetails;
      timeline.status = type === 'ExecutionFailed' ? 'FAILED' : type === 'ExecutionAborted' ? 'ABORTED' : 'TIMED_OUT';
      timeline.durationMs = rel(e);
      if (d?.error !== undefined) timeline.error = d.error;
      if (d?.cause !== undefined) timeline.cause = d.cause;
      if (current && current.status === 'running') {
        current.status = 'failed';
        current.durationMs = rel(e) - current.startedAtMs;
        const failure = pendingFailure ?? (d?.error !== undefined ? { error: d.error, cause: d.cause ?? '' } : undefined);
        if (failure) Object.assign(current, { error: failure.error, cause: failure.cause });
      }
    }
  }
  return timeline;
}

function isAttemptFailed(type: string): boolean {
  return /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/.test(type);
}

function isAttemptScheduled(type: string): boolean {
  return type === 'TaskScheduled' || type === 'LambdaFunctionScheduled' || type === 'ActivityScheduled';
}

function failureDetails(e: HistoryEvent): { error: string; cause: string } {
  const d =
    e.taskFailedEventDetails ??
    e.taskTimedOutEventDetails ??
    e.taskStartFailedEventDetails ??
    e.taskSubmitFailedEventDetails ??
    e.lambdaFunctionFailedEventDetails ??
    e.lambdaFunctionTimedOutEventDetails ??
    e.lambdaFunctionStartFailedEventDetails ??
    e.lambdaFunctionScheduleFailedEventDetails ??
    e.activityFailedEventDetails ??
    e.activityTimedOutEventDetails;
  return { error: d?.error ?? 'States.TaskFailed', cause: d?.cause ?? '' };
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function lastIndex<T>(items: T[], pred: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i]!)) return i;
  return -1;
}
