import type { Command } from 'commander';
import { formatTimeline, type Timeline } from '../../local/timeline';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { refused } from '../errors';
import { findExecutions } from '../execution-lookup';
import { EXIT } from '../exit-codes';
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
    .argument('<execution-or-s3-url>', 'an execution name or ARN, or s3://bucket/key for the latest execution of that object')
    .option('--since <when>', 'with s3://: search executions started since then', '7d')
    .option('--all', 'with s3://: print every execution of the object found, newest first')
    .option('--limit <n>', 'with s3:// and --all: at most this many executions', '10');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs history --sandbox copy-hello-txt-k3x…',
      's3gcs history --sandbox s3://sandbox-source/hello.txt',
      's3gcs history --stack-outputs outputs.json s3://photos/2026/img.jpg --all --since 30d --json',
    ]),
  );
  cmd.action((what: string, opts: HistoryOptions) =>
    runCommand(
      ctx,
      opts,
      () =>
        what.startsWith('s3://')
          ? { object: parseS3Url(what, { requireKey: true }), since: parseSince(opts.since), limit: opts.all ? parsePositive(opts.limit, '--limit', { integer: true }) : 1 }
          : undefined,
      async (out, target, search) => {
        const arns = search ? await executionsOfObject(target, search, opts.since) : [executionArnOf(target, what)];
        const results = [];
        for (const arn of arns) {
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

async function executionsOfObject(target: Target, search: { object: S3Location; since: Date; limit: number }, sinceText: string): Promise<string[]> {
  const { object, since, limit } = search;
  const found = await findExecutions(target, { since }, (e) => e.object?.bucket === object.bucket && e.object.key === object.key, limit);
  if (found.length === 0) {
    throw refused(`no execution for s3://${object.bucket}/${object.key} started in the last ${sinceText}`, 'Widen the window with --since 30d, or start one with `s3gcs replay`.');
  }
  return found.map((e) => e.item.executionArn!);
}
