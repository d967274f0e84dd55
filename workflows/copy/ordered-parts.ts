/**
 * Fetch parts in parallel, hand them on strictly in order, with backpressure.
 *
 * At most `concurrency` parts are fetched or held at once: part i + concurrency is started only after part i
 * was taken by the consumer (the generator resumes only when its reader asks for more). So memory is
 * bounded by concurrency × partSize, whatever the object size, and a slow writer slows the readers.
 * On error or early return every fetch still running is aborted.
 */
export async function* orderedParts<T>(
  count: number,
  concurrency: number,
  fetchPart: (index: number, signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (signal?.aborted) controller.abort(signal.reason);

  const inFlight = new Map<number, Promise<T>>();
  let started = 0;
  const fill = (upTo: number): void => {
    while (started < count && started < upTo) {
      const part = fetchPart(started, controller.signal);
      part.catch(() => undefined); // awaited below in order; this only silences rejections of parts never reached
      inFlight.set(started, part);
      started++;
    }
  };
  try {
    for (let next = 0; next < count; next++) {
      controller.signal.throwIfAborted();
      fill(next + concurrency);
      const part = await inFlight.get(next)!;
      inFlight.delete(next);
      yield part;
    }
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    if (inFlight.size > 0) controller.abort(new Error('ordered part reader stopped'));
  }
}
