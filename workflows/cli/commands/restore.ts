import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { compileSkipRules } from '../../backup/skip-rules';
import { bucketKeepsVersions } from '../../restore/backups';
import { planRestore, type RestoreSelection } from '../../restore/plan';
import type { Overwrite } from '../../restore/restore-object';
import { targetBucketState } from '../../restore/s3-writer';
import { RateLimiter } from '../backfill/rate-limiter';
import { examples, runCommandWith, type CommandContext } from '../command-kit';
import { fromServiceError, refused, usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatBytes, table, type Output } from '../io';
import { progressBar } from '../progress';
import { newRestoreCheckpoint, readRestoreCheckpoint, type RestoreCheckpoint } from '../restore/checkpoint';
import { addRestoreTargetOptions, restoreClients, type RestoreClients, type RestoreTargetOptions } from '../restore/clients';
import { restorePages, runRestore, SeveralSourceBuckets, type RestorePage } from '../restore/run-restore';
import { parseGcsUrl, parseS3Url, type GcsLocation, type S3Location } from '../s3-url';
import { formatDuration, parsePositive, parseSince } from '../time-window';

interface RestoreCliOptions extends RestoreTargetOptions {
  sourceBucket?: string;
  include: string[];
  exclude: string[];
  asOf?: string;
  dryRun?: boolean;
  overwrite: string;
  allowUnproven?: boolean;
  concurrency: string;
  rate: string;
  checkpoint?: string;
  restart?: boolean;
}

const repeatable = (v: string, acc: string[]): string[] => [...acc, v];

/** `s3gcs restore`: bring backups back into any S3 bucket, each object proven against the CRC32C recorded at backup. */
export function registerRestore(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('restore')
    .description('restore backups into an S3 bucket (any account or region): original keys, headers and metadata, every object verified')
    .argument('<gs-url>', 'the backups: gs://bucket/prefix (e.g. gs://acme-backup/acme-data/ for one source bucket)')
    .argument('<s3-url>', 'where to restore: s3://bucket or s3://bucket/prefix/ (the prefix goes before each original key)')
    .option('--source-bucket <name>', 'only backups of this source bucket (from their provenance)')
    .option('--include <glob>', 'only original keys matching this glob; repeatable', repeatable, [] as string[])
    .option('--exclude <glob>', 'not original keys matching this glob; repeatable', repeatable, [] as string[])
    .option('--as-of <time>', 'restore the backups as they were then (ISO time, or a duration back: 36h, 7d); needs Object Versioning on the GCS bucket')
    .option('--dry-run', 'list and count what would be restored (objects, bytes), write nothing')
    .option('--overwrite <when>', "never: leave a target key that holds other content; if-different: replace it (identical objects are always left alone)", 'never')
    .option('--allow-unproven', 'also restore backups without provenance, by their GCS name relative to <gs-url> (checked against GCS\'s CRC32C only)')
    .option('--concurrency <n>', 'objects restored at once', '8')
    .option('--rate <n>', 'objects started per second at most', '100')
    .option('--checkpoint <file>', 'where progress is saved (Default: .tmp/restore/<bucket>-<hash>.json)')
    .option('--restart', 'ignore an existing checkpoint and start from the beginning');
  addRestoreTargetOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs restore --sandbox gs://sandbox-backup/sandbox-source/ s3://sandbox-restore/ --dry-run',
      's3gcs restore --sandbox gs://sandbox-backup/sandbox-source/ s3://sandbox-restore/ --as-of 2026-12-01T08:00Z',
      's3gcs restore gs://acme-backup/acme-data/ s3://acme-data-recovered/ --region eu-west-1 --gcs-credentials wif-config.json --json',
      "s3gcs restore gs://acme-backup/ s3://acme-data-recovered/ --source-bucket acme-data --include 'reports/**' --overwrite if-different",
      '(interrupted? run the same command again: it resumes from its checkpoint; objects already restored are recognised and left alone)',
    ]),
  );
  cmd.action((gsUrl: string, s3Url: string, opts: RestoreCliOptions) =>
    runCommandWith(
      ctx,
      opts,
      () => parseRestoreArgs(gsUrl, s3Url, opts),
      () => restoreClients(opts, ctx.io),
      async (out, clients, args) => {
        await checkBuckets(clients, args.from, args.to, args.asOf);
        const scope = scopeOf(args, opts);
        const pagesFrom = (position?: string): AsyncIterable<RestorePage> => nonEmpty(restorePages(clients.storage, args.from.bucket, args.from.prefix, args.asOf, position), args.from, position !== undefined);
        if (opts.dryRun) return dryRun(out, pagesFrom(), args.selection, args.from, args.to);

        const checkpointPath = opts.checkpoint ? resolve(ctx.io.cwd, opts.checkpoint) : defaultCheckpoint(ctx.io.cwd, args.to.bucket, scope);
        const checkpoint = loadCheckpoint(checkpointPath, scope, Boolean(opts.restart));
        if (checkpoint.done && checkpoint.failed.length === 0) {
          out.line(`${args.from.url} was already restored to ${args.to.url}; checkpoint ${checkpointPath}. Pass --restart to run it again.`);
          out.result({ ...header(args), checkpoint: checkpointPath, ...checkpoint.counts, done: true, alreadyComplete: true });
          return EXIT.OK;
        }
        if (checkpoint.position) out.note(`Resuming after ${checkpoint.position} (checkpoint ${checkpointPath})`);
        out.note(`Restoring ${args.from.url}${args.asOf ? ` as of ${args.asOf.toISOString()}` : ''} into ${args.to.url} (${clients.label}) …`);

        let stopRequested = false;
        const removeHandler = ctx.io.onInterrupt(() => {
          stopRequested = true;
          out.note('\nStopping after the objects in flight; the checkpoint keeps the place…');
        });
        const live = { restored: 0, failed: 0 };
        const bar = progressBar(out, 'restore', live, ' | restored {restored}, failed {failed}');
        let listed = 0;
        let result: 'done' | 'interrupted';
        const startedAt = Date.now();
        try {
          result = await runRestore(checkpoint.done ? emptyPages() : pagesFrom(checkpoint.position), checkpoint, {
            ctx: { s3: clients.s3, storage: clients.storage, gcsBucket: args.from.bucket, targetBucket: args.to.bucket, overwrite: args.overwrite },
            selection: args.selection,
            limiter: new RateLimiter(args.rate),
            concurrency: args.concurrency,
            checkpointPath,
            stopped: () => stopRequested,
            onListed: (n) => bar.setTotal((listed += n)),
            onDone: (kind) => {
              if (kind === 'restored') live.restored++;
              if (kind === 'failed') live.failed++;
              bar.increment(1, live);
            },
          });
        } catch (err) {
          if (err instanceof SeveralSourceBuckets) {
            throw usageError(`${err.message}: restoring them into one bucket could map two backups to one key`, `Choose one with --source-bucket ${err.buckets[0]} (the checkpoint keeps what was done).`);
          }
          throw fromServiceError(err, `restore ${args.from.url}`);
        } finally {
          bar.stop();
          removeHandler();
        }
        const ms = Date.now() - startedAt;
        printSummary(out, checkpoint, result, args.from.url, args.to.url, ms);
        out.line(`Checkpoint: ${checkpointPath}.`);
        out.result({
          ...header(args),
          checkpoint: checkpointPath,
          ...checkpoint.counts,
          done: result === 'done',
          durationMs: ms,
          failedObjects: checkpoint.failed,
          unprovenObjects: checkpoint.unproven,
          existsDifferentKeys: checkpoint.existsDifferent,
        });
        if (result === 'interrupted') return EXIT.INTERRUPTED;
        const c = checkpoint.counts;
        return c.failed > 0 || c.unproven > 0 || c.existsDifferent > 0 ? EXIT.PROBLEMS : EXIT.OK;
      },
    ),
  );
}

interface RestoreArgs {
  from: GcsLocation & { url: string };
  to: S3Location & { url: string };
  selection: RestoreSelection;
  asOf?: Date;
  overwrite: Overwrite;
  concurrency: number;
  rate: number;
}

function parseRestoreArgs(gsUrl: string, s3Url: string, opts: RestoreCliOptions): RestoreArgs {
  const from = parseGcsUrl(gsUrl);
  const to = parseS3Url(s3Url, { requireKey: false });
  if (opts.overwrite !== 'never' && opts.overwrite !== 'if-different') {
    throw usageError(`--overwrite must be never or if-different, got ${JSON.stringify(opts.overwrite)}`, 'Objects already identical are always left alone; if-different replaces the others.');
  }
  const globs = (patterns: string[], option: string) => {
    try {
      return patterns.length > 0 ? compileSkipRules(patterns) : undefined;
    } catch (err) {
      throw usageError(`${option}: ${(err as Error).message}`, "Use globs like 'reports/**' or '**/*.csv'.");
    }
  };
  const include = globs(opts.include, '--include');
  const exclude = globs(opts.exclude, '--exclude');
  const asOf = opts.asOf === undefined ? undefined : parseSince(opts.asOf, new Date(), '--as-of');
  return {
    from: { ...from, url: `gs://${from.bucket}/${from.prefix}` },
    to: { ...to, url: `s3://${to.bucket}/${to.key}` },
    selection: {
      gcsPrefix: from.prefix,
      targetPrefix: to.key,
      allowUnproven: Boolean(opts.allowUnproven),
      ...(opts.sourceBucket ? { sourceBucket: opts.sourceBucket } : {}),
      ...(include ? { include } : {}),
      ...(exclude ? { exclude } : {}),
    },
    ...(asOf ? { asOf } : {}),
    overwrite: opts.overwrite,
    concurrency: parsePositive(opts.concurrency, '--concurrency', { integer: true, max: 256 }),
    rate: parsePositive(opts.rate, '--rate'),
  };
}

/** Refuses, before reading a byte, a target bucket that is missing or not ours, a missing GCS bucket, and --as-of without versions. */
export async function checkBuckets(clients: RestoreClients, from: GcsLocation, to: S3Location, asOf: Date | undefined): Promise<void> {
  let state: Awaited<ReturnType<typeof targetBucketState>>;
  try {
    state = await targetBucketState(clients.s3, to.bucket);
  } catch (err) {
    throw fromServiceError(err, `HeadBucket s3://${to.bucket}`);
  }
  if (state === 'missing') {
    throw refused(`the target bucket s3://${to.bucket} does not exist`, `Restore never creates buckets: create it first (aws s3 mb s3://${to.bucket} --region REGION), then run this again.`);
  }
  if (state === 'denied') {
    throw refused(`no permission on the target bucket s3://${to.bucket} (HeadBucket: 403)`, 'The AWS credentials need s3:ListBucket, s3:GetObject, s3:PutObject (and s3:AbortMultipartUpload) on it; see docs/operations.md.');
  }
  let versioned: boolean;
  try {
    versioned = await bucketKeepsVersions(clients.storage, from.bucket);
  } catch (err) {
    const status = (err as { name?: string }).name;
    if (status === 'DestinationAccessDenied') throw refused(`no permission to read gs://${from.bucket}: ${(err as Error).message}`, 'The Google credentials need storage.buckets.get, storage.objects.list and storage.objects.get on it.');
    throw fromServiceError(err, `read gs://${from.bucket}`);
  }
  if (asOf && !versioned) {
    throw refused(
      `gs://${from.bucket} does not keep noncurrent generations (Object Versioning is off), so its backups as of ${asOf.toISOString()} cannot be restored`,
      'Drop --as-of to restore the current backups. To keep history from now on: gcloud storage buckets update gs://BUCKET --versioning (docs/deploy.md).',
    );
  }
}

/** A prefix with no backups at all is a mistake worth a clear error, not an empty success. */
async function* nonEmpty(pages: AsyncIterable<RestorePage>, from: GcsLocation, resuming: boolean): AsyncGenerator<RestorePage> {
  let any = resuming;
  for await (const page of pages) {
    any ||= page.backups.length > 0 || page.position !== undefined;
    yield page;
  }
  if (!any) {
    throw usageError(
      `there are no backups under gs://${from.bucket}/${from.prefix}`,
      'Backups are named <destination prefix><source bucket>/<key>: try gs://BUCKET/SOURCE-BUCKET/ (list them with: gcloud storage ls gs://BUCKET/).',
    );
  }
}

async function* emptyPages(): AsyncGenerator<RestorePage> {}

async function dryRun(out: Output, pages: AsyncIterable<RestorePage>, selection: RestoreSelection, from: { url: string }, to: { url: string }): Promise<number> {
  const c = { objects: 0, bytes: 0, unproven: 0, filtered: 0 };
  const sample: string[] = [];
  const unproven: { name: string; reason: string }[] = [];
  try {
    for await (const page of pages) {
      for (const backup of page.backups) {
        const planned = planRestore(backup, selection);
        if (planned.kind === 'filtered') c.filtered++;
        else if (planned.kind === 'unproven') {
          c.unproven++;
          if (unproven.length < 1000) unproven.push({ name: backup.name, reason: planned.reason });
        } else {
          c.objects++;
          c.bytes += backup.size;
          if (sample.length < 10) sample.push(planned.item.targetKey);
        }
      }
    }
  } catch (err) {
    throw fromServiceError(err, `list ${from.url}`);
  }
  out.line(`Dry run: ${c.objects} object(s), ${formatBytes(c.bytes)} from ${from.url} would be restored into ${to.url}.`);
  if (c.filtered > 0) out.line(`  left out by --source-bucket/--include/--exclude: ${c.filtered}`);
  if (c.unproven > 0) out.line(`  without provenance (skipped unless --allow-unproven): ${c.unproven}, e.g. ${unproven.slice(0, 5).map((u) => u.name).join(', ')}`);
  if (sample.length > 0) out.line(`  e.g. ${sample.join(', ')}${c.objects > sample.length ? ', …' : ''}`);
  out.result({ dryRun: true, source: from.url, target: to.url, ...c, sample, unprovenObjects: unproven });
  return EXIT.OK;
}

function printSummary(out: Output, cp: RestoreCheckpoint, result: 'done' | 'interrupted', from: string, to: string, ms: number): void {
  const c = cp.counts;
  out.line(`${result === 'done' ? 'Restored' : 'Interrupted restore of'} ${from} into ${to} (totals over all runs; this run ${formatDuration(ms)}):`);
  out.line(`  restored and verified: ${c.restored} (${formatBytes(c.bytes)})   already there: ${c.alreadyRestored}   failed: ${c.failed}`);
  out.line(`  without provenance, skipped: ${c.unproven}   other content at the key, left alone: ${c.existsDifferent}   filtered out: ${c.filtered}`);
  if (cp.failed.length > 0) {
    out.line(table(['GCS NAME', 'ERROR'], cp.failed.slice(0, 20).map((f) => [f.name, f.error])));
    out.line('Run the same command again to retry the failed objects first.');
  }
  if (cp.unproven.length > 0) {
    out.line(table(['UNPROVEN GCS NAME', 'WHY'], cp.unproven.slice(0, 20).map((u) => [u.name, u.reason])));
    out.line('Restore them by GCS name with --allow-unproven (checked against GCS\'s CRC32C only).');
  }
  if (cp.existsDifferent.length > 0) {
    out.line(`Keys left alone because they hold other content: ${cp.existsDifferent.slice(0, 10).join(', ')}${c.existsDifferent > 10 ? ', …' : ''} (--overwrite if-different replaces them)`);
  }
}

function header(args: RestoreArgs) {
  return { source: args.from.url, target: args.to.url, ...(args.asOf ? { asOf: args.asOf.toISOString() } : {}), overwrite: args.overwrite };
}

/** Everything that changes what is restored where: a checkpoint is reused only for the same. */
function scopeOf(args: RestoreArgs, opts: RestoreCliOptions): string {
  return JSON.stringify({
    from: args.from.url,
    to: args.to.url,
    asOf: args.asOf?.toISOString(),
    sourceBucket: opts.sourceBucket,
    include: opts.include,
    exclude: opts.exclude,
    overwrite: args.overwrite,
    allowUnproven: Boolean(opts.allowUnproven),
  });
}

function loadCheckpoint(path: string, scope: string, restart: boolean): RestoreCheckpoint {
  if (restart) return newRestoreCheckpoint(scope);
  let existing: RestoreCheckpoint | undefined;
  try {
    existing = readRestoreCheckpoint(path);
  } catch (err) {
    throw usageError(`cannot read the checkpoint ${path}: ${(err as Error).message}`, 'Pass --restart to start over, or --checkpoint another file.');
  }
  if (!existing) return newRestoreCheckpoint(scope);
  if (existing.scope !== scope) throw usageError(`the checkpoint ${path} is for another restore: ${existing.scope}`, 'Pass --checkpoint FILE for this restore, or --restart to overwrite it.');
  return existing;
}

function defaultCheckpoint(cwd: string, bucket: string, scope: string): string {
  const hash = createHash('sha256').update(scope).digest('hex').slice(0, 12);
  return join(cwd, '.tmp', 'restore', `${bucket}-${hash}.json`);
}
