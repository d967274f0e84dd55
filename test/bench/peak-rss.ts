import { existsSync, readFileSync } from 'node:fs';

/**
 * The peak RSS of this process's own address space: VmHWM on Linux. Not getrusage's ru_maxrss
 * (process.resourceUsage().maxRSS): Linux carries the parent's RSS at fork into it across exec, so a worker spawned by
 * a 360 MiB test process reports at least 360 MiB, whatever it copies (measured). ru_maxrss elsewhere.
 */
export function peakRssBytes(): number {
  const hwm = existsSync('/proc/self/status') ? /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8')) : null;
  return hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}
