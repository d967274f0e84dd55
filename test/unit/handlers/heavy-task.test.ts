import type { CopyOutcome } from '../../../workflows/copy/types';
import { captureStdout, POWERTOOLS_TEST_ENV, restoreEnvAfterAll } from '../../support/powertools';

type Main = (env: NodeJS.ProcessEnv, stop?: AbortSignal) => Promise<boolean>;
type StopOnSigterm = (proc: { once(event: 'SIGTERM', listener: () => void): unknown }) => AbortSignal;
type SfnModule = typeof import('@aws-sdk/client-sfn');

const outcome: CopyOutcome = { outcome: 'copied', bytes: 9, durationMs: 2, destination: 'gs://backup/big', tier: 'heavy' };
const savedEnv = restoreEnvAfterAll();
/** The task's EMF lines (the awslogs driver ships stdout to its log group). */
const stdout = captureStdout();

function load(copy: jest.Mock) {
  process.env = { ...savedEnv, ...POWERTOOLS_TEST_ENV, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };
  let loaded:
    | { main: Main; stopOnSigterm: StopOnSigterm; sfn: SfnModule; mock: ReturnType<typeof import('aws-sdk-client-mock').mockClient> }
    | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module instance per test needs require */
    jest.doMock('../../../workflows/copy/engine', () => ({ copyObject: copy, deleteBackup: jest.fn() }));
    const sfn = require('@aws-sdk/client-sfn') as SfnModule;
    const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
    const mock = mockClient(sfn.SFNClient);
    const handler = require('../../../handlers/heavy-task') as { main: Main; stopOnSigterm: StopOnSigterm };
    loaded = { main: handler.main, stopOnSigterm: handler.stopOnSigterm, sfn, mock };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return loaded!;
}

const env = {
  TASK_TOKEN: 'token-1',
  COPY_REQUEST: JSON.stringify({ action: 'copy', bucket: 'src', key: 'big', size: 9, origin: 'eventbridge' }),
  DEST_BUCKET: 'backup',
  CONCURRENCY: '16',
};

describe('heavy-task container main', () => {
  test('copies with the heavy tier and reports the outcome through the task token', async () => {
    const copy = jest.fn(async () => outcome);
    const { main, sfn, mock } = load(copy);
    await expect(main(env)).resolves.toBe(true);
    expect(copy).toHaveBeenCalledWith({ bucket: 'src', key: 'big', size: 9 }, expect.objectContaining({ tier: 'heavy', options: { concurrency: 16 } }));
    expect(mock.commandCalls(sfn.SendTaskSuccessCommand)[0]?.args[0].input).toEqual({ taskToken: 'token-1', output: JSON.stringify(outcome) });
  });

  test('logs the EMF line with the top-level fields its metric filters read (BytesCopied, CopyDuration, service, tier)', async () => {
    const { main } = load(jest.fn(async () => outcome));
    await main(env);
    const [line, ...more] = stdout.emfLines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ BytesCopied: 9, CopyDuration: 2, service: 's3-gcs-backup', tier: 'heavy' });
    expect(line?.['_aws']).toMatchObject({
      CloudWatchMetrics: [{ Namespace: 'S3GcsBackup', Dimensions: [['service', 'tier']], Metrics: [{ Name: 'BytesCopied', Unit: 'Bytes' }, { Name: 'CopyDuration', Unit: 'Milliseconds' }] }],
    });
  });

  test('a failed copy is reported by name and publishes no metric', async () => {
    const copy = jest.fn(async () => {
      throw Object.assign(new Error('gone'), { name: 'SourceNotReadable' });
    });
    const { main, sfn, mock } = load(copy);
    await expect(main(env)).resolves.toBe(false);
    expect(mock.commandCalls(sfn.SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({ error: 'SourceNotReadable' });
    expect(stdout.text()).not.toContain('BytesCopied');
  });

  test('a configuration error is reported by name instead of crashing silently', async () => {
    const copy = jest.fn();
    const { main, sfn, mock } = load(copy);
    await expect(main({ ...env, DEST_BUCKET: '' })).resolves.toBe(false);
    expect(copy).not.toHaveBeenCalled();
    expect(mock.commandCalls(sfn.SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({ taskToken: 'token-1', error: 'ConfigurationError' });
  });

  test('importing the module does not start a copy (only the container entry point does)', () => {
    const copy = jest.fn();
    const { mock } = load(copy);
    expect(mock.calls()).toHaveLength(0);
    expect(copy).not.toHaveBeenCalled();
  });

  test('a stop (SIGTERM) aborts the engine\'s copy in flight and reports TransientError "the task was stopped"', async () => {
    let engineSignal: AbortSignal | undefined;
    const copy = jest.fn(
      (_req: unknown, ctx: { signal?: AbortSignal }) =>
        new Promise<CopyOutcome>((_resolve, reject) => {
          engineSignal = ctx.signal;
          ctx.signal?.addEventListener('abort', () => reject(ctx.signal?.reason as Error), { once: true });
        }),
    );
    const { main, sfn, mock } = load(copy);
    const stop = new AbortController();
    const running = main(env, stop.signal);
    await new Promise((r) => setImmediate(r));
    expect(copy).toHaveBeenCalled();
    const { taskStopped } = jest.requireActual<typeof import('../../../workflows/backup/heavy-task')>('../../../workflows/backup/heavy-task');
    stop.abort(taskStopped('SIGTERM'));
    await expect(running).resolves.toBe(false);
    expect(engineSignal?.aborted).toBe(true);
    expect(mock.commandCalls(sfn.SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({
      taskToken: 'token-1',
      error: 'TransientError',
      cause: expect.stringMatching(/^the task was stopped/),
    });
  });

  test('stopOnSigterm turns the SIGTERM that StopTask or Fargate maintenance sends into the stop signal', () => {
    const { stopOnSigterm } = load(jest.fn());
    const listeners: Record<string, () => void> = {};
    const signal = stopOnSigterm({ once: (event, listener) => (listeners[event] = listener) });
    expect(signal.aborted).toBe(false);
    listeners['SIGTERM']?.();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ name: 'TransientError', message: expect.stringMatching(/^the task was stopped \(SIGTERM/) });
  });

  test('a copy whose SendTaskSuccess is refused with TaskTimedOut rejects (exit non-zero) and sends no SendTaskFailure', async () => {
    const { main, sfn, mock } = load(jest.fn(async () => outcome));
    mock.on(sfn.SendTaskSuccessCommand).rejects(new sfn.TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await expect(main(env)).rejects.toMatchObject({ name: 'TaskTokenGone' });
    expect(mock.commandCalls(sfn.SendTaskFailureCommand)).toHaveLength(0);
  });
});
