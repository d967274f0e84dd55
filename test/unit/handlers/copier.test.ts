/**
 * workflows/handlers/copy-object.ts `copier`: the signals it hands the engine. The Lambda passes its context (remaining
 * time), the local deployment passes the tier limits' stop signal; either must reach the engine as ctx.signal.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import type { CopyContext } from '../../../workflows/copy/engine';
import type { CopyOutcome, CopyRequest } from '../../../workflows/copy/types';
import { copier } from '../../../workflows/handlers/copy-object';
import { LocalMetricsSink } from '../../../workflows/local/metrics-sink';

const outcome: CopyOutcome = { outcome: 'copied', bytes: 3, durationMs: 1, destination: 'gs://backup/k', tier: 'small' };
const event = { action: 'copy', bucket: 'src', key: 'k', size: 3, origin: 's3-notification', eventName: 'ObjectCreated:Put' } as const;

function build() {
  const seen: CopyContext[] = [];
  const engine = {
    copyObject: async (_req: CopyRequest, ctx: CopyContext) => {
      seen.push(ctx);
      return outcome;
    },
    deleteBackup: async () => outcome,
  };
  const copy = copier({
    config: { tier: 'small', target: { bucket: 'backup', prefix: '' }, engine: {} },
    s3: {} as S3Client,
    storage: async () => ({}) as Storage,
    engine,
    metrics: new LocalMetricsSink(),
  });
  return { copy, seen };
}

describe('copier', () => {
  test('without remaining time or a stop signal the engine gets no signal', async () => {
    const { copy, seen } = build();
    await copy(event);
    expect(seen[0]?.signal).toBeUndefined();
  });

  test("the runtime's stop signal reaches the engine, with its reason", async () => {
    const { copy, seen } = build();
    const stop = new AbortController();
    await copy(event, { stopSignal: stop.signal });
    stop.abort(Object.assign(new Error('out of time'), { name: 'States.Timeout' }));
    expect(seen[0]?.signal?.aborted).toBe(true);
    expect(seen[0]?.signal?.reason).toMatchObject({ name: 'States.Timeout' });
  });

  test('with remaining time too, either the deadline or the stop signal aborts the copy', async () => {
    const { copy, seen } = build();
    const stop = new AbortController();
    await copy(event, { getRemainingTimeInMillis: () => 600_000, stopSignal: stop.signal });
    expect(seen[0]?.signal?.aborted).toBe(false);
    stop.abort(Object.assign(new Error('killed'), { name: 'Runtime.OutOfMemory' }));
    expect(seen[0]?.signal?.reason).toMatchObject({ name: 'Runtime.OutOfMemory' });
  });
});
