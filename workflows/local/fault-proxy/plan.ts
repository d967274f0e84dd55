import { createHash } from 'node:crypto';

/**
 * Which request gets which fault: pure policy, no sockets. Decisions are a function of (seed, request signature,
 * how many times that signature was seen), not of arrival order, so a soak run with the same seed injects the same
 * faults on the same requests even though concurrent requests interleave differently from run to run.
 */

export const S3_FAULT_KINDS = ['slow-down', 'reset', 'broken-stream', 'stall'] as const;
/**
 * - slow-down: 503 with S3's `SlowDown` XML error body (throttling).
 * - reset: the connection is reset before any response byte.
 * - broken-stream: the response starts (status, headers, part of the body), then the connection is reset.
 * - stall: the request waits `stallMs` before it is forwarded (a slow or hung server).
 */
export type S3FaultKind = (typeof S3_FAULT_KINDS)[number];

/** Probability per request of each fault kind; each in [0, 1], their sum at most 1. */
export type FaultRates = Partial<Record<S3FaultKind, number>>;

export interface FaultDecision {
  kind: S3FaultKind;
  /** broken-stream: the share of the body sent before the cut, in [0, 1). */
  fraction: number;
}

export interface FaultPlanOptions {
  seed: number | string;
  rates?: FaultRates;
  /**
   * Bound: one request signature (method, path, query, range) is faulted at most this many times; later identical
   * requests pass. So retries always get through eventually (Default: 2).
   */
  maxFaultsPerRequest?: number;
  /** Signatures remembered for the bound above, oldest forgotten first (Default: 100,000). */
  maxTrackedRequests?: number;
}

export class FaultPlan {
  private rates: Required<FaultRates>;
  private readonly seed: string;
  private readonly maxFaults: number;
  private readonly maxTracked: number;
  private readonly seen = new Map<string, { occurrences: number; faults: number }>();

  constructor(options: FaultPlanOptions) {
    this.seed = String(options.seed);
    this.rates = checkRates(options.rates ?? {});
    this.maxFaults = options.maxFaultsPerRequest ?? 2;
    this.maxTracked = options.maxTrackedRequests ?? 100_000;
    if (!Number.isInteger(this.maxFaults) || this.maxFaults < 0) {
      throw new RangeError(`maxFaultsPerRequest must be a non-negative integer, got ${options.maxFaultsPerRequest}`);
    }
  }

  /** Replaces the rates, e.g. all zero once the "outage" is over. */
  setRates(rates: FaultRates): void {
    this.rates = checkRates(rates);
  }

  /** The fault for this request, if any; counts the signature's occurrence. */
  decide(signature: string): FaultDecision | undefined {
    const entry = this.track(signature);
    const occurrence = entry.occurrences++;
    if (entry.faults >= this.maxFaults) return undefined;
    const [pick, fraction] = uniforms(`${this.seed}\u0000${signature}\u0000${occurrence}`);
    let edge = 0;
    for (const kind of S3_FAULT_KINDS) {
      edge += this.rates[kind];
      if (pick < edge) {
        entry.faults++;
        return { kind, fraction };
      }
    }
    return undefined;
  }

  private track(signature: string): { occurrences: number; faults: number } {
    let entry = this.seen.get(signature);
    if (!entry) {
      if (this.seen.size >= this.maxTracked) this.seen.delete(this.seen.keys().next().value!);
      entry = { occurrences: 0, faults: 0 };
      this.seen.set(signature, entry);
    }
    return entry;
  }
}

export function checkRates(rates: FaultRates): Required<FaultRates> {
  const out = Object.fromEntries(S3_FAULT_KINDS.map((k) => [k, rates[k] ?? 0])) as Required<FaultRates>;
  for (const [kind, rate] of Object.entries(out)) {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new RangeError(`fault rate ${kind} must be within [0, 1], got ${rate}`);
  }
  for (const kind of Object.keys(rates)) {
    if (!(S3_FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(`unknown fault kind ${JSON.stringify(kind)}; use ${S3_FAULT_KINDS.join(', ')}`);
    }
  }
  const sum = Object.values(out).reduce((a, b) => a + b, 0);
  if (sum > 1 + 1e-9) throw new RangeError(`fault rates add up to ${sum}; at most 1 (one fault per request)`);
  return out;
}

/** Two independent uniforms in [0, 1) derived from the text (48 bits each of its SHA-256). */
function uniforms(text: string): [number, number] {
  const digest = createHash('sha256').update(text).digest();
  return [digest.readUIntBE(0, 6) / 2 ** 48, digest.readUIntBE(6, 6) / 2 ** 48];
}
