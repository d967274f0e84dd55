import type { Command } from 'commander';
import { formatTimeline, type Timeline } from '../../local/timeline';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { refused } from '../errors';
import { findExecutions } from '../execution-lookup';
import { expressExecutions, fastPathLogUnknown, type ExpressWithObject } from '../express-executions';
import { FAST_PATH_LOG_HELP, NO_FAST_PATH_LOG } from '../express-log-group';
import { EXIT } from '../exit-codes';
import { isExpressExecutionArn } from '../../local/sfn-api/names';
import { timelineFromHistory } from '../history-timeline';
import { parseS3Url, type S3Location } from '../s3-url';
import { describeExecution, executionArnOf, executionHistory } from '../sfn-ops';
import type { Target } from '../target';
import { parsePositive, parseSince } from '../time-window';

interface HistoryOptions extends CommonOptions {
  since: string;
  all?: boolean;
  limit: string;
}

/** `s3gcs history`: the console-like timeline of an execution, or of the executions that backed up an object. */
export function registerHistory(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('history')
    .description("print an execution's timeline: each state, its duration, retries, catches, and the outcome")
    .argument('<execution-or-s3-url>', 'an execution name or ARN (a fast path one too), or s3://bucket/key for the latest executions of that object, Express and Standard')
    .option('--since <when>', 'with s3://: search executions started since then', '7d')
    .option('--all', 'with s3://: print every execution of the object found, newest first')
    .option('--limit <n>', 'with s3:// and --all: at most this many executions', '10');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs history --sandbox copy-hello-txt-k3x…',
      's3gcs history --sandbox s3://sandbox-source/hello.txt',
      's3gcs history --stack-outputs outputs.json s3://photos/2026/img.jpg --all --since 30d --json',
      's3gcs history --state-machine-arn ARN --fast-path-log-group /aws/vendedlogs/states/NAME s3://photos/2026/img.jpg --all',
    ]),
  ).addHelpText('after', FAST_PATH_LOG_HELP);
  cmd.action((what: string, opts: HistoryOptions) =>
    runCommand(
      ctx,
      opts,
      () =>
        what.startsWith('s3://')
          ? { object: parseS3Url(what, { requireKey: true }), since: parseSince(opts.since), limit: opts.all ? parsePositive(opts.limit, '--limit', { integer: true }) : 1 }
          : undefined,
      async (out, target, search) => {
        if (fastPathLogUnknown(target)) out.note(NO_FAST_PATH_LOG);
        const picked = search ? await executionsOfObject(target, search, opts.since) : [isExpressExecutionArn(what) ? await fastPathExecution(target, what) : { arn: executionArnOf(target, what) }];
        const results = [];
        for (const { arn, express } of picked) {
          if (express) {
            // A fast path execution: its log is its only record (no DescribeExecution, no redrive).
            const e = express.execution;
            const timeline: Timeline = e.timeline ?? { executionName: e.name, status: e.status, startedAt: e.startDate, durationMs: 0, steps: [] };
            results.push({ executionArn: e.executionArn, type: 'express', status: e.status, input: e.input, ...(express.handedOffTo ? { handedOffTo: express.handedOffTo } : {}), timeline });
            if (results.length > 1) out.line('');
            out.line(`Fast path (Express) execution ${e.executionArn}`);
            out.line(formatTimeline(timeline));
            out.line(express.handedOffTo ? `Handed off to ${express.handedOffTo}` : 'Kept only in the fast path log: it cannot be redriven; replay the object with `s3gcs replay`.');
            continue;
          }
          const described = await describeExecution(target, arn);
          const timeline: Timeline = timelineFromHistory(described.name ?? arn, await executionHistory(target, arn));
          results.push({ executionArn: arn, status: described.status, consoleUrl: target.consoleUrl(arn), input: described.input, redriveCount: described.redriveCount ?? 0, timeline });
          if (results.length > 1) out.line('');
          out.line(formatTimeline(timeline));
          out.line(`Console: ${target.consoleUrl(arn)}`);
          if ((described.redriveCount ?? 0) > 0) out.line(`(redriven ${described.redriveCount} time(s); the timeline is the latest run's)`);
        }
        out.result(search ? { executions: results } : results[0]);
        return EXIT.OK;
      },
    ),
  );
}

/** An execution named by ARN: a fast path one is read from its log (DescribeExecution refuses Express executions). */
async function fastPathExecution(target: Target, arn: string): Promise<{ arn: string; express: ExpressWithObject }> {
  const [express] = await expressExecutions(target, { executionArn: arn });
  if (!express) throw refused(`the fast path execution ${arn} is not in its log`, 'Its log keeps executions for the stage\'s logRetentionDays; a deployed stage needs --stack-outputs or --fast-path-log-group.');
  return { arn, express };
}

/**
 * The object's latest `limit` executions — Standard ones from ListExecutions, fast path ones from its log — plus the
 * Standard execution each fast path one handed off to, oldest first: one command shows the whole story of an event.
 */
async function executionsOfObject(
  target: Target,
  search: { object: S3Location; since: Date; limit: number },
  sinceText: string,
): Promise<{ arn: string; express?: ExpressWithObject }[]> {
  const { object, since, limit } = search;
  const isIt = (o: { bucket: string; key: string } | undefined): boolean => o?.bucket === object.bucket && o.key === object.key;
  const standard = (await findExecutions(target, { since }, (e) => isIt(e.object), limit)).map((e) => ({ arn: e.item.executionArn!, startDate: e.item.startDate?.toISOString() ?? '' }));
  const fast = (await expressExecutions(target, { since, object })).map((e) => ({ arn: e.execution.executionArn, startDate: e.execution.startDate, express: e }));
  const latest: { arn: string; startDate: string; express?: ExpressWithObject }[] = [...standard, ...fast].sort((a, b) => b.startDate.localeCompare(a.startDate)).slice(0, limit);
  if (latest.length === 0) {
    throw refused(`no execution for s3://${object.bucket}/${object.key} started in the last ${sinceText}`, 'Widen the window with --since 30d, or start one with `s3gcs replay`.');
  }
  // Each picked execution's other half: the Standard execution a fast path one handed off to, and the reverse.
  const handedOffTo = latest.flatMap((e) => (e.express?.handedOffTo ? [standard.find((s) => s.arn === e.express!.handedOffTo) ?? { arn: e.express.handedOffTo, startDate: e.express.execution.startDate }] : []));
  const handedOffFrom = fast.filter((f) => latest.some((e) => !e.express && e.arn === f.express.handedOffTo));
  const picked = new Map<string, { arn: string; startDate: string; express?: ExpressWithObject }>();
  for (const e of [...latest, ...handedOffTo, ...handedOffFrom]) if (!picked.has(e.arn)) picked.set(e.arn, e);
  return [...picked.values()].sort((a, b) => a.startDate.localeCompare(b.startDate) || (a.express ? -1 : 1)).map(({ arn, express }) => ({ arn, ...(express ? { express } : {}) }));
}
