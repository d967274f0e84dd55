import type { Command } from 'commander';
import { RateLimiter } from '../backfill/rate-limiter';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatBytes, table, type Output } from '../io';
import { progressBar } from '../progress';
import { parseS3Url, type S3Location } from '../s3-url';
import { parsePositive } from '../time-window';
import { latestInventoryManifest } from '../../reconcile/inventory';
import { reconcile, type ReconcileReport } from '../../reconcile/reconcile';
import { backupsOf, parseExcludes } from './verify';

interface ReconcileOptions extends CommonOptions {
  manifest?: string;
  inventory?: string;
  exclude: string[];
  legacyLayout?: boolean;
  dryRun?: boolean;
  rate: string;
  show: string;
}

/** StartExecution per second by default: well under the quota's refill (150-300/s), leaving room for live events. */
const DEFAULT_RATE = '20';
const MAX_RATE = 300;

/** `s3gcs reconcile`: start a backup for everything the events missed. */
export function registerReconcile(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('reconcile')
    .description("compare the source with its backups (as verify does) and start the backup workflow for every object missing, stale or unverified; doesn't wait")
    .argument('[s3-url]', "s3://bucket or s3://bucket/prefix/ (Default: the sandbox's watched bucket)")
    .option('--manifest <s3-url>', "list the source from this S3 Inventory manifest.json (CSV) instead of ListObjectsV2")
    .option('--inventory <s3-url>', "list the source from the newest report of an S3 Inventory: s3://INVENTORY-BUCKET/PREFIX/SOURCE-BUCKET/CONFIG-ID/")
    .option('--exclude <glob>', 'keys the stage skips on purpose (its skip patterns); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--legacy-layout', "the backups are named <prefix><key> (Default: the stage's DestinationLayout output)")
    .option('--dry-run', 'report what would be started; start nothing')
    .option('--rate <n>', `StartExecution calls per second (at most ${MAX_RATE})`, DEFAULT_RATE)
    .option('--show <n>', 'list at most this many objects in the human report', '50');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs reconcile --sandbox',
      's3gcs reconcile --sandbox --dry-run --json',
      's3gcs reconcile --stack-outputs outputs.json s3://acme-data --inventory s3://acme-inventory/acme-data/acme-data/daily/',
    ]) + '\nExit codes: 0 nothing found; 1 differences found (repairs started for the repairable ones); 2 usage; 3 unreachable; 4 refused.\n',
  );
  cmd.action((url: string | undefined, opts: ReconcileOptions) =>
    runCommand(
      ctx,
      opts,
      () => {
        if (opts.manifest && opts.inventory) throw usageError('--manifest and --inventory both name the source listing', 'Pass one: a manifest.json, or the inventory folder to take the newest report from.');
        return {
          loc: url === undefined ? undefined : parseS3Url(url, { requireKey: false }),
          manifest: opts.manifest ? parseS3Url(opts.manifest, { requireKey: true }) : undefined,
          inventory: opts.inventory ? parseS3Url(opts.inventory, { requireKey: true }) : undefined,
          excluded: parseExcludes(opts.exclude),
          rate: parsePositive(opts.rate, '--rate', { max: MAX_RATE }),
          show: parsePositive(opts.show, '--show', { integer: true }),
        };
      },
      async (out, target, { loc, manifest, inventory, excluded, rate, show }) => {
        const source = loc ?? (target.sourceBucket ? { bucket: target.sourceBucket, key: '' } : undefined);
        if (!source) throw usageError('which bucket? a deployed stage watches several', 'Pass s3://BUCKET or s3://BUCKET/PREFIX/.');
        const destination = backupsOf(opts, target, source.bucket);
        const inventoryManifest: S3Location | undefined = manifest ?? (inventory ? await latestInventoryManifest(target.s3, inventory) : undefined);
        if (inventoryManifest) out.note(`Listing the source from s3://${inventoryManifest.bucket}/${inventoryManifest.key}`);

        let listed = 0;
        let found = 0;
        const bar = progressBar(out, opts.dryRun ? 'reconcile (dry run)' : 'reconcile', { found: 0 }, ' | {found} found');
        let report: ReconcileReport;
        try {
          report = await reconcile(
            { s3: target.s3, storage: target.storage(), sfn: target.sfn, stateMachineArn: target.stateMachineArn },
            {
              scope: { sourceBucket: source.bucket, prefix: source.key, destination, ...(excluded ? { excluded: (key: string) => excluded(key) !== undefined } : {}) },
              ...(inventoryManifest ? { inventoryManifest } : {}),
              ...(opts.dryRun ? { dryRun: true } : {}),
              limiter: new RateLimiter(rate),
              progress: {
                listed: (n) => bar.setTotal((listed += n)),
                compared: (diff) => bar.increment(1, { found: (found += diff ? 1 : 0) }),
              },
            },
          );
        } finally {
          bar.stop();
        }
        printReport(out, report, show);
        out.result(report);
        return report.foundCount === 0 ? EXIT.OK : EXIT.PROBLEMS;
      },
    ),
  );
}

function printReport(out: Output, r: ReconcileReport, show: number): void {
  out.line(`Reconciled ${r.source} with ${r.destination} (listed with ${r.listedFrom}${r.dryRun ? ', dry run' : ''})`);
  out.line(`  checked: ${r.checked} (${formatBytes(r.bytes)})   ok: ${r.ok}   found: ${r.foundCount}   excluded: ${r.excluded}   only in the destination: ${r.extra}`);
  if (r.foundCount === 0) {
    out.line('Nothing to repair.');
    return;
  }
  out.line(`  by kind: ${Object.entries(r.found).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.line('');
  out.line(table(['KIND', 'KEY', 'START', 'EXECUTION'], r.starts.slice(0, show).map((s) => [s.kind, s.key, s.status + (s.error ? ` (${s.error})` : ''), s.executionName])));
  if (r.starts.length > show) out.line(`… and ${r.starts.length - show} more (--show N, or --json for all)`);
  const count = (status: string) => r.starts.filter((s) => s.status === status).length;
  out.line('');
  if (r.dryRun) out.line(`Would start ${count('dry-run')} execution(s).`);
  else {
    out.line(`Started ${count('started')} execution(s); ${count('already-started')} already started by an earlier run; ${count('failed')} could not start (run again).`);
    out.line('They run on their own: follow them with `s3gcs executions`; failures alert as usual. Run reconcile again later: it should find nothing.');
  }
  if (r.notRepairable.length > 0) {
    out.line('');
    out.line(`${r.notRepairable.length} difference(s) a replay cannot repair:`);
    out.line(table(['KIND', 'KEY', 'DETAIL'], r.notRepairable.slice(0, show).map((d) => [d.kind, d.key, d.detail])));
  }
}
