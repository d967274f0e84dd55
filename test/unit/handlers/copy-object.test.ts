import type { Context } from 'aws-lambda';
import type { CopyContext } from '../../../workflows/copy/engine';
import type { CopyOutcome, CopyRequest } from '../../../workflows/copy/types';
import { captureStdout, POWERTOOLS_TEST_ENV, restoreEnvAfterAll } from '../../support/powertools';

type Handler = (payload: unknown, context?: Context) => Promise<CopyOutcome>;
type Engine = { copyObject: jest.Mock; deleteBackup: jest.Mock };
type ErrorsModule = typeof import('../../../workflows/backup/errors');

const savedEnv = restoreEnvAfterAll();
const outcome: CopyOutcome = { outcome: 'copied', bytes: 3, durationMs: 1, destination: 'gs://backup/p/k', tier: 'large' };
const context = { getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

/** Loads the handler afresh with `env`, the engine replaced by mocks (the engine has its own tests). */
function load(env: Record<string, string>): { handler: Handler; engine: Engine; errors: ErrorsModule } {
  process.env = { ...savedEnv, ...POWERTOOLS_TEST_ENV, ...env };
  let loaded: { handler: Handler; engine: Engine; errors: ErrorsModule } | undefined;
  jest.isolateModules(() => {
    jest.doMock('../../../workflows/copy/engine', () => ({ copyObject: jest.fn(async () => outcome), deleteBackup: jest.fn(async () => ({ ...outcome, outcome: 'deleted' })) }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per test needs require
    const engine = require('../../../workflows/copy/engine') as Engine;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const errors = require('../../../workflows/backup/errors') as ErrorsModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    loaded = { handler: (require('../../../handlers/copy-object') as { handler: Handler }).handler, engine, errors };
  });
  return loaded!;
}

const stdout = captureStdout();

const env = { TIER: 'large', DEST_BUCKET: 'backup', DEST_PREFIX: 'p/', PART_SIZE_BYTES: '16777216', CONCURRENCY: '8' };
const event = { action: 'copy', bucket: 'src', key: 'k', size: 3, etag: 'e', origin: 's3-notification', eventName: 'ObjectCreated:Put' };

describe('copy-object handler', () => {
  test("copies the event with the tier, target and tuning from its environment and returns the engine's outcome", async () => {
    const { handler, engine } = load(env);
    await expect(handler(event, context)).resolves.toEqual(outcome);
    const [req, ctx] = engine.copyObject.mock.calls[0] as [CopyRequest, CopyContext];
    expect(req).toEqual({ bucket: 'src', key: 'k', size: 3, etag: 'e' });
    expect(ctx).toMatchObject({ tier: 'large', target: { bucket: 'backup', prefix: 'p/' }, options: { partSizeBytes: 16777216, concurrency: 8 } });
    expect(ctx.signal?.aborted).toBe(false);
  });

  test('publishes BytesCopied and CopyDuration for a copy, under its tier', async () => {
    const { handler } = load(env);
    await handler(event, context);
    expect(stdout.emfLines()).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'S3GcsBackup',
              Dimensions: [['service', 'tier']],
              Metrics: [
                { Name: 'BytesCopied', Unit: 'Bytes' },
                { Name: 'CopyDuration', Unit: 'Milliseconds' },
              ],
            },
          ],
        }),
        service: 's3-gcs-backup',
        tier: 'large',
        BytesCopied: outcome.bytes,
        CopyDuration: outcome.durationMs,
      }),
    ]);
  });

  test('a failed copy publishes no metric', async () => {
    const { handler, engine } = load(env);
    engine.copyObject.mockRejectedValueOnce(Object.assign(new Error('slow'), { name: 'TierCapacityExceeded' }));
    await expect(handler(event, context)).rejects.toMatchObject({ name: 'TierCapacityExceeded' });
    expect(stdout.text()).not.toContain('BytesCopied');
  });

  test.each([
    ['SourceNotFound', 'SourceGone'],
    ['SourceChanged', 'Superseded'],
  ] as const)('counts a copy that fails with %s (a benign ending in the ASL) as %s, by bucket and origin, and rethrows it', async (errorName, metric) => {
    const { handler, engine, errors } = load(env);
    engine.copyObject.mockRejectedValueOnce(new errors[errorName]('s3://src/k: gone or changed'));
    await expect(handler(event, context)).rejects.toMatchObject({ name: errorName });
    expect(stdout.emfLines()).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [{ Namespace: 'S3GcsBackup', Dimensions: [['service', 'bucket', 'origin']], Metrics: [{ Name: metric, Unit: 'Count' }] }],
        }),
        service: 's3-gcs-backup',
        bucket: 'src',
        origin: 's3-notification',
        [metric]: 1,
      }),
    ]);
  });

  test("counts an Escalation, under its own tier, when the object's size selects a smaller tier — before copying", async () => {
    const { handler, engine, errors } = load({ ...env, SMALL_MAX_BYTES: '10', LARGE_MAX_BYTES: '100' });
    engine.copyObject.mockRejectedValueOnce(new errors.TierCapacityExceeded('out of time here too'));
    await expect(handler(event, context)).rejects.toMatchObject({ name: 'TierCapacityExceeded' });
    expect(stdout.emfLines()).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({ CloudWatchMetrics: [{ Namespace: 'S3GcsBackup', Dimensions: [['service', 'tier']], Metrics: [{ Name: 'Escalations', Unit: 'Count' }] }] }),
        tier: 'large',
        Escalations: 1,
      }),
    ]);
  });

  test("counts no Escalation for an object its size routes to this tier, nor for a delete", async () => {
    const { handler } = load({ ...env, SMALL_MAX_BYTES: '1', LARGE_MAX_BYTES: '100' });
    await handler(event, context);
    await handler({ ...event, action: 'delete', size: 0 }, context);
    expect(stdout.text()).not.toContain('Escalations');
  });

  test('runs the delete action (mirror policy) through deleteBackup', async () => {
    const { handler, engine } = load(env);
    await expect(handler({ ...event, action: 'delete' }, context)).resolves.toMatchObject({ outcome: 'deleted' });
    expect(engine.deleteBackup).toHaveBeenCalledTimes(1);
    expect(engine.copyObject).not.toHaveBeenCalled();
    expect(stdout.emfLines()).toEqual([]);
  });

  test('a named engine error reaches Step Functions with its name (errorType)', async () => {
    const { handler, engine } = load(env);
    engine.copyObject.mockRejectedValueOnce(Object.assign(new Error('archived'), { name: 'SourceNotReadable' }));
    await expect(handler(event, context)).rejects.toMatchObject({ name: 'SourceNotReadable' });
  });

  test('a payload that is not an event is InvalidInput', async () => {
    const { handler } = load(env);
    await expect(handler({ hello: 'world' }, context)).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  test('a missing setting fails at cold start, naming the variable', () => {
    expect(() => load({ TIER: 'small' })).toThrow(/DEST_BUCKET is not set/);
  });
  test('expect the copier V8 flags (copier-gc.ts) applied once at cold start, before any copy', () => {
    const setFlags = jest.fn();
    jest.doMock('node:v8', () => ({ ...jest.requireActual<object>('node:v8'), setFlagsFromString: setFlags }));
    try {
      load(env);
    } finally {
      jest.dontMock('node:v8');
    }
    expect(setFlags.mock.calls).toEqual([['--no-incremental-marking']]);
  });
});
