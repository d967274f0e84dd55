import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { replayInput } from '../backup/alert';
import { replayExecutionName } from '../backup/execution-name';
import { normalizeExecutionInput, type BackupEvent } from '../backup/normalize';
import { fromServiceError, refused, usageError } from './errors';
import type { Target } from './target';

/** Transport: the Step Functions calls the commands make, the same against the sandbox and a deployed stage. */

export interface StartedExecution {
  executionArn: string;
  name: string;
  startDate: string;
  input: { bucket: string; key: string; versionId?: string };
}

/** StartExecution with the minimal manual input and a fresh replay name. */
export async function startReplay(target: Target, object: { bucket: string; key: string; versionId?: string }): Promise<StartedExecution> {
  const input = replayInput(object);
  const name = replayExecutionName(object);
  try {
    const out = await target.sfn.send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify(input) }));
    return { executionArn: out.executionArn!, name, startDate: (out.startDate ?? new Date()).toISOString(), input };
  } catch (err) {
    throw fromServiceError(err, `StartExecution on ${target.stateMachineArn}`);
  }
}

/** An execution given by ARN, or by name within the target's state machine. */
export function executionArnOf(target: Target, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) {
    if (!/^arn:aws[a-z-]*:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/.test(nameOrArn)) {
      throw usageError(`not an execution ARN: ${JSON.stringify(nameOrArn)}`, 'It looks like arn:aws:states:REGION:ACCOUNT:execution:backup-object:NAME, or give just the NAME.');
    }
    return nameOrArn;
  }
  if (nameOrArn === '' || /[\s/:]/.test(nameOrArn)) {
    throw usageError(`not an execution name or ARN: ${JSON.stringify(nameOrArn)}`, 'Copy the name or ARN from `s3gcs executions` (or the console).');
  }
  return `${target.stateMachineArn.replace(':stateMachine:', ':execution:')}:${nameOrArn}`;
}

export async function describeExecution(target: Target, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') {
      throw refused(`no such execution: ${executionArn}`, 'List recent executions with `s3gcs executions`; names are case-sensitive.');
    }
    throw fromServiceError(err, `DescribeExecution ${executionArn}`);
  }
}

export interface ListFilter {
  status?: ExecutionStatus;
  /** Stop at executions started before this (lists are newest first). */
  since?: Date;
}

/** Executions of the target's state machine, newest first, page by page. */
export async function* listExecutions(target: Target, filter: ListFilter = {}): AsyncGenerator<ExecutionListItem> {
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await target.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: target.stateMachineArn, maxResults: 100, nextToken, ...(filter.status ? { statusFilter: filter.status } : {}) }),
      );
    } catch (err) {
      throw fromServiceError(err, `ListExecutions on ${target.stateMachineArn}`);
    }
    for (const item of page.executions ?? []) {
      if (filter.since && item.startDate && item.startDate < filter.since) return;
      yield item;
    }
    nextToken = page.nextToken;
  } while (nextToken);
}

/** The whole history, oldest event first. */
export async function executionHistory(target: Target, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await target.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } catch (err) {
      throw fromServiceError(err, `GetExecutionHistory ${executionArn}`);
    }
  } while (nextToken);
  return events;
}

export async function redriveExecution(target: Target, executionArn: string): Promise<Date> {
  try {
    const out = await target.sfn.send(new RedriveExecutionCommand({ executionArn }));
    return out.redriveDate ?? new Date();
  } catch (err) {
    throw fromServiceError(err, `RedriveExecution ${executionArn}`);
  }
}

const POLL_START_MS = 250;
const POLL_MAX_MS = 5_000;

/** Polls DescribeExecution until the execution closes; throws a CliError (exit 1) after `timeoutMs`. */
export async function waitForExecution(target: Target, executionArn: string, timeoutMs: number): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  let delay = POLL_START_MS;
  for (;;) {
    const described = await describeExecution(target, executionArn);
    if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') return described;
    if (Date.now() + delay > deadline) return described;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(POLL_MAX_MS, delay * 2);
  }
}

/** The object an execution's input names, or undefined when the input is not one of the three shapes. */
export function objectOfInput(input: string | undefined): BackupEvent | undefined {
  if (input === undefined) return undefined;
  try {
    return normalizeExecutionInput(JSON.parse(input));
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items` with at most `limit` calls at once, keeping order in the result. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
