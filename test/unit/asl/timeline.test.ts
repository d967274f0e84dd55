import type { EventLog } from '../../../workflows/local/local-sfn';
import { formatTimeline, TimelineRecorder, type TimelineStep } from '../../../workflows/local/timeline';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const state = (name: string, type = 'Task'): { name: string; type: string; input: object } => ({ name, type, input: {} });

function events(): EventLog[] {
  return [
    { type: 'ExecutionStarted', timestamp: T0, input: {} },
    { type: 'StateEntered', timestamp: T0 + 1, state: state('Normalize the event') },
    { type: 'StateExited', timestamp: T0 + 4, state: { ...state('Normalize the event'), output: { ok: 1 } } },
    { type: 'StateEntered', timestamp: T0 + 5, state: state('Copy the object with the small Lambda') },
    { type: 'StateFailed', timestamp: T0 + 9, state: state('Copy the object with the small Lambda'), Error: 'TransientError', Cause: '503' },
    { type: 'StateRetried', timestamp: T0 + 10, state: state('Copy the object with the small Lambda'), retry: { retrier: { ErrorEquals: ['TransientError'] }, attempt: 1 } },
    { type: 'StateFailed', timestamp: T0 + 20, state: state('Copy the object with the small Lambda'), Error: 'Runtime.OutOfMemory', Cause: new Error('killed') },
    { type: 'StateCaught', timestamp: T0 + 20, state: state('Copy the object with the small Lambda'), catch: { catcher: { ErrorEquals: ['Runtime.OutOfMemory'], Next: 'Escalate' } } },
    { type: 'StateExited', timestamp: T0 + 21, state: { ...state('Copy the object with the small Lambda'), output: {} } },
    { type: 'StateEntered', timestamp: T0 + 22, state: state('Fail the execution', 'Fail') },
    { type: 'StateFailed', timestamp: T0 + 23, state: state('Fail the execution', 'Fail'), Error: 'SourceNotReadable', Cause: 'denied' },
    { type: 'ExecutionFailed', timestamp: T0 + 23, Error: 'SourceNotReadable', Cause: 'denied' },
  ] as unknown as EventLog[];
}

describe('TimelineRecorder', () => {
  test('folds the event log into steps with offsets, durations, retries, catches and the final status', () => {
    const seen: TimelineStep[] = [];
    const recorder = new TimelineRecorder('exec-1', (s) => seen.push({ ...s }));
    for (const e of events()) recorder.record(e);
    const t = recorder.result();
    expect(t).toMatchObject({ executionName: 'exec-1', status: 'FAILED', startedAt: '2026-11-20T10:00:00.000Z', durationMs: 23, error: 'SourceNotReadable', cause: 'denied' });
    expect(t.steps).toEqual([
      { state: 'Normalize the event', type: 'Task', startedAtMs: 1, durationMs: 3, status: 'succeeded', retries: [], input: {}, output: { ok: 1 } },
      {
        state: 'Copy the object with the small Lambda',
        type: 'Task',
        startedAtMs: 5,
        durationMs: 16,
        status: 'caught',
        next: 'Escalate',
        retries: [{ retry: 1, error: 'TransientError', cause: '503', atMs: 10 }],
        error: 'Runtime.OutOfMemory',
        cause: 'killed',
        input: {},
        output: {},
      },
      { state: 'Fail the execution', type: 'Fail', startedAtMs: 22, durationMs: 1, status: 'failed', retries: [], input: {}, error: 'SourceNotReadable', cause: 'denied' },
    ]);
    expect(seen.map((s) => s.status)).toEqual(['succeeded', 'caught', 'failed']);
  });

  test('formats one line per state, with retries and the catch beneath it', () => {
    const recorder = new TimelineRecorder('exec-1');
    for (const e of events()) recorder.record(e);
    const text = formatTimeline(recorder.result());
    const lines = text.split('\n');
    expect(lines[0]).toBe('Execution exec-1: FAILED in 23 ms (started 2026-11-20T10:00:00.000Z)');
    expect(lines[1]).toMatch(/^\s+\+1 ms {2}Normalize the event\s+Task\s+3 ms {2}ok$/);
    expect(lines[2]).toMatch(/\+5 ms {2}Copy the object with the small Lambda\s+Task\s+16 ms {2}caught Runtime\.OutOfMemory -> Escalate$/);
    expect(lines[3]).toMatch(/^\s+retry 1 at \+10 ms after TransientError: 503$/);
    expect(lines[4]).toMatch(/^\s+killed$/);
    expect(text).toContain('FAILED SourceNotReadable');
    expect(lines.slice(-2)).toEqual(['Error: SourceNotReadable', 'Cause: denied']);
  });

  test('a succeeded execution shows its output', () => {
    const recorder = new TimelineRecorder('ok');
    recorder.record({ type: 'ExecutionStarted', timestamp: T0, input: {} } as EventLog);
    recorder.record({ type: 'ExecutionSucceeded', timestamp: T0 + 2, output: { outcome: 'copied' } } as EventLog);
    expect(recorder.result()).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'copied' } });
    expect(formatTimeline(recorder.result())).toContain('Output: {"outcome":"copied"}');
  });
});
