/**
 * Tier limits enforced for real in local runs, so escalation small -> large -> heavy happens for the reasons it does in
 * AWS: a copier that would not fit in its memory dies like a Lambda killed for memory (Runtime.OutOfMemory), and one
 * that runs past its time budget is cut off like a Task past TimeoutSeconds (States.Timeout).
 */
import type { EngineOptions } from '../copy/engine';
import type { TierName } from '../copy/types';

const MIB = 1024 * 1024;

export interface TierLimits {
  /** The memory the tier is configured with (Lambda MemorySize / Fargate task memory), in MB. */
  memoryMb: number;
  /** Wall-clock budget of one attempt, in ms. */
  timeBudgetMs: number;
  /** Engine tuning this tier runs with (Default: the engine's). */
  engine: Partial<EngineOptions>;
  /**
   * Most attempts of this tier at once (Default: no limit). A Lambda tier models its reserved concurrency: one more
   * invocation is refused with Lambda.TooManyRequestsException. The heavy tier models the stage's cap on running heavy
   * tasks, which "Wait for a heavy slot" enforces.
   */
  concurrencyLimit?: number;
}

export type TierLimitsByName = Record<TierName, TierLimits>;

/** Bytes a copier needs before any part buffer: Node runtime, SDK clients, logger (about the RSS of an idle copier process). */
export const RUNTIME_BASELINE_BYTES = 96 * MIB;

/** Defaults that resemble the deployed tiers, scaled to what this machine can hold. */
export const DEFAULT_LOCAL_TIER_LIMITS: TierLimitsByName = {
  small: { memoryMb: 256, timeBudgetMs: 60_000, engine: { partSizeBytes: 8 * MIB, concurrency: 4 } },
  large: { memoryMb: 1024, timeBudgetMs: 120_000, engine: { partSizeBytes: 8 * MIB, concurrency: 8 } },
  heavy: { memoryMb: 4096, timeBudgetMs: 300_000, engine: { partSizeBytes: 8 * MIB, concurrency: 16 } },
};

/** The error a local tier throws, named exactly as Step Functions reports the AWS failure it stands for. */
export class TierLimitError extends Error {
  constructor(
    override readonly name: 'Runtime.OutOfMemory' | 'States.Timeout' | 'Lambda.TooManyRequestsException',
    message: string,
  ) {
    super(message);
  }
}

/** The engine's memory model: bytes of buffers it holds for an object of this size with these options. */
export type MemoryModel = (sizeBytes: number, options: Partial<EngineOptions>) => number;

/**
 * Runs one attempt of a copier within `limits`. Refuses up front when the memory model says the object does not fit
 * (a Lambda would be killed mid-copy); aborts `work` through its signal when the time budget runs out, waits briefly
 * for it to stop (as a killed sandbox would), then throws States.Timeout.
 */
export async function runWithinTierLimits<T>(
  tier: TierName,
  limits: TierLimits,
  sizeBytes: number,
  memoryModel: MemoryModel,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const needed = RUNTIME_BASELINE_BYTES + memoryModel(sizeBytes, limits.engine);
  const available = limits.memoryMb * MIB;
  if (needed > available) {
    throw new TierLimitError(
      'Runtime.OutOfMemory',
      `The ${tier} copier has ${limits.memoryMb} MB; copying ${sizeBytes} bytes needs about ${Math.ceil(needed / MIB)} MB ` +
        `(runtime ${RUNTIME_BASELINE_BYTES / MIB} MB + engine buffers). Runtime exited: out of memory.`,
    );
  }
  const controller = new AbortController();
  const attempt = work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.timeBudgetMs);
  });
  try {
    const first = await Promise.race([attempt, timedOut]);
    if (first !== 'timeout') return first;
  } finally {
    clearTimeout(timer);
  }
  controller.abort(new TierLimitError('States.Timeout', `${tier} time budget of ${limits.timeBudgetMs} ms ran out`));
  await Promise.race([attempt.catch(() => undefined), delay(STOP_GRACE_MS)]);
  throw new TierLimitError(
    'States.Timeout',
    `The ${tier} copier did not finish within its time budget of ${limits.timeBudgetMs} ms; the attempt was stopped.`,
  );
}

/**
 * A function's concurrency limit, as Lambda applies it to synchronous invokes: an invocation beyond the limit is not
 * queued, it fails at once with TooManyRequestsException (429), which Step Functions reports as
 * Lambda.TooManyRequestsException (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 */
export class ConcurrencyLimit {
  private inUse = 0;
  /** The most invocations that were running at once. */
  peak = 0;
  /** Invocations refused. */
  throttled = 0;

  constructor(
    private readonly functionName: string,
    readonly limit: number = Number.POSITIVE_INFINITY,
  ) {}

  get running(): number {
    return this.inUse;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.limit) {
      this.throttled += 1;
      throw new TierLimitError(
        'Lambda.TooManyRequestsException',
        `Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; ` +
          `Reason: ReservedFunctionConcurrentInvocationLimitExceeded) ${this.functionName} is limited to ${this.limit} at once`,
      );
    }
    this.inUse += 1;
    this.peak = Math.max(this.peak, this.inUse);
    try {
      return await work();
    } finally {
      this.inUse -= 1;
    }
  }
}

/** How long a timed-out attempt may take to notice its abort before the next tier starts. */
const STOP_GRACE_MS = 2_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
