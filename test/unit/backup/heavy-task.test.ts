import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut, InvalidToken } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SourceNotReadable } from '../../../workflows/backup/errors';
import {
  errorReport,
  readHeavyTaskToken,
  runHeavyTask,
  sfnTaskTokenReporter,
  taskStopped,
  type TaskTokenReporter,
} from '../../../workflows/backup/heavy-task';
import type { CopyOutcome } from '../../../workflows/copy/types';

const outcome: CopyOutcome = { outcome: 'copied', bytes: 10, durationMs: 5, destination: 'gs://b/k', tier: 'heavy' };
const env = { TASK_TOKEN: 'tok', COPY_REQUEST: JSON.stringify({ action: 'copy', bucket: 'src', key: 'big.bin', size: 10, origin: 'manual' }) };

function recorder(): TaskTokenReporter & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    success: async (o) => void calls.push(['success', o]),
    failure: async (e, c) => void calls.push(['failure', e, c]),
    heartbeat: async () => void calls.push(['heartbeat']),
  };
}

describe('runHeavyTask', () => {
  test('copies the request from its environment and reports the outcome', async () => {
    const reporter = recorder();
    const copy = jest.fn(async () => outcome);
    await expect(runHeavyTask(env, copy, reporter, { heartbeatMs: 60_000 })).resolves.toBe(true);
    expect(copy).toHaveBeenCalledWith({ action: 'copy', bucket: 'src', key: 'big.bin', size: 10, origin: 'manual' }, expect.any(AbortSignal));
    expect(reporter.calls).toEqual([['heartbeat'], ['success', outcome]]);
  });

  test("reports a failure with the error's NAME and message", async () => {
    const reporter = recorder();
    await expect(runHeavyTask(env, async () => Promise.reject(new SourceNotReadable('archived in Glacier')), reporter, { heartbeatMs: 60_000 })).resolves.toBe(false);
    expect(reporter.calls).toEqual([['heartbeat'], ['failure', 'SourceNotReadable', 'archived in Glacier']]);
  });

  test('a malformed COPY_REQUEST is reported as InvalidInput, not a silent exit', async () => {
    const reporter = recorder();
    const copy = jest.fn();
    await runHeavyTask({ TASK_TOKEN: 't', COPY_REQUEST: '{nope' }, copy, reporter, { heartbeatMs: 60_000 });
    expect(copy).not.toHaveBeenCalled();
    expect(reporter.calls[1]).toEqual(['failure', 'InvalidInput', expect.stringContaining('COPY_REQUEST is not JSON')]);
  });

  test('heartbeats at start and then every interval while the copy runs, and stops afterwards', async () => {
    jest.useFakeTimers();
    try {
      const reporter = recorder();
      let finish: (o: CopyOutcome) => void = () => undefined;
      const running = runHeavyTask(env, () => new Promise<CopyOutcome>((r) => (finish = r)), reporter, { heartbeatMs: 1000 });
      await jest.advanceTimersByTimeAsync(3500);
      finish(outcome);
      await running;
      await jest.advanceTimersByTimeAsync(5000);
      expect(reporter.calls.filter((c) => c[0] === 'heartbeat')).toHaveLength(1 + 3); // at start, then at 1, 2 and 3 s
    } finally {
      jest.useRealTimers();
    }
  });

  test('without TASK_TOKEN nothing can be reported: ConfigurationError', () => {
    expect(() => readHeavyTaskToken({})).toThrow(/TASK_TOKEN is not set/);
  });

  test('errorReport keeps names and causes within Step Functions limits', () => {
    const err = Object.assign(new Error('x'.repeat(40_000)), { name: 'N'.repeat(300) });
    const r = errorReport(err);
    expect([r.error.length, r.cause.length]).toEqual([256, 32_768]);
    expect(errorReport('plain')).toEqual({ error: 'Error', cause: 'plain' });
  });
});

/** One mock of the SFN client for the file: a second mockClient(SFNClient) would replace the first one's stubs. */
const sfn = mockClient(SFNClient);

describe('sfnTaskTokenReporter', () => {
  afterEach(() => sfn.reset());

  test('sends SendTaskSuccess with the outcome as JSON, SendTaskFailure with error and cause, and heartbeats', async () => {
    const reporter = sfnTaskTokenReporter(new SFNClient({ region: 'us-east-1' }), 'tok');
    await reporter.success(outcome);
    await reporter.failure('SourceNotFound', 'gone');
    await reporter.heartbeat();
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'tok', output: JSON.stringify(outcome) });
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 'tok', error: 'SourceNotFound', cause: 'gone' });
    expect(sfn).toHaveReceivedCommandWith(SendTaskHeartbeatCommand, { taskToken: 'tok' });
  });
});

describe('runHeavyTask with Step Functions (the task lifecycle)', () => {
  beforeEach(() => {
    sfn.reset();
    sfn.onAnyCommand().resolves({});
  });
  const reporter = (): TaskTokenReporter => sfnTaskTokenReporter(new SFNClient({ region: 'us-east-1' }), 'tok');
  /** No waiting between report attempts in unit tests; the policy's real delays are in REPORT_RETRY. */
  const options = { heartbeatMs: 3_600_000, reportRetry: { attempts: 5, baseDelayMs: 0, maxDelayMs: 0 } };
  const throttled = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
  const timedOut = (): Error => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });
  /** A copy that runs until its signal aborts, then rejects with the signal's reason, as the engine does. */
  const untilAborted = (): ((event: unknown, signal: AbortSignal) => Promise<CopyOutcome>) => (_event, signal) =>
    new Promise<CopyOutcome>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

  test('sends the first heartbeat at start, not one interval later (HeartbeatSeconds runs from RunTask)', async () => {
    let heartbeatsBeforeCopyEnded = -1;
    const copy = async (): Promise<CopyOutcome> => {
      await new Promise((r) => setImmediate(r));
      heartbeatsBeforeCopyEnded = sfn.commandCalls(SendTaskHeartbeatCommand).length;
      return outcome;
    };
    await expect(runHeavyTask(env, copy, reporter(), options)).resolves.toBe(true);
    expect(heartbeatsBeforeCopyEnded).toBe(1);
  });

  test('SIGTERM (stop) aborts the in-flight copy and reports TransientError "the task was stopped" at once', async () => {
    const stop = new AbortController();
    const running = runHeavyTask(env, untilAborted(), reporter(), { ...options, stop: stop.signal });
    stop.abort(taskStopped('SIGTERM'));
    await expect(running).resolves.toBe(false);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: 'tok', error: 'TransientError', cause: expect.stringMatching(/^the task was stopped \(SIGTERM\)/) },
    ]);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  test('a stop reports the stop, whatever error the aborted copy threw on its way out', async () => {
    const stop = new AbortController();
    const copy = (_event: unknown, signal: AbortSignal): Promise<CopyOutcome> =>
      new Promise((_r, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const running = runHeavyTask(env, copy, reporter(), { ...options, stop: stop.signal });
    stop.abort(taskStopped('SIGTERM'));
    await running;
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({ error: 'TransientError', cause: expect.stringMatching(/^the task was stopped/) });
  });

  test('a successful copy whose SendTaskSuccess fails transiently is reported again, never as a failure', async () => {
    sfn.on(SendTaskSuccessCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
    await expect(runHeavyTask(env, async () => outcome, reporter(), options)).resolves.toBe(true);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(3);
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  test('SendTaskSuccess retries are bounded: still failing, the task rejects (exits non-zero) without SendTaskFailure', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(throttled());
    await expect(runHeavyTask(env, async () => outcome, reporter(), options)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(5);
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  test.each([
    ['TaskTimedOut', timedOut],
    ['InvalidToken', () => new InvalidToken({ message: 'Invalid Token', $metadata: {} })],
  ])('SendTaskSuccess refused with %s: no retry, no SendTaskFailure, the task rejects with TaskTokenGone', async (_name, refusal) => {
    sfn.on(SendTaskSuccessCommand).rejects(refusal());
    await expect(runHeavyTask(env, async () => outcome, reporter(), options)).rejects.toMatchObject({ name: 'TaskTokenGone' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  test('a heartbeat refused with TaskTimedOut (the state gave up on this task) aborts the copy and reports nothing', async () => {
    sfn.on(SendTaskHeartbeatCommand).rejects(timedOut());
    await expect(runHeavyTask(env, untilAborted(), reporter(), options)).rejects.toMatchObject({ name: 'TaskTokenGone' });
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  test('a failure report that fails transiently is sent again', async () => {
    sfn.on(SendTaskFailureCommand).rejectsOnce(throttled()).resolves({});
    await expect(runHeavyTask(env, async () => Promise.reject(new SourceNotReadable('archived')), reporter(), options)).resolves.toBe(false);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(2);
  });
});
