import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { timelineFromHistory } from '../../../workflows/cli/history-timeline';
import type { ExecutionRecord } from '../../../workflows/local/sfn-api/execution-store';
import { historyEvents } from '../../../workflows/local/sfn-api/history-events';
import type { Timeline } from '../../../workflows/local/timeline';

const STARTED = '2026-11-20T10:00:00.000Z';

/** An escalation that ends in success: small fails twice (one retry), is caught, large copies. */
const escalation: Timeline = {
  executionName: 'copy-big-bin-abc',
  status: 'SUCCEEDED',
  startedAt: STARTED,
  durationMs: 900,
  steps: [
    { state: 'Normalize the event', type: 'Task', startedAtMs: 0, durationMs: 10, status: 'succeeded', retries: [], output: { object: { key: 'big.bin' } } },
    { state: 'Choose a copier by size', type: 'Choice', startedAtMs: 10, durationMs: 0, status: 'succeeded', retries: [], output: { x: 1 } },
    {
      state: 'Copy the object with the small Lambda',
      type: 'Task',
      startedAtMs: 10,
      durationMs: 300,
      status: 'caught',
      retries: [{ retry: 1, error: 'TransientError', cause: 'GCS 503', atMs: 100 }],
      error: 'Runtime.OutOfMemory',
      cause: 'needs 300 MB',
      next: 'Escalate from the small Lambda to the large Lambda',
    },
    { state: 'Escalate from the small Lambda to the large Lambda', type: 'Pass', startedAtMs: 310, durationMs: 0, status: 'succeeded', retries: [], output: { y: 2 } },
    { state: 'Copy the object with the large Lambda', type: 'Task', startedAtMs: 310, durationMs: 590, status: 'succeeded', retries: [], output: { outcome: 'copied', tier: 'large' } },
  ],
  output: { outcome: 'copied', tier: 'large' },
};

/** A permanent error: alert, then Fail. */
const alerting: Timeline = {
  executionName: 'copy-x',
  status: 'FAILED',
  startedAt: STARTED,
  durationMs: 30,
  steps: [
    { state: 'Copy the object with the small Lambda', type: 'Task', startedAtMs: 0, durationMs: 10, status: 'caught', retries: [], error: 'SourceNotReadable', cause: 'Glacier', next: 'Alert the operators' },
    { state: 'Alert the operators', type: 'Task', startedAtMs: 10, durationMs: 10, status: 'succeeded', retries: [], output: { MessageId: '1' } },
    { state: 'Fail the execution', type: 'Fail', startedAtMs: 20, durationMs: 10, status: 'failed', retries: [], error: 'SourceNotReadable', cause: 'Glacier' },
  ],
  error: 'SourceNotReadable',
  cause: 'Glacier',
};

function record(timeline: Timeline, stopMs: number): ExecutionRecord {
  const stopDate = new Date(Date.parse(STARTED) + stopMs).toISOString();
  return {
    executionArn: 'arn:aws:states:local:000000000000:execution:backup-object:copy-x',
    stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:backup-object',
    name: timeline.executionName,
    input: '{"bucket":"b","key":"k"}',
    startDate: STARTED,
    redriveCount: 0,
    runs: [
      {
        startDate: STARTED,
        stopDate,
        status: timeline.status as 'SUCCEEDED' | 'FAILED',
        timeline,
        alerts: [],
        ...(timeline.output ? { output: JSON.stringify(timeline.output) } : {}),
        ...(timeline.error ? { error: timeline.error, cause: timeline.cause ?? '' } : {}),
      },
    ],
  };
}

/** What the SDK hands the CLI: the endpoint's events with Date timestamps. */
function asSdkEvents(rec: ExecutionRecord): HistoryEvent[] {
  return historyEvents(rec, () => 'arn:aws:states:::lambda:invoke').map((e) => ({ ...e, timestamp: new Date(e.timestamp) }) as unknown as HistoryEvent);
}

describe('timelineFromHistory', () => {
  it.each([
    ['an escalation that ends in success', escalation],
    ['a permanent error that alerts and fails', alerting],
  ])('reads back %s from the history the local endpoint serves', (_what, timeline) => {
    const back = timelineFromHistory(timeline.executionName, asSdkEvents(record(timeline, timeline.durationMs)));
    expect(back.status).toBe(timeline.status);
    expect(back.error).toBe(timeline.error);
    expect(back.cause).toBe(timeline.cause);
    expect(back.output).toEqual(timeline.output);
    expect(back.steps.map((s) => ({ state: s.state, type: s.type, status: s.status, startedAtMs: s.startedAtMs, durationMs: s.durationMs, next: s.next, error: s.error, retries: s.retries }))).toEqual(
      timeline.steps.map((s) => ({ state: s.state, type: s.type, status: s.status, startedAtMs: s.startedAtMs, durationMs: s.durationMs, next: s.next, error: s.error, retries: s.retries })),
    );
  });

  it('shows the latest run of a redriven execution', () => {
    const rec = record(alerting, 30);
    rec.redriveCount = 1;
    rec.runs.push({ startDate: '2026-11-20T11:00:00.000Z', stopDate: '2026-11-20T11:00:00.500Z', status: 'SUCCEEDED', alerts: [], output: '{"outcome":"copied"}', timeline: { ...escalation, startedAt: '2026-11-20T11:00:00.000Z' } });
    const back = timelineFromHistory('copy-x', asSdkEvents(rec));
    expect(back.status).toBe('SUCCEEDED');
    expect(back.startedAt).toBe('2026-11-20T11:00:00.000Z');
    expect(back.steps[0]!.state).toBe('Normalize the event');
  });

  it('reads Lambda-style events from AWS histories (LambdaFunctionFailed then a new LambdaFunctionScheduled = a retry)', () => {
    const t = (ms: number): Date => new Date(Date.parse(STARTED) + ms);
    const events: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: t(0) },
      { id: 2, type: 'TaskStateEntered', timestamp: t(5), stateEnteredEventDetails: { name: 'Copy' } },
      { id: 3, type: 'LambdaFunctionScheduled', timestamp: t(5) },
      { id: 4, type: 'LambdaFunctionFailed', timestamp: t(50), lambdaFunctionFailedEventDetails: { error: 'TransientError', cause: 'reset' } },
      { id: 5, type: 'LambdaFunctionScheduled', timestamp: t(250) },
      { id: 6, type: 'LambdaFunctionSucceeded', timestamp: t(300) },
      { id: 7, type: 'TaskStateExited', timestamp: t(300), stateExitedEventDetails: { name: 'Copy', output: '{"outcome":"copied"}' } },
      { id: 8, type: 'ExecutionSucceeded', timestamp: t(301), executionSucceededEventDetails: { output: '{"outcome":"copied"}' } },
    ];
    const back = timelineFromHistory('x', events);
    expect(back.steps).toEqual([
      { state: 'Copy', type: 'Task', startedAtMs: 5, durationMs: 295, status: 'succeeded', retries: [{ retry: 1, error: 'TransientError', cause: 'reset', atMs: 50 }], output: { outcome: 'copied' } },
    ]);
    expect(back).toMatchObject({ status: 'SUCCEEDED', durationMs: 301, output: { outcome: 'copied' } });
  });

  it('leaves a running execution RUNNING with its current state running', () => {
    const events: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: new Date(0) },
      { id: 2, type: 'TaskStateEntered', timestamp: new Date(10), stateEnteredEventDetails: { name: 'Copy the object with the heavy task' } },
    ];
    const back = timelineFromHistory('x', events);
    expect(back.status).toBe('RUNNING');
    expect(back.steps[0]!.status).toBe('running');
  });
});
