/**
 * The longest an execution of an ASL definition can take before it ends or hands off, from its own settings: each
 * Task's TimeoutSeconds times (1 + every retrier's MaxAttempts), plus every retry's longest backoff (IntervalSeconds ×
 * BackoffRate^n, capped by MaxDelaySeconds; JitterStrategy FULL only shortens it), along the longest path of
 * Next/Choices/Default/Catch edges. An Express execution is stopped at five minutes, so the fast path must finish or
 * hand off well within that on its worst path: this is the number the tests and synth check.
 */
import { ConfigurationError } from './errors';

/** "Express workflows can run for up to five minutes" (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html). */
export const EXPRESS_LIMIT_SECONDS = 300;

interface Retrier {
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}
interface State {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  Retry?: Retrier[];
  TimeoutSeconds?: number;
  Seconds?: number;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

/** Worst-case seconds of one state: every attempt timing out, every retry waiting its longest. */
export function stateWorstCaseSeconds(name: string, state: State): number {
  if (state.Type === 'Wait') {
    if (state.Seconds === undefined) throw new ConfigurationError(`Wait ${JSON.stringify(name)} has no fixed Seconds: its time cannot be bounded`);
    return state.Seconds;
  }
  if (state.Type !== 'Task') return 0;
  if (state.TimeoutSeconds === undefined) throw new ConfigurationError(`Task ${JSON.stringify(name)} has no TimeoutSeconds: its time cannot be bounded`);
  let attempts = 1;
  let waits = 0;
  for (const r of state.Retry ?? []) {
    const max = r.MaxAttempts ?? 3;
    attempts += max;
    for (let i = 0; i < max; i++) waits += Math.min((r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** i, r.MaxDelaySeconds ?? Infinity);
  }
  return attempts * state.TimeoutSeconds + waits;
}

/** Worst-case seconds from StartAt to an end, and the path that takes it. Throws on a loop (no bound). */
export function worstCaseSeconds(definition: unknown): { seconds: number; path: string[] } {
  const def = definition as Definition;
  const memo = new Map<string, { seconds: number; path: string[] }>();
  const visiting = new Set<string>();
  const walk = (name: string): { seconds: number; path: string[] } => {
    const known = memo.get(name);
    if (known) return known;
    const state = def.States[name];
    if (!state) throw new ConfigurationError(`No state named ${JSON.stringify(name)}`);
    if (visiting.has(name)) throw new ConfigurationError(`State ${JSON.stringify(name)} is on a loop: its time cannot be bounded`);
    visiting.add(name);
    const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter((n): n is string => n !== undefined);
    const longest = next.map(walk).reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, path: [] as string[] });
    visiting.delete(name);
    const result = { seconds: stateWorstCaseSeconds(name, state) + longest.seconds, path: [name, ...longest.path] };
    memo.set(name, result);
    return result;
  };
  return walk(def.StartAt);
}
