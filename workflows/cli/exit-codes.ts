/**
 * Exit codes of every `s3gcs` command (documented in docs/operations.md). Scripts and CI can tell "the system works
 * but found problems" (1) from "you called it wrong" (2) from "it could not reach the system" (3).
 */
export const EXIT = {
  /** Done; nothing wrong found. */
  OK: 0,
  /** Done, and it found problems: verify differences, a failed execution (--wait), starts or redrives that failed. */
  PROBLEMS: 1,
  /** Bad arguments or options; nothing was done. */
  USAGE: 2,
  /** The target could not be reached: no sandbox running, connection refused, no credentials. */
  UNREACHABLE: 3,
  /** The service refused the request: no such execution, not redrivable, access denied, throttled. */
  REFUSED: 4,
  /** Stopped by Ctrl-C (backfill keeps its checkpoint). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
