import type { Timeline, TimelineStep } from '../timeline';
import type { ExecutionRecord, RunRecord } from './execution-store';

/**
 * An execution's history in the shape of GetExecutionHistory: ExecutionStarted, <Type>StateEntered/Exited, the Task
 * events of every attempt (a retried attempt is a TaskFailed followed by a new TaskScheduled, as in AWS),
 * ExecutionRedriven for each redrive followed by the states the redrive re-entered, and the closing event. Built from the local timeline, so the CLI reads local and
 * deployed executions with the same code.
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch milliseconds (the protocol layer sends seconds). */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** Where a Task state sends its work, for the Task events' resourceType/resource. */
export type ResourceOf = (stateName: string) => string | undefined;

interface Draft {
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export function historyEvents(record: ExecutionRecord, resourceOf: ResourceOf, includeData = true): HistoryEvent[] {
  const drafts: Draft[] = [];
  const data = (value: string | undefined): Record<string, unknown> =>
    includeData && value !== undefined ? { value, details: { truncated: false } } : {};
  record.runs.forEach((run, i) => {
    const at = Date.parse(run.startDate);
    if (i === 0) {
      const { value, details } = data(record.input);
      drafts.push({
        timestamp: at,
        type: 'ExecutionStarted',
        executionStartedEventDetails: {
          ...(value !== undefined ? { input: value, inputDetails: details } : {}),
          roleArn: record.stateMachineArn.replace(/:states:([^:]*):([^:]*):stateMachine:.*$/, ':iam::$2:role/local-state-machine'),
          stateMachineArn: record.stateMachineArn,
        },
      });
    } else {
      drafts.push({ timestamp: at, type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: i } });
    }
    if (run.timeline) drafts.push(...runEvents(run.timeline, at, includeData ? record.input : undefined, resourceOf, includeData));
    drafts.push(...closing(run, includeData));
  });
  return drafts.map((d, i) => ({ id: i + 1, previousEventId: i, ...d }));
}

function runEvents(timeline: Timeline, fallbackStart: number, input: string | undefined, resourceOf: ResourceOf, includeData: boolean): Draft[] {
  const start = Date.parse(timeline.startedAt) || fallbackStart;
  const out: Draft[] = [];
  let stateInput = input;
  for (const step of timeline.steps) {
    const at = (ms: number): number => start + ms;
    // The input the state was entered with, when the timeline recorded it (a redriven run starts at the failed state).
    if (step.input !== undefined) stateInput = JSON.stringify(step.input);
    out.push({
      timestamp: at(step.startedAtMs),
      type: `${step.type}StateEntered`,
      stateEnteredEventDetails: { name: step.state, ...(includeData && stateInput !== undefined ? { input: stateInput } : {}) },
    });
    const output = step.output === undefined ? undefined : JSON.stringify(step.output);
    if (step.type === 'Task') out.push(...taskEvents(step, at, resourceOf(step.state) ?? '', includeData ? output : undefined));
    if (step.status === 'succeeded' && step.type !== 'Fail') {
      out.push({
        timestamp: at(step.startedAtMs + step.durationMs),
        type: `${step.type}StateExited`,
        stateExitedEventDetails: { name: step.state, ...(includeData && output !== undefined ? { output } : {}) },
      });
    }
    stateInput = output ?? stateInput;
  }
  return out;
}

function taskEvents(step: TimelineStep, at: (ms: number) => number, resourceArn: string, output: string | undefined): Draft[] {
  const resource = splitResource(resourceArn);
  const out: Draft[] = [];
  let attemptStart = step.startedAtMs;
  const attempt = (): void => {
    out.push({ timestamp: at(attemptStart), type: 'TaskScheduled', taskScheduledEventDetails: { ...resource, region: 'local', parameters: '{}' } });
    out.push({ timestamp: at(attemptStart), type: 'TaskStarted', taskStartedEventDetails: resource });
  };
  for (const retry of step.retries) {
    attempt();
    out.push({ timestamp: at(retry.atMs), type: 'TaskFailed', taskFailedEventDetails: { ...resource, error: retry.error, cause: retry.cause } });
    attemptStart = retry.atMs;
  }
  attempt();
  const end = at(step.startedAtMs + step.durationMs);
  if (step.status === 'succeeded') {
    out.push({ timestamp: end, type: 'TaskSucceeded', taskSucceededEventDetails: { ...resource, ...(output !== undefined ? { output } : {}) } });
  } else if (step.status !== 'running') {
    out.push({ timestamp: end, type: 'TaskFailed', taskFailedEventDetails: { ...resource, error: step.error ?? 'States.TaskFailed', cause: step.cause ?? '' } });
  }
  return out;
}

function closing(run: RunRecord, includeData: boolean): Draft[] {
  if (run.status === 'RUNNING' || !run.stopDate) return [];
  const timestamp = Date.parse(run.stopDate);
  switch (run.status) {
    case 'SUCCEEDED':
      return [{ timestamp, type: 'ExecutionSucceeded', executionSucceededEventDetails: includeData && run.output !== undefined ? { output: run.output, outputDetails: { truncated: false } } : {} }];
    case 'FAILED':
      return [{ timestamp, type: 'ExecutionFailed', executionFailedEventDetails: { error: run.error ?? '', cause: run.cause ?? '' } }];
    case 'ABORTED':
      return [{ timestamp, type: 'ExecutionAborted', executionAbortedEventDetails: { error: run.error ?? '', cause: run.cause ?? '' } }];
    case 'TIMED_OUT':
      return [{ timestamp, type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: run.error ?? 'States.Timeout', cause: run.cause ?? '' } }];
  }
}

/** `arn:aws:states:::lambda:invoke` → {resourceType: 'lambda', resource: 'invoke'}, as the console shows it. */
function splitResource(arn: string): { resourceType: string; resource: string } {
  const m = /^arn:aws[a-z-]*:states:::([^:]+):(.+)$/.exec(arn);
  if (m) return { resourceType: m[1]!, resource: m[2]! };
  const service = /^arn:aws[a-z-]*:([^:]+):/.exec(arn)?.[1];
  return { resourceType: service ?? 'unknown', resource: arn };
}
