import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from './errors';

/**
 * Fault injection modelled on Google's storage-testbench Retry Test API: instructions are queued per operation
 * ('storage.objects.insert', 'storage.objects.get', ...) and each fires on the next matching request.
 */
export interface FaultInstruction {
  operation: string;
  /**
   * 'return-503' | 'return-429' | 'return-reset-connection' | 'return-broken-stream-after-<N>K' | 'stall-for-<S>s[-after-<N>K]' |
   * 'corrupt-data' | 'stall-for-<S>s-after-commit' | 'return-reset-connection-after-commit'
   */
  fault: string;
  /** how many matching requests it fires on (default 1) */
  times?: number;
  /** only requests for this object name */
  objectName?: string;
}

export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'reset' }
  | { kind: 'broken-stream'; afterBytes: number }
  | { kind: 'stall'; ms: number; afterBytes: number }
  | { kind: 'corrupt' }
  /**
   * The upload commits, then its response is held for `ms` (stall) or the connection is reset (reset): the object is
   * current but the client never learns it, as when a copier dies or loses its connection between GCS committing the
   * last chunk and its own verification. Not a storage-testbench fault (its faults all act before the commit).
   */
  | { kind: 'after-commit'; then: 'stall'; ms: number }
  | { kind: 'after-commit'; then: 'reset' };

export interface FiredFault {
  operation: string;
  fault: string;
  objectName?: string;
  retryTestId?: string;
}

/** What the router knows about a request when it asks for a fault. */
export interface FaultContext {
  operation: string;
  objectName?: string;
  retryTestId?: string;
  /** the request carries object bytes (upload data, or a media download) — byte-level faults only fire there */
  carriesData: boolean;
  /** asked by an upload that has just committed its object: only after-commit faults fire here, and only here */
  atCommit?: boolean;
}

interface Pending {
  operation: string;
  fault: string;
  parsed: Fault;
  remaining: number;
  objectName?: string;
}

export interface RetryTest {
  id: string;
  instructions: Record<string, string[]>;
  completed: boolean;
}

const FAULT_PATTERNS: [RegExp, (m: RegExpMatchArray) => Fault][] = [
  [/^return-(\d{3})$/, (m) => ({ kind: 'status', status: Number(m[1]) })],
  [/^return-reset-connection$/, () => ({ kind: 'reset' })],
  [/^return-broken-stream(?:-after-(\d+)K)?$/, (m) => ({ kind: 'broken-stream', afterBytes: Number(m[1] ?? 0) * 1024 })],
  [/^stall-for-(\d+(?:\.\d+)?)s-after-commit$/, (m) => ({ kind: 'after-commit', then: 'stall', ms: Number(m[1]) * 1000 })],
  [/^return-reset-connection-after-commit$/, () => ({ kind: 'after-commit', then: 'reset' })],
  [/^stall-for-(\d+(?:\.\d+)?)s(?:-after-(\d+)K)?$/, (m) => ({ kind: 'stall', ms: Number(m[1]) * 1000, afterBytes: Number(m[2] ?? 0) * 1024 })],
  [/^corrupt-data$/, () => ({ kind: 'corrupt' })],
];

export function parseFault(fault: string): Fault {
  for (const [re, make] of FAULT_PATTERNS) {
    const m = fault.match(re);
    if (m) return make(m);
  }
  throw badRequest(`Unknown fault '${fault}'. Use return-<status>, return-reset-connection[-after-commit], return-broken-stream-after-<N>K, stall-for-<S>s[-after-<N>K], stall-for-<S>s-after-commit or corrupt-data.`);
}

/** Byte-level faults need a body to act on; status and reset faults fire on any matching request. */
export function needsData(f: Fault): boolean {
  return f.kind === 'broken-stream' || f.kind === 'corrupt' || (f.kind === 'stall' && f.afterBytes > 0);
}

export class FaultInjector {
  private queue: Pending[] = [];
  private readonly retryTests = new Map<string, { test: RetryTest; queue: Pending[] }>();
  private readonly log: FiredFault[] = [];

  /** Queues a fault for the next `times` matching requests (all clients). */
  inject(instruction: FaultInstruction): void {
    this.queue.push(toPending(instruction));
  }

  /** Drops queued faults and retry tests, and resets the fired count. */
  clear(): void {
    this.queue = [];
    this.retryTests.clear();
    this.log.length = 0;
  }

  /** How many faults have fired since start or the last clear(). */
  get fired(): number {
    return this.log.length;
  }

  get history(): readonly FiredFault[] {
    return this.log;
  }

  pending(): FaultInstruction[] {
    return this.queue.map(({ operation, fault, remaining, objectName }) => ({ operation, fault, times: remaining, ...(objectName ? { objectName } : {}) }));
  }

  /** testbench `POST /retry_test`: faults that only fire on requests carrying `x-retry-test-id: <id>`. */
  createRetryTest(instructions: Record<string, string[]>): RetryTest {
    const queue: Pending[] = [];
    for (const [operation, faults] of Object.entries(instructions)) {
      if (!Array.isArray(faults)) throw badRequest(`instructions['${operation}'] must be an array of fault names`);
      for (const fault of faults) queue.push(toPending({ operation, fault: String(fault) }));
    }
    const test: RetryTest = { id: randomUUID().replace(/-/g, ''), instructions: structuredClone(instructions), completed: queue.length === 0 };
    this.retryTests.set(test.id, { test, queue });
    return test;
  }

  retryTest(id: string): RetryTest {
    const entry = this.retryTests.get(id);
    if (!entry) throw notFound(`retry test '${id}'`);
    return { ...entry.test, instructions: remainingInstructions(entry.queue), completed: entry.queue.length === 0 };
  }

  deleteRetryTest(id: string): void {
    if (!this.retryTests.delete(id)) throw notFound(`retry test '${id}'`);
  }

  listRetryTests(): RetryTest[] {
    return [...this.retryTests.keys()].map((id) => this.retryTest(id));
  }

  /** Consumes and returns the fault for this request, if one is queued. */
  take(ctx: FaultContext): Fault | undefined {
    const queue = ctx.retryTestId ? this.retryTests.get(ctx.retryTestId)?.queue : this.queue;
    if (!queue) return undefined;
    const i = queue.findIndex(
      (p) =>
        p.operation === ctx.operation &&
        (!p.objectName || p.objectName === ctx.objectName) &&
        (ctx.carriesData || !needsData(p.parsed)) &&
        (p.parsed.kind === 'after-commit') === Boolean(ctx.atCommit),
    );
    if (i < 0) return undefined;
    const p = queue[i]!;
    if (--p.remaining <= 0) queue.splice(i, 1);
    this.log.push({
      operation: p.operation,
      fault: p.fault,
      ...(ctx.objectName !== undefined ? { objectName: ctx.objectName } : {}),
      ...(ctx.retryTestId ? { retryTestId: ctx.retryTestId } : {}),
    });
    return p.parsed;
  }
}

function toPending(i: FaultInstruction): Pending {
  if (typeof i.operation !== 'string' || !i.operation.startsWith('storage.')) {
    throw badRequest(`Fault operation must be a storage.* operation name, got '${String(i.operation)}'`);
  }
  const times = i.times ?? 1;
  if (!Number.isInteger(times) || times < 1) throw badRequest(`Fault times must be a positive integer, got ${String(i.times)}`);
  return { operation: i.operation, fault: i.fault, parsed: parseFault(i.fault), remaining: times, ...(i.objectName ? { objectName: i.objectName } : {}) };
}

function remainingInstructions(queue: Pending[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of queue) for (let n = 0; n < p.remaining; n++) (out[p.operation] ??= []).push(p.fault);
  return out;
}
