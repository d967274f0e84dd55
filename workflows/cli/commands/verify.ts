import type { Command } from 'commander';
import { ConfigurationError } from '../../backup/errors';
import { checkLayoutAdmits, destinationPrefixOf } from '../../backup/keys';
import { compileSkipRules } from '../../backup/skip-rules';
import type { CopyTarget, DestinationLayout } from '../../copy/types';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatBytes, table, type Output } from '../io';
import { progressBar } from '../progress';
import type { Target } from '../target';
import { parseGcsUrl, parseS3Url } from '../s3-url';
import { parseDuration, parsePositive } from '../time-window';
import type { Difference } from '../verify/compare';
import { repairDifferences, type RepairResult } from '../verify/repair';
import { verifyScope, type VerifyScope, type VerifyTally } from '../verify/run-verify';
import { displayText } from '../safe-text';

interface VerifyOptions extends CommonOptions {
  exclude: string[];
  legacyLayout?: boolean;
  repair?: boolean;
  concurrency: string;
  timeout: string;
  show: string;
}

/** `s3gcs verify`: is every source object backed up, current and intact? */
export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify')
    .description('compare a source bucket (or prefix) with its backups: presence, size, source ETag and CRC32C provenance')
    .argument('<s3-url>', 's3://bucket or s3://bucket/prefix/')
    .option('--exclude <glob>', 'keys the stage skips on purpose (its skip patterns); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--legacy-layout', "the backups are named <prefix><key> (a stage with destination.layout 'legacy'), not <prefix><bucket>/<key> (Default: the stage's DestinationLayout output)")
    .option('--repair', 'replay every missing or mismatched object, wait, and verify again: an object counts as repaired only when that check finds it ok')
    .option('--concurrency <n>', 'with --repair: executions at once', '4')
    .option('--timeout <duration>', 'with --repair: how long to wait for each execution', '15m')
    .option('--show <n>', 'list at most this many differences in the human report', '50');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs verify --sandbox s3://sandbox-source',
      's3gcs verify --sandbox s3://sandbox-source/demo/ --repair',
      "s3gcs verify --stack-outputs outputs.json --destination gs://acme-backup/s3/ s3://acme-data/reports/ --exclude '**/*.tmp' --json",
    ]),
  );
  cmd.action((url: string, opts: VerifyOptions) =>
    runCommand(
      ctx,
      opts,
      () => ({
        loc: parseS3Url(url, { requireKey: false }),
        excluded: parseExcludes(opts.exclude),
        concurrency: parsePositive(opts.concurrency, '--concurrency', { integer: true, max: 64 }),
        timeoutMs: parseDuration(opts.timeout, '--timeout'),
        show: parsePositive(opts.show, '--show', { integer: true }),
      }),
      async (out, target, { loc, excluded, concurrency, timeoutMs, show }) => {
        const destination = backupsOf(opts, target, loc.bucket);
        const scope: VerifyScope = {
          sourceBucket: loc.bucket,
          prefix: loc.key,
          destination,
          ...(excluded ? { excluded: (key: string) => excluded(key) !== undefined } : {}),
        };
        const where = { source: `s3://${loc.bucket}/${loc.key}`, destination: `gs://${destination.bucket}/${destinationPrefixOf(destination, loc.bucket)}${loc.key}` };
        out.note(`Comparing ${displayText(where.source)} with ${displayText(where.destination)} …`);

        let differencesSoFar = 0;
        let listed = 0;
        const bar = progressBar(out, 'verify', { differences: 0 }, ' | {differences} differences');
        let tally: VerifyTally;
        try {
          tally = await verifyScope(target.s3, target.storage(), scope, {
            listed: (n) => bar.setTotal((listed += n)),
            compared: (diff) => bar.increment(1, { differences: (differencesSoFar += diff ? 1 : 0) }),
          });
        } finally {
          bar.stop();
        }
        printTally(out, where, tally, show);
        if (!opts.repair || tally.differences.length === 0) {
          out.result({ ...where, ...summary(tally), differences: tally.differences, extraSample: tally.extraSample });
          return tally.differences.length === 0 ? EXIT.OK : EXIT.PROBLEMS;
        }

        const repairable = tally.differences.filter((d) => d.repairable);
        out.line('');
        out.line(`Repairing ${repairable.length} object(s) by replay (${tally.differences.length - repairable.length} cannot be repaired by a replay)…`);
        const repairBar = progressBar(out, 'repair');
        repairBar.setTotal(repairable.length);
        let repairs: RepairResult[];
        try {
          repairs = await repairDifferences(target, scope, repairable, { concurrency, timeoutMs, onDone: () => repairBar.increment() });
        } finally {
          repairBar.stop();
        }
        const remaining = [...tally.differences.filter((d) => !d.repairable), ...repairs.flatMap((r) => (r.remaining ? [r.remaining] : []))];
        const fixed = repairs.filter((r) => !r.remaining && r.status === 'SUCCEEDED');
        out.line(
          table(
            ['KEY', 'WAS', 'EXECUTION', 'OUTCOME', 'NOW'],
            repairs.map((r) => [r.key, r.kind, r.status, r.outcome ?? r.error ?? '-', r.remaining ? r.remaining.kind : 'ok']),
          ),
        );
        const unexplained = repairs.filter((r) => r.status === 'SUCCEEDED' && r.remaining).length;
        out.line('');
        if (unexplained > 0) {
          out.line(`${unexplained} replay(s) SUCCEEDED, yet the check that followed still finds the difference: a replay cannot fix it (is the source listing consistent with the objects?).`);
        }
        out.line(`Repaired ${fixed.length} of ${repairable.length}; ${remaining.length} difference(s) remain.`);
        out.result({ ...where, ...summary(tally), differences: tally.differences, repairs, remaining, extraSample: tally.extraSample });
        return remaining.length === 0 ? EXIT.OK : EXIT.PROBLEMS;
      },
    ),
  );
}

/** Where the backups of `sourceBucket` are and how they are named: --destination and --legacy-layout over the stage's. */
export function backupsOf(opts: Pick<VerifyOptions, 'destination' | 'legacyLayout'>, target: Target, sourceBucket: string): CopyTarget {
  const location = opts.destination ? parseGcsUrl(opts.destination) : target.destination;
  if (!location) throw usageError('where are the backups? no destination is known for this stage', 'Pass --destination gs://BUCKET/PREFIX (the stage\'s destination), or set S3GCS_DESTINATION.');
  const layout: DestinationLayout = opts.legacyLayout ? { kind: 'legacy', sourceBucket } : (target.destination?.layout ?? { kind: 'by-source-bucket' });
  const destination: CopyTarget = { bucket: location.bucket, prefix: location.prefix, layout };
  try {
    checkLayoutAdmits(destination, sourceBucket);
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    throw usageError(err.message, 'Verify the bucket the legacy layout is for, or pass --legacy-layout if this bucket was backed up alone with that layout.');
  }
  return destination;
}

export function parseExcludes(patterns: string[]): ((key: string) => string | undefined) | undefined {
  try {
    return patterns.length > 0 ? compileSkipRules(patterns) : undefined;
  } catch (err) {
    throw usageError(`--exclude: ${(err as Error).message}`, "Use globs like '**/*.tmp' or 'tmp/**'.");
  }
}

function summary(t: VerifyTally) {
  return { checked: t.checked, ok: t.ok, bytes: t.bytes, excluded: t.excluded, extra: t.extra, differenceCount: t.differences.length };
}

function printTally(out: Output, where: { source: string; destination: string }, t: VerifyTally, show: number): void {
  out.line(`Checked ${t.checked} object(s) (${formatBytes(t.bytes)}) of ${displayText(where.source)} against ${displayText(where.destination)}`);
  out.line(`  ok: ${t.ok}   differences: ${t.differences.length}   excluded: ${t.excluded}   only in the destination: ${t.extra}`);
  if (t.differences.length > 0) {
    const byKind = new Map<string, number>();
    for (const d of t.differences) byKind.set(d.kind, (byKind.get(d.kind) ?? 0) + 1);
    out.line(`  by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    out.line('');
    out.line(table(['KIND', 'KEY', 'DETAIL'], t.differences.slice(0, show).map((d: Difference) => [d.kind, d.key, d.detail])));
    if (t.differences.length > show) out.line(`… and ${t.differences.length - show} more (--show N, or --json for all)`);
  }
  if (t.extra > 0) {
    out.line('');
    out.line(`Only in the destination (deleted at the source and retained by the delete policy, or not from this source): ${t.extraSample.slice(0, 5).map(displayText).join(', ')}${t.extra > 5 ? ', …' : ''}`);
  }
}
