import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { usageError } from '../errors';
import { findExecutions, type ExecutionWithObject } from '../execution-lookup';
import { expressExecutions, fastPathLogUnknown, type ExpressWithObject } from '../express-executions';
import { FAST_PATH_LOG_HELP, NO_FAST_PATH_LOG } from '../express-log-group';
import { EXIT } from '../exit-codes';
import { table } from '../io';
import { formatDuration, parsePositive, parseSince } from '../time-window';

interface ExecutionsOptions extends CommonOptions {
  status?: string;
  since?: string;
  keyPrefix?: string;
  bucket?: string;
  limit: string;
}

/**
 * The statuses `--status` offers. Not PENDING_REDRIVE: ListExecutions takes it only with a mapRunArn and refuses it
 * with a stateMachineArn (ValidationException, API_ListExecutions), which is how this command lists.
 */
export const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export function parseStatus(text: string | undefined): ExecutionStatus | undefined {
  if (text === undefined) return undefined;
  const upper = text.toUpperCase() as ExecutionStatus;
  if (!STATUSES.includes(upper)) throw usageError(`--status ${JSON.stringify(text)} is not an execution status`, `Use one of ${STATUSES.join(', ')}`);
  return upper;
}

/** `s3gcs executions`: recent executions with the object each one backs up. */
export function registerExecutions(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('executions')
    .description('list recent executions, newest first, with the object each one backs up')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--since <when>', 'only executions started since then: 90m, 24h, 7d, or an ISO date')
    .option('--key-prefix <prefix>', 'only executions for keys starting with this (costs one DescribeExecution per listed execution)')
    .option('--bucket <bucket>', 'only executions for this source bucket')
    .option('--limit <n>', 'print at most this many', '50');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs executions --sandbox',
      's3gcs executions --stack-outputs outputs.json --status FAILED --since 24h',
      's3gcs executions --sandbox --key-prefix reports/2026/ --json',
      's3gcs executions --stack-outputs outputs.json --since 2h --status FAILED --json   # Express ones too, from FastPathLogGroupName',
    ]),
  ).addHelpText('after', FAST_PATH_LOG_HELP);
  cmd.action((opts: ExecutionsOptions) =>
    runCommand(
      ctx,
      opts,
      () => ({ status: parseStatus(opts.status), since: opts.since ? parseSince(opts.since) : undefined, limit: parsePositive(opts.limit, '--limit', { integer: true }) }),
      async (out, target, { status, since, limit }) => {
        const keep = (e: Pick<ExecutionWithObject, 'object'>): boolean =>
          (opts.keyPrefix === undefined || (e.object?.key.startsWith(opts.keyPrefix) ?? false)) && (opts.bucket === undefined || e.object?.bucket === opts.bucket);
        const found = await findExecutions(target, { ...(status ? { status } : {}), ...(since ? { since } : {}) }, keep, limit);
        // The fast path's executions come from its log (ListExecutions refuses Express machines); newest first, merged.
        const fast = await expressExecutions(target, { ...(status ? { status } : {}), ...(since ? { since } : {}), limit, keep });
        if (fastPathLogUnknown(target)) out.note(NO_FAST_PATH_LOG);
        const rows = [...found.map(toRow), ...fast.map(expressRow)].sort((a, b) => b.startDate.localeCompare(a.startDate)).slice(0, limit);
        out.result({ executions: rows });
        if (rows.length === 0) {
          out.line('No executions match.');
          return EXIT.OK;
        }
        out.line(
          table(
            ['STATUS', 'TYPE', 'STARTED', 'DURATION', 'OBJECT', 'NAME'],
            rows.map((r) => [
              r.status,
              r.type === 'express' ? `express${r.handedOffTo ? ' -> standard' : ''}` : 'standard',
              r.startDate.replace(/\.\d{3}Z$/, 'Z'),
              r.durationMs === undefined ? '-' : formatDuration(r.durationMs),
              r.object ? `${r.object.action === 'delete' ? 'delete ' : ''}s3://${r.object.bucket}/${r.object.key}` : '-',
              r.name,
            ]),
          ),
        );
        return EXIT.OK;
      },
    ),
  );
}

interface Row {
  type: 'standard' | 'express';
  name: string;
  executionArn: string;
  status: string;
  startDate: string;
  stopDate?: string;
  durationMs: number | undefined;
  redriveCount: number;
  object?: { action: string; bucket: string; key: string; versionId?: string };
  error?: string;
  handedOffTo?: string;
}

function objectRow(object: ExpressWithObject['object']): Pick<Row, 'object'> {
  return object ? { object: { action: object.action, bucket: object.bucket, key: object.key, ...(object.versionId ? { versionId: object.versionId } : {}) } } : {};
}

function expressRow(e: ExpressWithObject): Row {
  const { execution } = e;
  return {
    type: 'express',
    name: execution.name,
    executionArn: execution.executionArn,
    status: execution.status,
    startDate: new Date(execution.startDate).toISOString(),
    ...(execution.stopDate ? { stopDate: execution.stopDate, durationMs: Date.parse(execution.stopDate) - Date.parse(execution.startDate) } : { durationMs: undefined }),
    redriveCount: 0,
    ...objectRow(e.object),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(e.handedOffTo ? { handedOffTo: e.handedOffTo } : {}),
  };
}

function toRow(e: ExecutionWithObject): Row {
  const start = e.item.startDate ?? new Date(0);
  return {
    type: 'standard',
    name: e.item.name!,
    executionArn: e.item.executionArn!,
    status: e.item.status!,
    startDate: start.toISOString(),
    ...(e.item.stopDate ? { stopDate: e.item.stopDate.toISOString(), durationMs: e.item.stopDate.getTime() - start.getTime() } : { durationMs: undefined }),
    redriveCount: e.item.redriveCount ?? 0,
    ...objectRow(e.object),
    ...(e.error !== undefined ? { error: e.error } : {}),
  };
}
