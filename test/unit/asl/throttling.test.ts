/**
 * Throttling waits; it never escalates (issue 11 §2). The local deployment refuses a copier invocation beyond the
 * tier's concurrency limit with Lambda.TooManyRequestsException, as Lambda does at a function's reserved concurrency.
 * A burst far above the limit must still copy every object on the tier its size selects.
 */
import { chooseTier } from '../../../workflows/backup/routing';
import type { LocalExecutionResult } from '../../../workflows/local/runner';
import { preparedFor, runBackupExecution } from '../../../workflows/local/runner';
import { copied, StandInEngine, standInEnvironment } from './stand-in-engine';

const MIB = 1024 * 1024;
const routing = { smallMaxBytes: 4 * MIB, largeMaxBytes: 16 * MIB };

function event(key: string, size: number): Record<string, unknown> {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'source-bucket' }, object: { key, size, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A' } },
      },
    ],
  };
}

/** A copy that holds its Lambda for a few ms, so invocations overlap as they do in a burst. */
function slowCopies(ms: number): StandInEngine {
  return new StandInEngine(async (req, ctx) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return copied(req, ctx);
  });
}

function escalations(results: LocalExecutionResult[]): string[] {
  return results.flatMap((r) => r.timeline.steps.filter((s) => s.state.startsWith('Escalate')).map((s) => `${r.executionName}: ${s.state}`));
}

describe('a burst beyond the copiers concurrency', () => {
  test('200 small objects with a limit of 5: every object copied by the small Lambda, none escalated, none alerted', async () => {
    const engine = slowCopies(5);
    const env = standInEnvironment(engine, {
      routing,
      tiers: { small: { concurrencyLimit: 5 }, large: { concurrencyLimit: 5 } },
      // Full jitter, as in AWS (executions throttled together must not retry together): 15 retries of 0-1 s, a budget
      // (about 7 s) that holds even when a loaded machine slows every invocation tenfold; AWS waits minutes.
      retryIntervalMs: 1_000,
      retryJitter: true,
    });
    const keys = Array.from({ length: 200 }, (_, i) => `burst/object-${i}.bin`);
    const results = await Promise.all(keys.map((key, i) => runBackupExecution(event(key, 1024 + i), env, { executionName: `burst-${i}` })));

    const limits = preparedFor(env).concurrency;
    expect(limits.small.throttled).toBeGreaterThan(0); // the burst really was throttled
    expect(limits.small.peak).toBeLessThanOrEqual(5);
    expect(escalations(results)).toEqual([]);
    expect(results.filter((r) => r.status !== 'SUCCEEDED').map((r) => `${r.executionName}: ${r.error}`)).toEqual([]);
    expect(results.flatMap((r) => r.alerts)).toEqual([]);
    // Each object copied once, by the tier its size selects.
    expect(engine.calls.map((c) => c.req.key).sort()).toEqual([...keys].sort());
    for (const call of engine.calls) expect(call.tier).toBe(chooseTier(call.req.size ?? 0, routing));
    // The throttled attempts show as retries of the copier state, not as failures.
    const retried = results.flatMap((r) => r.timeline.steps.filter((s) => s.state === 'Copy the object with the small Lambda' && s.retries.some((a) => a.error === 'Lambda.TooManyRequestsException')));
    expect(retried.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('the cap on heavy tasks', () => {
  test('6 heavy objects with a cap of 2: never more than 2 run at once, the others wait for a slot, all copied by the heavy task', async () => {
    const engine = slowCopies(20);
    const env = standInEnvironment(engine, { routing, tiers: { heavy: { concurrencyLimit: 2 } }, retryIntervalMs: 50 });
    const keys = Array.from({ length: 6 }, (_, i) => `heavy/object-${i}.bin`);
    const results = await Promise.all(keys.map((key) => runBackupExecution(event(key, routing.largeMaxBytes + 1), env)));

    expect(results.map((r) => r.status)).toEqual(keys.map(() => 'SUCCEEDED'));
    expect(engine.tiers()).toEqual(keys.map(() => 'heavy'));
    expect(preparedFor(env).heavyTasks.peak).toBeLessThanOrEqual(2);
    const waited = results.flatMap((r) => r.timeline.steps.filter((s) => s.state === 'Wait for a heavy slot').flatMap((s) => s.retries));
    expect(waited.length).toBeGreaterThan(0);
    // At the cap (HeavySlotUnavailable), or while another execution checks (the check runs one at a time).
    expect(waited.map((w) => w.error)).toContain('HeavySlotUnavailable');
    for (const w of waited) expect(['HeavySlotUnavailable', 'Lambda.TooManyRequestsException']).toContain(w.error);
  }, 60_000);
});
