import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { BackupEvent } from '../backup/normalize';
import type { ExpressExecution } from '../local/sfn-api/express-log';
import { executionArnFor } from '../local/sfn-api/names';
import type { LoggedExpressExecution } from './express-log-records';
import { objectOfInput } from './sfn-ops';
import type { Target } from './target';

/** A fast path execution with the object its input names and where it handed off to, if it did. */
export interface ExpressWithObject {
  execution: ExpressExecution;
  object?: BackupEvent;
  /** The Standard execution it handed the object to. */
  handedOffTo?: string;
  /** Its history events, when its log has them (a deployed stage's CloudWatch records). */
  history?: HistoryEvent[];
}

export interface ExpressFilter {
  status?: string;
  since?: Date;
  /** Only this object's executions. */
  object?: { bucket: string; key: string };
  /** Only this execution. */
  executionArn?: string;
  /** For a listing: this many matching executions are enough (a deployed stage then stops reading further back). */
  limit?: number;
  /** What else a listing keeps (key prefix, bucket), so `limit` counts only those. */
  keep?(e: ExpressWithObject): boolean;
}

/**
 * The fast path's executions the target knows, newest first, with their objects: from the sandbox's log file or a
 * deployed stage's log group, through the same steps (input → object, output → hand-off).
 */
export async function expressExecutions(target: Target, filter: ExpressFilter = {}): Promise<ExpressWithObject[]> {
  const matches = (e: ExpressWithObject): boolean =>
    (filter.status === undefined || e.execution.status === filter.status) &&
    (filter.since === undefined || Date.parse(e.execution.startDate) >= filter.since.getTime()) &&
    (filter.object === undefined || (e.object?.bucket === filter.object.bucket && e.object.key === filter.object.key)) &&
    (filter.executionArn === undefined || e.execution.executionArn === filter.executionArn) &&
    (filter.keep?.(e) ?? true);
  const { limit } = filter;
  const shown = (e: LoggedExpressExecution): ExpressWithObject => withObject(e, target.stateMachineArn);
  const logged =
    (await target.expressExecutions?.({
      ...(filter.since ? { since: filter.since } : {}),
      ...(filter.object ? { object: filter.object } : {}),
      ...(filter.executionArn !== undefined ? { executionArn: filter.executionArn } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(limit !== undefined ? { enough: (found: LoggedExpressExecution[]) => found.map(shown).filter(matches).length >= limit } : {}),
    })) ?? [];
  return logged.map(shown).filter(matches).reverse();
}

/**
 * A deployed stage named by its state machine ARN alone: whether it has a fast path, and where its log is, is unknown
 * (stack outputs say both: a standard-only stage has no FastPathLogGroupName).
 */
export function fastPathLogUnknown(target: Target): boolean {
  return target.kind === 'aws' && target.expressExecutions === undefined && target.stack === undefined;
}

/**
 * One logged execution → what the commands and the console show: its object (from the input) and its hand-off. A
 * hand-off deduped by name (the Standard execution already existed) reports no ARN: it is the Standard machine's
 * execution of the same name.
 */
export function withObject({ execution, history }: LoggedExpressExecution, standardStateMachineArn: string): ExpressWithObject {
  const object = objectOfInput(execution.input);
  const handedOffTo = handOffOf(execution, executionArnFor(standardStateMachineArn, execution.name));
  return { execution, ...(object ? { object } : {}), ...(handedOffTo ? { handedOffTo } : {}), ...(history ? { history } : {}) };
}

function handOffOf(execution: ExpressExecution, sameName: string): string | undefined {
  try {
    const output = JSON.parse(execution.output ?? 'null') as { outcome?: unknown; executionArn?: unknown } | null;
    if (output?.outcome !== 'handed-off') return undefined;
    return typeof output.executionArn === 'string' ? output.executionArn : sameName;
  } catch {
    return undefined;
  }
}
