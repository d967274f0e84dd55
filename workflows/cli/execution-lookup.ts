import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import type { BackupEvent } from '../backup/normalize';
import { describeExecution, listExecutions, mapLimit, objectOfInput, type ListFilter } from './sfn-ops';
import type { Target } from './target';

/** A listed execution with the object its input names (one DescribeExecution each: ListExecutions has no input). */
export interface ExecutionWithObject {
  item: ExecutionListItem;
  object?: BackupEvent;
  error?: string;
  cause?: string;
}

const DESCRIBE_CONCURRENCY = 8;
const PAGE = 50;

/**
 * Lists executions newest first and describes them in small parallel batches, keeping those `keep` accepts, until
 * `limit` are kept or the list (or the --since window) ends.
 */
export async function findExecutions(
  target: Target,
  filter: ListFilter,
  keep: (e: ExecutionWithObject) => boolean,
  limit: number,
): Promise<ExecutionWithObject[]> {
  const kept: ExecutionWithObject[] = [];
  let batch: ExecutionListItem[] = [];
  const flush = async (): Promise<void> => {
    const described = await mapLimit(batch, DESCRIBE_CONCURRENCY, async (item) => {
      const d = await describeExecution(target, item.executionArn!);
      const object = objectOfInput(d.input);
      return { item, ...(object ? { object } : {}), ...(d.error !== undefined ? { error: d.error, cause: d.cause ?? '' } : {}) };
    });
    for (const e of described) if (kept.length < limit && keep(e)) kept.push(e);
    batch = [];
  };
  for await (const item of listExecutions(target, filter)) {
    batch.push(item);
    if (batch.length >= PAGE) await flush();
    if (kept.length >= limit) break;
  }
  if (kept.length < limit) await flush();
  return kept;
}
