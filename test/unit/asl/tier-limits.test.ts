import { RUNTIME_BASELINE_BYTES, runWithinTierLimits, TierLimitError, type TierLimits } from '../../../workflows/local/tier-limits';

const MIB = 1024 * 1024;
const limits = (o: Partial<TierLimits> = {}): TierLimits => ({ memoryMb: 256, timeBudgetMs: 1_000, engine: {}, ...o });
const wholeObject = (size: number): number => size;

describe('runWithinTierLimits', () => {
  test('refuses before working when runtime + engine buffers exceed the tier memory (Runtime.OutOfMemory)', async () => {
    const work = jest.fn(async () => 'copied');
    const size = 256 * MIB - RUNTIME_BASELINE_BYTES + 1;
    const attempt = runWithinTierLimits('small', limits(), size, wholeObject, work);
    await expect(attempt).rejects.toMatchObject({ name: 'Runtime.OutOfMemory' });
    await expect(attempt).rejects.toThrow(/small copier has 256 MB; copying \d+ bytes needs about 257 MB/);
    expect(work).not.toHaveBeenCalled();
  });

  test('runs the work when it fits exactly, passing the engine options to the memory model', async () => {
    const model = jest.fn((size: number) => size);
    const size = 256 * MIB - RUNTIME_BASELINE_BYTES;
    await expect(runWithinTierLimits('small', limits({ engine: { concurrency: 3 } }), size, model, async () => 'copied')).resolves.toBe('copied');
    expect(model).toHaveBeenCalledWith(size, { concurrency: 3 });
  });

  test('aborts work that outlives the time budget and throws States.Timeout', async () => {
    let aborted: unknown;
    const started = Date.now();
    const attempt = runWithinTierLimits('large', limits({ timeBudgetMs: 30 }), 0, wholeObject, (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject((aborted = signal.reason)))),
    );
    await expect(attempt).rejects.toBeInstanceOf(TierLimitError);
    await expect(attempt).rejects.toMatchObject({ name: 'States.Timeout' });
    expect(aborted).toMatchObject({ name: 'States.Timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  test("passes the work's own error through unchanged", async () => {
    const err = Object.assign(new Error('gone'), { name: 'SourceNotFound' });
    await expect(runWithinTierLimits('small', limits(), 1, wholeObject, async () => Promise.reject(err))).rejects.toBe(err);
  });
});
