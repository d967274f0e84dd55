import { usageError } from './errors';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since` values: a duration back from now (`90m`, `24h`, `7d`, `2w`) or an ISO-8601 date/time. Returns the instant.
 */
export function parseSince(text: string, now: Date = new Date(), option = '--since'): Date {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (m) return new Date(now.getTime() - Number(m[1]) * UNITS[m[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw usageError(`${option} ${JSON.stringify(text)} is neither a duration nor a date`, 'Use a duration such as 90m, 24h, 7d, 2w, or an ISO date such as 2026-11-20T08:00Z');
}

/** `--timeout`/`--rate`-style positive numbers. */
export function parsePositive(text: string, option: string, { integer = false, max = Infinity } = {}): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)) || n > max) {
    const kind = integer ? 'a positive integer' : 'a positive number';
    throw usageError(`${option} must be ${kind}${max < Infinity ? ` up to ${max}` : ''}, got ${JSON.stringify(text)}`, `e.g. ${option} ${integer ? '10' : '2.5'}`);
  }
  return n;
}

/** `--timeout 15m` → ms. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) throw usageError(`${option} ${JSON.stringify(text)} is not a duration`, `e.g. ${option} 90s, ${option} 15m`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes}m${Math.round((ms % 60_000) / 1000)}s` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}
