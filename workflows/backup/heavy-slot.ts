/**
 * "Wait for a heavy slot": the stage's cap on heavy tasks running at once. Step Functions cannot count an ECS task
 * family's tasks in ASL, so a small Lambda counts them before each RunTask and throws HeavySlotUnavailable at the cap;
 * the state retries that with a long, jittered backoff.
 *
 * Two executions that count at the same moment would both see a free slot, and a task RunTask has just started is not
 * listed yet. So the function runs one check at a time (reserved concurrency 1; a concurrent check is throttled and
 * retried) and adds the slots it granted within the last `admissionGraceMs` to the count. A granted task that is
 * already listed is then counted twice for that window: the cap errs on the side of waiting. It is still soft if the
 * function's instance is replaced within the window (its memory of recent grants is lost).
 */
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ConfigurationError, HeavySlotUnavailable, TransientError } from './errors';

export interface HeavySlotSettings {
  /** Most heavy tasks running at once (the stage's tiers.heavy.maxRunning). */
  maxRunning: number;
}

/** Slots granted recently, whose tasks ListTasks may not show yet. One per function instance. */
export class RecentGrants {
  private grants: number[] = [];
  constructor(
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {}
  count(): number {
    const since = this.now() - this.graceMs;
    this.grants = this.grants.filter((t) => t > since);
    return this.grants.length;
  }
  record(): void {
    this.grants.push(this.now());
  }
}

/** How long a granted task may take to appear in ListTasks (RunTask latency, with a wide margin). */
export const ADMISSION_GRACE_MS = 30_000;

/** Counts running heavy tasks, stopping once it has seen `atLeast` (more need not be listed). */
export type RunningTaskCounter = (atLeast: number) => Promise<number>;

export interface HeavySlot {
  running: number;
  maxRunning: number;
}

/** Resolves when a heavy task may start now; throws HeavySlotUnavailable when `maxRunning` already run. */
export async function claimHeavySlot(count: RunningTaskCounter, settings: HeavySlotSettings, recent: RecentGrants): Promise<HeavySlot> {
  const granted = recent.count();
  const running = (await count(settings.maxRunning)) + granted;
  if (running >= settings.maxRunning) {
    throw new HeavySlotUnavailable(
      `${running} heavy tasks are running or starting (${granted} granted in the last moments) and the stage allows ${settings.maxRunning}: waiting for one to finish`,
    );
  }
  recent.record();
  return { running, maxRunning: settings.maxRunning };
}

export function parseHeavySlotSettings(env: NodeJS.ProcessEnv): HeavySlotSettings & { cluster: string; family: string } {
  const cluster = env['HEAVY_CLUSTER_ARN'];
  const family = env['HEAVY_TASK_FAMILY'];
  const maxRunning = Number(env['MAX_HEAVY_TASKS']);
  if (!cluster || !family) throw new ConfigurationError('HEAVY_CLUSTER_ARN and HEAVY_TASK_FAMILY must be set');
  if (!Number.isInteger(maxRunning) || maxRunning < 1) throw new ConfigurationError(`MAX_HEAVY_TASKS must be a positive integer, got ${env['MAX_HEAVY_TASKS']}`);
  return { cluster, family, maxRunning };
}

/**
 * Counts the family's tasks whose desired status is RUNNING with ecs:ListTasks: that includes tasks still PROVISIONING
 * or PENDING (their desired status is already RUNNING), which is what a slot must count
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html). ECS throttling or a 5xx becomes
 * TransientError (retried by the state); access denied is a deployment error.
 */
export function ecsRunningTaskCounter(ecs: ECSClient, cluster: string, family: string): RunningTaskCounter {
  return async (atLeast) => {
    let count = 0;
    let nextToken: string | undefined;
    try {
      do {
        const page = await ecs.send(new ListTasksCommand({ cluster, family, desiredStatus: 'RUNNING', maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
        count += page.taskArns?.length ?? 0;
        nextToken = page.nextToken;
      } while (nextToken && count < atLeast);
    } catch (err) {
      throw classifyEcsError(err);
    }
    return count;
  };
}

function classifyEcsError(err: unknown): Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const message = `ecs:ListTasks failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
  if (e.name === 'AccessDeniedException' || status === 403) return new ConfigurationError(message, { cause: err });
  if (e.name === 'ThrottlingException' || status === 429 || (status !== undefined && status >= 500)) return new TransientError(message, { cause: err });
  return err instanceof Error ? err : new Error(message);
}
