/**
 * The one way tests wait for something that happens in the background (an S3 event, an execution, a backup): poll a
 * condition until it holds, and THROW, naming what was awaited, when it does not in time. A polling loop that just
 * stops after N tries lets the test go on as if the wait had succeeded and fail later, somewhere confusing — or not
 * at all. The lint config bans such loops in tests (eslint.config.mjs).
 */

export interface WaitForOptions {
  /** How long to wait before giving up. */
  timeoutMs: number;
  /** What is awaited, for the error: "the created event of k/1". */
  what: string;
  /** Pause between polls (Default: 20 ms). */
  intervalMs?: number;
  /** More to say when it times out (the last value seen, a server's stderr, …). */
  detail?: () => string;
}

export class WaitForTimeout extends Error {
  override readonly name = 'WaitForTimeout';
}

/**
 * Resolves with the condition's first value that is neither undefined, null nor false (so a find() can be awaited
 * directly); rejects with WaitForTimeout after `timeoutMs`. A condition that throws rejects at once.
 */
export async function waitFor<T>(condition: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitForOptions): Promise<T> {
  const { timeoutMs, what, intervalMs = 20, detail } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) {
      const more = detail?.();
      throw new WaitForTimeout(`Timed out after ${timeoutMs} ms waiting for ${what}${more ? `: ${more}` : ''}`);
    }
    // eslint-disable-next-line no-restricted-syntax -- the one polling loop, and it throws
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
