import type { Command } from 'commander';
import { formatTimeline } from '../../local/timeline';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { EXIT } from '../exit-codes';
import { timelineFromHistory } from '../history-timeline';
import { parseS3Url } from '../s3-url';
import { displayText } from '../safe-text';
import { noSuchObject, requireSourceObject } from '../source-object';
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
    .description('start a backup execution for one object (the minimal manual input, a fresh replay name); exit 1 if there is no such object')
    .argument('<s3-url>', 'the object, e.g. s3://my-bucket/reports/q3.pdf (the key exactly as stored; no URL-encoding)')
    .option('--version-id <id>', 'back up this version (versioned buckets)')
    .option('--wait', 'wait for the execution to end and print its timeline; exit 1 unless it SUCCEEDED with the object backed up')
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
        const object = { ...loc, ...(opts.versionId ? { versionId: opts.versionId } : {}) };
        await requireSourceObject(target, out, object);
        const started = await startReplay(target, object);
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
        const output = described.output ? (JSON.parse(described.output) as { outcome?: unknown }) : undefined;
        out.line('');
        out.line(formatTimeline(timeline));
        out.result({
          ...started,
          consoleUrl,
          status: described.status,
          ...(output ? { output } : {}),
          ...(described.error !== undefined ? { error: described.error, cause: described.cause } : {}),
          timeline,
        });
        // Deleted between the check and the copy: the workflow ends SUCCEEDED (source-gone), but nothing was backed up.
        if (output?.outcome === 'source-gone') throw noSuchObject(`s3://${loc.bucket}/${displayText(loc.key)}`, 'the execution found it gone: outcome source-gone');
        return described.status === 'SUCCEEDED' ? EXIT.OK : EXIT.PROBLEMS;
      },
    ),
  );
}
