import { waitFor, WaitForTimeout } from '../../support/wait-for';

describe('waitFor', () => {
  test('resolves with the first value the condition returns that is not undefined, null or false', async () => {
    let polls = 0;
    const values = [undefined, null, false, 'found'];
    await expect(waitFor(() => values[polls++], { timeoutMs: 5_000, what: 'the value', intervalMs: 1 })).resolves.toBe('found');
    expect(polls).toBe(4);
  });

  test('awaits an async condition', async () => {
    let polls = 0;
    await expect(waitFor(async () => ++polls >= 2 && polls, { timeoutMs: 5_000, what: 'two polls', intervalMs: 1 })).resolves.toBe(2);
  });

  test('throws WaitForTimeout naming what it waited for, with the detail, instead of falling through', async () => {
    const waiting = waitFor(() => false, { timeoutMs: 30, what: 'the created event of k/1', intervalMs: 5, detail: () => 'saw 0 events' });
    await expect(waiting).rejects.toBeInstanceOf(WaitForTimeout);
    await expect(waiting).rejects.toThrow('Timed out after 30 ms waiting for the created event of k/1: saw 0 events');
  });

  test('a condition that throws rejects at once with its error', async () => {
    const boom = new Error('boom');
    await expect(
      waitFor(
        () => {
          throw boom;
        },
        { timeoutMs: 5_000, what: 'nothing' },
      ),
    ).rejects.toBe(boom);
  });
});
