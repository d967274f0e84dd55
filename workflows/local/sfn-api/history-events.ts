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
  // Where the tasks are scheduled: the state machine's region.
  const region = /^arn:aws[a-z-]*:states:([^:]+):/.exec(record.stateMachineArn)?.[1] ?? 'local';
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
    if (run.timeline) drafts.push(...runEvents(run.timeline, at, includeData ? record.input : undefined, resourceOf, region, includeData));
    drafts.push(...closing(run, includeData));
  });
  return drafts.map((d, i) => ({ id: i + 1, previousEventId: i, ...d }));
}

function runEvents(timeline: Timeline, fallbackStart: number, input: string | undefined, resourceOf: ResourceOf, region: string, includeData: boolean): Draft[] {
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
    if (step.type === 'Task') out.push(...taskEvents(step, at, resourceOf(step.state) ?? '', region, includeData));
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

/**
 * One Task state's attempts, as AWS records them with execution data. A function's ARN as Resource (the original
 * Lambda integration) logs LambdaFunctionScheduled {resource, input}, LambdaFunctionStarted (no details) and
 * LambdaFunctionSucceeded {output} / LambdaFunctionFailed / LambdaFunctionTimedOut; a service integration logs
 * TaskScheduled {resourceType, resource, region, parameters}, TaskStarted and TaskSucceeded {output} / TaskFailed.
 * `input`/`parameters` is the effective input, after InputPath and Parameters ("The JSON data passed to the resource",
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskScheduledEventDetails.html, and
 * API_LambdaFunctionScheduledEventDetails.html); the succeeded event's `output` is the resource's raw result, before
 * ResultSelector, ResultPath and OutputPath ("The full JSON response from a resource",
 * API_TaskSucceededEventDetails.html); the state's own output is in <Type>StateExited. CloudWatch Logs at level ALL
 * with execution data carries the same details (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
 */
function taskEvents(step: TimelineStep, at: (ms: number) => number, resourceArn: string, region: string, includeData: boolean): Draft[] {
  const lambda = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:/.test(resourceArn);
  const resource = splitResource(resourceArn);
  const out: Draft[] = [];
  // An attempt the timeline did not record (a run from before it did, a scripted test handler) shows an empty input.
  const inputOf = (i: number): string => JSON.stringify(step.attempts?.[i]?.input ?? {});
  const data = (field: string, text: string): Record<string, unknown> => (includeData ? { [field]: text, [`${field}Details`]: { truncated: false } } : {});
  const failed = (atMs: number, error: string, cause: string): void => {
    if (!lambda) out.push({ timestamp: at(atMs), type: 'TaskFailed', taskFailedEventDetails: { ...resource, error, cause } });
    else if (error === 'States.Timeout') out.push({ timestamp: at(atMs), type: 'LambdaFunctionTimedOut', lambdaFunctionTimedOutEventDetails: { error, cause } });
    else out.push({ timestamp: at(atMs), type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error, cause } });
  };
  let attemptStart = step.startedAtMs;
  const attempt = (i: number): void => {
    const { timeoutInSeconds, heartbeatInSeconds } = step.attempts?.[i] ?? {};
    const limits = { ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}), ...(heartbeatInSeconds !== undefined ? { heartbeatInSeconds } : {}) };
    if (lambda) {
      out.push({ timestamp: at(attemptStart), type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { resource: resourceArn, ...data('input', inputOf(i)), ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}) } });
      out.push({ timestamp: at(attemptStart), type: 'LambdaFunctionStarted' });
    } else {
      out.push({ timestamp: at(attemptStart), type: 'TaskScheduled', taskScheduledEventDetails: { ...resource, region, ...(includeData ? { parameters: inputOf(i) } : {}), ...limits } });
      out.push({ timestamp: at(attemptStart), type: 'TaskStarted', taskStartedEventDetails: resource });
    }
  };
  step.retries.forEach((retry, i) => {
    attempt(i);
    failed(retry.atMs, retry.error, retry.cause);
    attemptStart = retry.atMs;
  });
  attempt(step.retries.length);
  const endMs = step.startedAtMs + step.durationMs;
  if (step.status === 'succeeded') {
    const result = step.attempts?.[step.retries.length]?.result;
    const output = result === undefined ? {} : data('output', JSON.stringify(result));
    if (lambda) out.push({ timestamp: at(endMs), type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: output });
    else out.push({ timestamp: at(endMs), type: 'TaskSucceeded', taskSucceededEventDetails: { ...resource, ...output } });
  } else if (step.status !== 'running') {
    failed(endMs, step.error ?? 'States.TaskFailed', step.cause ?? '');
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
