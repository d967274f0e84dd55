import type { Command } from 'commander';
import { formatTimeline } from '../../local/timeline';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { EXIT } from '../exit-codes';
import { timelineFromHistory } from '../history-timeline';
import { parseS3Url } from '../s3-url';
import { executionHistory, startReplay, waitForExecution } from '../sfn-ops';
import { parseDuration } from '../time-window';

interface ReplayOptions extends CommonOptions {
  versionId?: string;
  wait?: boolean;
  timeout: string;
}

/** `s3gcs replay s3://bucket/key`: back up one object again, now. */
export function registerReplay(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('replay')
    .description('start a backup execution for one object (the minimal manual input, a fresh replay name)')
    .argument('<s3-url>', 'the object, e.g. s3://my-bucket/reports/q3.pdf (the key exactly as stored; no URL-encoding)')
    .option('--version-id <id>', 'back up this version (versioned buckets)')
    .option('--wait', 'wait for the execution to end and print its timeline; exit 1 unless it SUCCEEDED')
    .option('--timeout <duration>', 'with --wait: give up waiting after this long', '15m');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs replay --sandbox s3://sandbox-source/hello.txt --wait',
      's3gcs replay --stack-outputs outputs.json s3://photos/2026/img.jpg --version-id 3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      'aws stepfunctions start-execution --state-machine-arn ARN --input \'{"bucket":"photos","key":"2026/img.jpg"}\'   # the same, by hand',
    ]),
  );
  cmd.action((url: string, opts: ReplayOptions) =>
    runCommand(
      ctx,
      opts,
      () => ({ loc: parseS3Url(url, { requireKey: true }), timeoutMs: parseDuration(opts.timeout, '--timeout') }),
      async (out, target, { loc, timeoutMs }) => {
        const started = await startReplay(target, { ...loc, ...(opts.versionId ? { versionId: opts.versionId } : {}) });
        const consoleUrl = target.consoleUrl(started.executionArn);
        out.line(`Started ${started.name}`);
        out.line(`  execution: ${started.executionArn}`);
        out.line(`  console:   ${consoleUrl}`);
        if (!opts.wait) {
          out.result({ ...started, consoleUrl });
          return EXIT.OK;
        }
        out.note('Waiting for the execution to end…');
        const described = await waitForExecution(target, started.executionArn, timeoutMs);
        if (described.status === 'RUNNING') {
          out.line(`Still RUNNING after ${opts.timeout}; follow it with: s3gcs history ${started.name}`);
          out.result({ ...started, consoleUrl, status: 'RUNNING' });
          return EXIT.PROBLEMS;
        }
        const timeline = timelineFromHistory(started.name, await executionHistory(target, started.executionArn));
        out.line('');
        out.line(formatTimeline(timeline));
        out.result({
          ...started,
          consoleUrl,
          status: described.status,
          ...(described.output ? { output: JSON.parse(described.output) as unknown } : {}),
          ...(described.error !== undefined ? { error: described.error, cause: described.cause } : {}),
          timeline,
        });
        return described.status === 'SUCCEEDED' ? EXIT.OK : EXIT.PROBLEMS;
      },
    ),
  );
}
