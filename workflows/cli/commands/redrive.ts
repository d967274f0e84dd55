import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { CliError, usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { table, type Output } from '../io';
import { executionArnOf, listExecutions, mapLimit, redriveExecution } from '../sfn-ops';
import type { Target } from '../target';
import { parseSince } from '../time-window';

interface RedriveOptions extends CommonOptions {
  failed?: boolean;
  since: string;
  dryRun?: boolean;
}

/** Step Functions redrives Standard executions that closed FAILED, TIMED_OUT or ABORTED within the last 14 days. */
const REDRIVABLE = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
const REDRIVE_WINDOW_MS = 14 * 86_400_000;
const CONCURRENCY = 4;

/** `s3gcs redrive`: re-run failed executions from where they failed, keeping their name and history. */
export function registerRedrive(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('redrive')
    .description('redrive one execution, or every FAILED/TIMED_OUT/ABORTED execution of a time window (RedriveExecution, within 14 days)')
    .argument('[execution]', 'an execution name or ARN')
    .option('--failed', 'redrive every failed, timed-out or aborted execution that closed within --since')
    .option('--since <when>', 'with --failed: how far back (at most 14d)', '24h')
    .option('--dry-run', 'with --failed: list what would be redriven, do nothing');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs redrive --sandbox copy-report-pdf-3jv…',
      's3gcs redrive --stack-outputs outputs.json --failed --since 24h --dry-run',
      's3gcs redrive --stack-outputs outputs.json --failed --since 3d --json',
    ]),
  );
  cmd.action((execution: string | undefined, opts: RedriveOptions) =>
    runCommand(
      ctx,
      opts,
      () => {
        if (execution !== undefined && opts.failed) throw usageError('give an execution or --failed, not both', 'e.g. s3gcs redrive NAME, or s3gcs redrive --failed --since 24h');
        if (execution === undefined && !opts.failed) throw usageError('nothing to redrive', 'Name an execution (s3gcs redrive NAME) or pass --failed [--since 24h].');
        return opts.failed ? sinceWithinRedriveWindow(opts.since) : undefined;
      },
      async (out, target, since) => {
        if (execution !== undefined) {
          const arn = executionArnOf(target, execution);
          const redriveDate = await redriveExecution(target, arn);
          out.line(`Redriven ${arn}`);
          out.line(`  console: ${target.consoleUrl(arn)}`);
          out.result({ redriven: [{ executionArn: arn, redriveDate: redriveDate.toISOString(), consoleUrl: target.consoleUrl(arn) }], refused: [] });
          return EXIT.OK;
        }
        return redriveFailed(target, since!, Boolean(opts.dryRun), out);
      },
    ),
  );
}

function sinceWithinRedriveWindow(text: string): Date {
  const since = parseSince(text);
  if (Date.now() - since.getTime() > REDRIVE_WINDOW_MS) {
    throw usageError(`--since ${text} reaches back more than 14 days`, 'Step Functions redrives executions up to 14 days after they closed; use s3gcs replay for older ones.');
  }
  return since;
}

async function redriveFailed(target: Target, since: Date, dryRun: boolean, out: Output): Promise<number> {
  const candidates: ExecutionListItem[] = [];
  for (const status of REDRIVABLE) {
    // Listed by start time; an execution that started before the window but closed inside it is still redrivable.
    for await (const item of listExecutions(target, { status })) {
      if (item.stopDate && item.stopDate >= since) candidates.push(item);
      else if (item.startDate && item.startDate.getTime() < since.getTime() - REDRIVE_WINDOW_MS) break;
    }
  }
  if (dryRun) {
    out.line(candidates.length === 0 ? 'Nothing to redrive.' : `Would redrive ${candidates.length} execution(s):`);
    if (candidates.length > 0) out.line(table(['STATUS', 'CLOSED', 'NAME'], candidates.map((c) => [c.status!, c.stopDate!.toISOString(), c.name!])));
    out.result({ dryRun: true, candidates: candidates.map((c) => ({ executionArn: c.executionArn, status: c.status, stopDate: c.stopDate?.toISOString() })) });
    return EXIT.OK;
  }
  const results = await mapLimit(candidates, CONCURRENCY, async (c) => {
    try {
      const date = await redriveExecution(target, c.executionArn!);
      return { executionArn: c.executionArn!, name: c.name!, redriveDate: date.toISOString() };
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode === EXIT.UNREACHABLE) throw err;
      return { executionArn: c.executionArn!, name: c.name!, reason: err.message };
    }
  });
  const redriven = results.filter((r) => 'redriveDate' in r);
  const refusedOnes = results.filter((r) => 'reason' in r);
  out.line(`Redriven ${redriven.length} of ${candidates.length} execution(s) that closed since ${since.toISOString()}.`);
  for (const r of redriven) out.line(`  ${r.name}`);
  if (refusedOnes.length > 0) {
    out.line(`Refused ${refusedOnes.length}:`);
    for (const r of refusedOnes) out.line(`  ${r.name}: ${(r as { reason: string }).reason}`);
  }
  out.result({ redriven, refused: refusedOnes });
  return refusedOnes.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
