import type { BackupEvent } from '../backup/normalize';
import type { ExpressExecution } from '../local/sfn-api/express-log';
import { objectOfInput } from './sfn-ops';
import type { Target } from './target';

/** A fast path execution with the object its input names and where it handed off to, if it did. */
export interface ExpressWithObject {
  execution: ExpressExecution;
  object?: BackupEvent;
  /** The Standard execution it handed the object to. */
  handedOffTo?: string;
}

/** The fast path's executions the target knows, newest first, with their objects. */
export function expressExecutions(target: Target, filter: { status?: string; since?: Date } = {}): ExpressWithObject[] {
  return (target.expressExecutions?.() ?? [])
    .filter((e) => filter.status === undefined || e.status === filter.status)
    .filter((e) => filter.since === undefined || Date.parse(e.startDate) >= filter.since.getTime())
    .reverse()
    .map((execution) => {
      const object = objectOfInput(execution.input);
      const handedOffTo = handOffOf(execution);
      return { execution, ...(object ? { object } : {}), ...(handedOffTo ? { handedOffTo } : {}) };
    });
}

function handOffOf(execution: ExpressExecution): string | undefined {
  try {
    const output = JSON.parse(execution.output ?? 'null') as { outcome?: unknown; executionArn?: unknown } | null;
    return output?.outcome === 'handed-off' && typeof output.executionArn === 'string' ? output.executionArn : undefined;
  } catch {
    return undefined;
  }
}
