import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags of a copier process (the small and large Lambdas, the heavy task), applied once at start-up by their entry
 * points (handlers/copy-object.ts, handlers/heavy-task.ts) and by the bench's measured copies alike.
 *
 * Why `--no-incremental-marking`: a copy moves its bytes through buffers outside the JS heap (socket reads, part
 * buffers), while the heap itself stays at ~20 MB. Measured with `--trace-gc` (docs/benchmarks.md, Findings), in about
 * half of the 1 GiB copies V8 set the old generation's limit so close to the heap's size after one collection that it
 * started incremental marking again at once, on a task, after every collection: ~60 mark-compacts per GiB instead of
 * 2, which doubled the copy's CPU (3.5–4.2 s instead of 1.9–2.1 s) and cost 10–40 % of its throughput. Bigger or
 * smaller semi-spaces (2–64 MiB) did not avoid it; with incremental marking off it never happened (MC 2 per GiB in
 * every run), and a full collection of this small heap is a pause of a few milliseconds.
 *
 * Not NODE_OPTIONS: Node refuses this V8 flag there, and the Lambda runtime passes its own heap flags on the command
 * line, which win over NODE_OPTIONS. V8 reads the flag each time it considers starting a marking, so setting it at
 * start-up, before any copy, takes effect (measured: the same MC count as the command-line flag).
 */
export const COPIER_V8_FLAGS = ['--no-incremental-marking'] as const;

export function applyCopierV8Flags(): void {
  for (const flag of COPIER_V8_FLAGS) setFlagsFromString(flag);
}
