import { SingleBar } from 'cli-progress';
import type { Output } from './io';

export interface Progress {
  /** Grows the total as listing pages arrive. */
  setTotal(total: number): void;
  increment(by?: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on stderr for a person at a terminal; silent with --json or when stderr is not a TTY (CI logs,
 * pipes), where a final summary is printed instead.
 */
export function progressBar(out: Output, label: string, fields: Record<string, string | number> = {}, extraFormat = ''): Progress {
  const stream = out.io.stderr as NodeJS.WriteStream;
  if (out.json || !stream.isTTY) return { setTotal: () => undefined, increment: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left${extraFormat}`,
    stream,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  bar.start(0, 0, fields);
  return {
    setTotal: (total) => bar.setTotal(total),
    increment: (by = 1, f) => bar.increment(by, f),
    stop: () => bar.stop(),
  };
}
