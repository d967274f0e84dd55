import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { orderedParts } from '../../../workflows/copy/ordered-parts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetcher that records how many parts are running or held, with per-part delays. */
function tracker(delays: number[]) {
  const state = { running: 0, maxRunning: 0, started: [] as number[], aborted: [] as number[] };
  const fetchPart = async (i: number, signal: AbortSignal) => {
    state.started.push(i);
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, delays[i] ?? 0);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          state.aborted.push(i);
          reject(signal.reason);
        });
      });
      return Buffer.from([i]);
    } finally {
      state.running--;
    }
  };
  return { state, fetchPart };
}

describe('orderedParts', () => {
  it('yields parts in order even when later ones finish first', async () => {
    const { fetchPart } = tracker([30, 5, 1, 20, 0, 10]);
    const out: number[] = [];
    for await (const part of orderedParts(6, 3, fetchPart)) out.push(part[0]!);
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('never runs more than `concurrency` fetches at once', async () => {
    const { state, fetchPart } = tracker(Array.from({ length: 20 }, (_, i) => (i * 7) % 5));
    for await (const _ of orderedParts(20, 4, fetchPart));
    expect(state.maxRunning).toBeLessThanOrEqual(4);
    expect(state.maxRunning).toBeGreaterThan(1);
  });

  it('applies backpressure: a slow consumer holds back new fetches', async () => {
    const { state, fetchPart } = tracker([]);
    const consumedAtStart: number[] = [];
    let consumed = 0;
    const gen = orderedParts(12, 3, (i, s) => {
      consumedAtStart[i] = consumed;
      return fetchPart(i, s);
    });
    const slowSink = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, cb) {
        consumed++;
        setTimeout(cb, 5);
      },
    });
    await pipeline(Readable.from(gen, { objectMode: false, highWaterMark: 1 }), slowSink);
    expect(consumed).toBe(12);
    // Part i + concurrency starts only after part i reached the writer.
    // Without backpressure all 12 would start at once (i - consumed up to 11).
    consumedAtStart.forEach((c, i) => expect(i - c).toBeLessThanOrEqual(3));
    expect(state.started).toHaveLength(12);
  });

  it('fails with the first failing part in order and aborts the fetches still running', async () => {
    const { state, fetchPart } = tracker([0, 50, 50, 50]);
    const failing = (i: number, s: AbortSignal) => (i === 0 ? Promise.reject(new Error('part 0 failed')) : fetchPart(i, s));
    const consume = async () => {
      for await (const _ of orderedParts(4, 4, failing));
    };
    await expect(consume()).rejects.toThrow('part 0 failed');
    await tick(1);
    expect(state.aborted.sort()).toEqual([1, 2, 3]);
  });

  it('aborts running fetches when the consumer stops early', async () => {
    const { state, fetchPart } = tracker([0, 0, 100, 100]);
    for await (const part of orderedParts(10, 3, fetchPart)) {
      if (part[0] === 0) break;
    }
    await tick(1);
    expect(state.aborted.length).toBeGreaterThan(0);
    expect(state.running).toBe(0);
  });

  it('stops when the outer signal aborts', async () => {
    const { fetchPart } = tracker([5, 5, 5, 5, 5]);
    const controller = new AbortController();
    const consume = async () => {
      for await (const part of orderedParts(5, 2, fetchPart, controller.signal)) {
        if (part[0] === 1) controller.abort(new Error('time budget exceeded'));
      }
    };
    await expect(consume()).rejects.toThrow('time budget exceeded');
  });

  it('yields nothing for zero parts', async () => {
    const { state, fetchPart } = tracker([]);
    for await (const _ of orderedParts(0, 4, fetchPart));
    expect(state.started).toEqual([]);
  });
});
