import type { Command } from 'commander';
import { compileSkipRules } from '../../backup/skip-rules';
import { examples, runCommandWith, type CommandContext } from '../command-kit';
import { fromServiceError, usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatBytes, table, type Output } from '../io';
import { progressBar } from '../progress';
import { addRestoreTargetOptions, restoreClients, type RestoreClients, type RestoreTargetOptions } from '../restore/clients';
import { runDrill, type DrillReport } from '../restore/run-drill';
import { parseGcsUrl, parseS3Url, type S3Location } from '../s3-url';
import { parsePositive } from '../time-window';
import { checkBuckets } from './restore';

interface DrillCliOptions extends RestoreTargetOptions {
  sample: string;
  scratch?: string;
  sourceBucket?: string;
  include: string[];
  exclude: string[];
  keep?: boolean;
}

const repeatable = (v: string, acc: string[]): string[] => [...acc, v];

/** `s3gcs drill`: prove, on a random sample, that backups can be restored byte for byte. */
export function registerDrill(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('drill')
    .description('restore a random sample of backups into a scratch prefix, verify every byte and header, report, clean up')
    .argument('<gs-url>', 'the backups to sample: gs://bucket/prefix')
    .option('--sample <n>', 'how many backups to restore', '20')
    .option('--scratch <s3-url>', "where to restore them (a run-unique prefix is added below it; Default: the sandbox's s3://sandbox-restore/drill/)")
    .option('--source-bucket <name>', 'only backups of this source bucket')
    .option('--include <glob>', 'only original keys matching this glob; repeatable', repeatable, [] as string[])
    .option('--exclude <glob>', 'not original keys matching this glob; repeatable', repeatable, [] as string[])
    .option('--keep', 'leave the restored copies in the scratch prefix');
  addRestoreTargetOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs drill --sandbox gs://sandbox-backup/sandbox-source/ --sample 10',
      's3gcs drill gs://acme-backup/acme-data/ --sample 100 --scratch s3://acme-restore-drills/ --region eu-west-1 --json',
    ]),
  );
  cmd.action((gsUrl: string, opts: DrillCliOptions) =>
    runCommandWith(
      ctx,
      opts,
      () => ({
        from: parseGcsUrl(gsUrl),
        scratch: opts.scratch ? parseS3Url(opts.scratch, { requireKey: false }) : undefined,
        sample: parsePositive(opts.sample, '--sample', { integer: true, max: 100_000 }),
        include: globs(opts.include, '--include'),
        exclude: globs(opts.exclude, '--exclude'),
      }),
      () => restoreClients(opts, ctx.io),
      async (out, clients, args) => {
        const scratchBase = args.scratch ?? sandboxScratch(clients);
        await checkBuckets(clients, args.from, scratchBase, undefined);
        const stamp = new Date().toISOString().replace(/[^0-9TZ]/g, '');
        const scratchPrefix = `${scratchBase.key}${scratchBase.key === '' || scratchBase.key.endsWith('/') ? '' : '/'}drill-${stamp}/`;
        out.note(`Drill: restoring ${args.sample} random backup(s) of gs://${args.from.bucket}/${args.from.prefix} into s3://${scratchBase.bucket}/${scratchPrefix} …`);
        const bar = progressBar(out, 'drill');
        bar.setTotal(args.sample);
        let report: DrillReport;
        try {
          report = await runDrill({
            s3: clients.s3,
            storage: clients.storage,
            gcsBucket: args.from.bucket,
            gcsPrefix: args.from.prefix,
            scratchBucket: scratchBase.bucket,
            scratchPrefix,
            sample: args.sample,
            selection: { ...(opts.sourceBucket ? { sourceBucket: opts.sourceBucket } : {}), ...(args.include ? { include: args.include } : {}), ...(args.exclude ? { exclude: args.exclude } : {}) },
            keep: Boolean(opts.keep),
            onDone: () => bar.increment(),
          });
        } catch (err) {
          throw fromServiceError(err, `drill gs://${args.from.bucket}/${args.from.prefix}`);
        } finally {
          bar.stop();
        }
        if (report.population === 0) {
          throw usageError(`there are no backups with provenance under gs://${args.from.bucket}/${args.from.prefix}`, 'Backups are named <destination prefix><source bucket>/<key>: try gs://BUCKET/SOURCE-BUCKET/.');
        }
        printReport(out, report);
        out.result(report);
        return report.differences.length === 0 ? EXIT.OK : EXIT.PROBLEMS;
      },
    ),
  );
}

function sandboxScratch(clients: RestoreClients): S3Location {
  if (clients.kind === 'sandbox' && clients.sandbox?.restoreBucket) return { bucket: clients.sandbox.restoreBucket, key: 'drill/' };
  throw usageError('where should the drill restore to?', 'Pass --scratch s3://BUCKET/PREFIX/ (a bucket no backup watches: a scratch copy there must not be backed up again).');
}

function globs(patterns: string[], option: string): ((key: string) => string | undefined) | undefined {
  try {
    return patterns.length > 0 ? compileSkipRules(patterns) : undefined;
  } catch (err) {
    throw usageError(`${option}: ${(err as Error).message}`, "Use globs like 'reports/**' or '**/*.csv'.");
  }
}

function printReport(out: Output, r: DrillReport): void {
  const verdict = r.differences.length === 0 ? 'PASSED' : 'FAILED';
  out.line(`Restore drill ${verdict} at ${r.finishedAt}: ${r.proven} of ${r.sampled} sampled backup(s) proven restorable (${formatBytes(r.provenBytes)}), from ${r.population} under ${r.source}.`);
  out.line(`  every restored byte hashed against the CRC32C recorded at backup; headers and user metadata compared with the backup`);
  out.line(`  compared with the source object: ${r.comparedWithSource}   source gone: ${r.sourceGone}   source changed since the backup: ${r.sourceChanged}   source unreadable: ${r.sourceUnreadable}`);
  out.line(`  scratch ${r.scratch}: ${r.cleanedUp} restored cop${r.cleanedUp === 1 ? 'y' : 'ies'} removed`);
  if (r.differences.length > 0) out.line(table(['KIND', 'KEY', 'DETAIL'], r.differences.slice(0, 50).map((d) => [d.kind, d.key, d.detail])));
}
