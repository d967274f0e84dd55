import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SourceNotReadable } from '../../../workflows/backup/errors';
import { errorReport, readHeavyTaskToken, runHeavyTask, sfnTaskTokenReporter, type TaskTokenReporter } from '../../../workflows/backup/heavy-task';
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
    expect(copy).toHaveBeenCalledWith({ action: 'copy', bucket: 'src', key: 'big.bin', size: 10, origin: 'manual' });
    expect(reporter.calls).toEqual([['success', outcome]]);
  });

  test("reports a failure with the error's NAME and message", async () => {
    const reporter = recorder();
    await expect(runHeavyTask(env, async () => Promise.reject(new SourceNotReadable('archived in Glacier')), reporter, { heartbeatMs: 60_000 })).resolves.toBe(false);
    expect(reporter.calls).toEqual([['failure', 'SourceNotReadable', 'archived in Glacier']]);
  });

  test('a malformed COPY_REQUEST is reported as InvalidInput, not a silent exit', async () => {
    const reporter = recorder();
    const copy = jest.fn();
    await runHeavyTask({ TASK_TOKEN: 't', COPY_REQUEST: '{nope' }, copy, reporter, { heartbeatMs: 60_000 });
    expect(copy).not.toHaveBeenCalled();
    expect(reporter.calls[0]).toEqual(['failure', 'InvalidInput', expect.stringContaining('COPY_REQUEST is not JSON')]);
  });

  test('heartbeats while the copy runs, and stops afterwards', async () => {
    jest.useFakeTimers();
    try {
      const reporter = recorder();
      let finish: (o: CopyOutcome) => void = () => undefined;
      const running = runHeavyTask(env, () => new Promise<CopyOutcome>((r) => (finish = r)), reporter, { heartbeatMs: 1000 });
      await jest.advanceTimersByTimeAsync(3500);
      finish(outcome);
      await running;
      await jest.advanceTimersByTimeAsync(5000);
      expect(reporter.calls.filter((c) => c[0] === 'heartbeat')).toHaveLength(3);
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

describe('sfnTaskTokenReporter', () => {
  const sfn = mockClient(SFNClient);
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
