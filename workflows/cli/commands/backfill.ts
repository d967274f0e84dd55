import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { chooseTier } from '../../backup/routing';
import { SANDBOX_ROUTING } from '../../local/sandbox/sandbox';
import { newCheckpoint, readCheckpoint, type Checkpoint } from '../backfill/checkpoint';
import { RateLimiter } from '../backfill/rate-limiter';
import { runBackfill, type BackfillPage } from '../backfill/run-backfill';
import { listingPages, manifestPages } from '../backfill/sources';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { fromServiceError, usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatBytes, table, type Output } from '../io';
import { progressBar } from '../progress';
import { parseS3Url, type S3Location } from '../s3-url';
import type { Target } from '../target';
import { formatDuration, parsePositive } from '../time-window';
import { displayText } from '../safe-text';

interface BackfillOptions extends CommonOptions {
  dryRun?: boolean;
  rate: string;
  concurrency: string;
  checkpoint?: string;
  restart?: boolean;
  manifest?: string;
  distributed?: boolean;
  backfillStateMachineArn?: string;
}

/** StartExecution's sustained quota is 300/s (150/s in smaller regions); stay well below it by default. */
const DEFAULT_RATE = '50';
const MAX_RATE = 300;

/** `s3gcs backfill`: back up objects that existed before the stage was deployed. */
export function registerBackfill(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('backfill')
    .description('start one backup execution per existing object (ListObjectsV2 or an S3 Inventory), rate-limited and resumable')
    .argument('<s3-url>', 's3://bucket or s3://bucket/prefix/')
    .option('--dry-run', 'list and count what would be started (objects, bytes, tiers), start nothing')
    .option('--rate <n>', `StartExecution calls per second (at most ${MAX_RATE}, the quota's refill rate in the big regions)`, DEFAULT_RATE)
    .option('--concurrency <n>', 'StartExecution calls in flight', '8')
    .option('--checkpoint <file>', 'where progress is saved (Default: .tmp/backfill/<bucket>-<hash>.json)')
    .option('--restart', 'ignore an existing checkpoint and start from the beginning')
    .option('--manifest <s3-url>', "read the objects from an S3 Inventory report's manifest.json (CSV) instead of listing")
    .option('--distributed', "AWS only: start the stage's backfill state machine (asl/backfill.asl.json, a Distributed Map) and return")
    .option('--backfill-state-machine-arn <arn>', 'with --distributed (Default: stack output BackfillStateMachineArn, $S3GCS_BACKFILL_STATE_MACHINE_ARN)');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs backfill --sandbox s3://sandbox-source --dry-run',
      's3gcs backfill --stack-outputs outputs.json s3://acme-data/reports/ --rate 100',
      's3gcs backfill --stack-outputs outputs.json s3://acme-data --manifest s3://acme-inventory/acme-data/daily/2026-11-20T01-00Z/manifest.json',
      's3gcs backfill --stack-outputs outputs.json s3://acme-data --distributed --concurrency 500   # billions of objects: a Distributed Map',
      '(interrupted? run the same command again: it resumes from its checkpoint; objects already started are deduped by name)',
    ]),
  );
  cmd.action((url: string, opts: BackfillOptions) =>
    runCommand(
      ctx,
      opts,
      () => ({
        ...checkDistributed(opts),
        loc: parseS3Url(url, { requireKey: false }),
        manifest: opts.manifest ? parseS3Url(opts.manifest, { requireKey: true }) : undefined,
        rate: parsePositive(opts.rate, '--rate', { max: MAX_RATE }),
        concurrency: parsePositive(opts.concurrency, '--concurrency', { integer: true, max: 256 }),
      }),
      async (out, target, { loc, manifest, rate, concurrency }) => {
        const scope = manifest ? `s3://${manifest.bucket}/${manifest.key}` : `s3://${loc.bucket}/${loc.key}`;
        const pagesFrom = (position?: string): AsyncIterable<BackfillPage> =>
          manifest ? onlyBucket(manifestPages(target.s3, manifest, loc.key, position), loc.bucket) : listingPages(target.s3, loc, position);
        if (opts.dryRun) return dryRun(out, target, pagesFrom(), scope, rate);
        if (opts.distributed) return startDistributed(out, target, loc, concurrency, opts.backfillStateMachineArn);

        const checkpointPath = opts.checkpoint ? resolve(ctx.io.cwd, opts.checkpoint) : defaultCheckpoint(ctx.io.cwd, target.stateMachineArn, scope);
        const checkpoint = loadCheckpoint(checkpointPath, target, scope, Boolean(opts.restart));
        if (checkpoint.done) {
          out.line(`${displayText(scope)} was already backfilled (${checkpoint.counts.started} started); checkpoint ${checkpointPath}. Pass --restart to run it again.`);
          out.result({ scope, checkpoint: checkpointPath, ...checkpoint.counts, done: true, alreadyComplete: true });
          return EXIT.OK;
        }
        if (checkpoint.position) out.note(`Resuming after ${displayText(checkpoint.position)} (checkpoint ${checkpointPath})`);

        let stopRequested = false;
        const removeHandler = ctx.io.onInterrupt(() => {
          stopRequested = true;
          out.note('\nStopping after the starts in flight; the checkpoint keeps the place…');
        });
        const counts = { started: 0, alreadyExists: 0, failed: 0 };
        const bar = progressBar(out, 'backfill', counts, ' | started {started}, existed {alreadyExists}, failed {failed}');
        let listed = 0;
        let result: 'done' | 'interrupted';
        const startedAt = Date.now();
        try {
          result = await runBackfill(pagesFrom(checkpoint.position), checkpoint, {
            target,
            limiter: new RateLimiter(rate),
            concurrency,
            checkpointPath,
            stopped: () => stopRequested,
            onPage: (page) => bar.setTotal((listed += page.objects.length)),
            onStart: (_key, outcome) => {
              if (outcome === 'started') counts.started++;
              else if (outcome === 'already-exists') counts.alreadyExists++;
              else counts.failed++;
              bar.increment(1, counts);
            },
          });
        } finally {
          bar.stop();
          removeHandler();
        }
        const c = checkpoint.counts;
        const summary = `${c.started} started, ${c.alreadyExists} already started before (deduped), ${c.failed} failed`;
        out.line(`${result === 'done' ? 'Backfill of' : 'Interrupted backfill of'} ${displayText(scope)}: ${summary} in ${formatDuration(Date.now() - startedAt)} (totals over all runs).`);
        if (checkpoint.failed.length > 0) {
          out.line(table(['KEY', 'ERROR'], checkpoint.failed.slice(0, 20).map((f) => [f.key, f.error])));
          out.line('Run the same command again to retry the failed starts first.');
        }
        out.line(`Checkpoint: ${checkpointPath}. Follow the executions with: s3gcs executions (same target options).`);
        out.result({ scope, checkpoint: checkpointPath, ...c, done: result === 'done', failedObjects: checkpoint.failed });
        if (result === 'interrupted') return EXIT.INTERRUPTED;
        return checkpoint.failed.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
      },
    ),
  );
}

function checkDistributed(opts: BackfillOptions): Record<string, never> {
  if (opts.distributed && opts.manifest) {
    throw usageError('--distributed lists the bucket itself; it does not read --manifest', 'Drop --manifest, or drop --distributed to read the inventory with the CLI.');
  }
  if (opts.backfillStateMachineArn && !opts.distributed) throw usageError('--backfill-state-machine-arn needs --distributed', 'Add --distributed.');
  return {};
}

/** Hands the whole walk to the stage's Distributed Map: one StartExecution here, the rest runs in AWS. */
async function startDistributed(out: Output, target: Target, loc: S3Location, concurrency: number, arnOption: string | undefined): Promise<number> {
  if (target.kind === 'sandbox') {
    throw usageError('--distributed runs in AWS only: the local interpreter cannot read a Distributed Map\'s ItemReader', 'In the sandbox, run the same command without --distributed.');
  }
  const stateMachineArn = arnOption ?? target.backfillStateMachineArn;
  if (!stateMachineArn) {
    throw usageError('no backfill state machine is known for this stage', 'Pass --backfill-state-machine-arn ARN, or deploy it and use --stack-outputs (output BackfillStateMachineArn).');
  }
  const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[^0-9TZ]/g, '');
  const name = `backfill-run-${loc.bucket.slice(0, 40)}-${stamp}`;
  const input = { bucket: loc.bucket, prefix: loc.key, maxConcurrency: concurrency };
  let executionArn: string;
  try {
    executionArn = (await target.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }))).executionArn!;
  } catch (err) {
    throw fromServiceError(err, `StartExecution on ${stateMachineArn}`);
  }
  out.line(`Started the distributed backfill of ${displayText(`s3://${loc.bucket}/${loc.key}`)}: ${name}`);
  out.line(`  execution: ${executionArn}`);
  out.line(`  console:   ${target.consoleUrl(executionArn)}`);
  out.line('Each listed object gets its own backup-object execution; follow them with: s3gcs executions (same target options).');
  out.result({ distributed: true, executionArn, name, input, consoleUrl: target.consoleUrl(executionArn) });
  return EXIT.OK;
}

async function dryRun(out: Output, target: Target, pages: AsyncIterable<BackfillPage>, scope: string, rate: number): Promise<number> {
  const routing = target.kind === 'sandbox' ? SANDBOX_ROUTING : undefined;
  const tiers = { small: 0, large: 0, heavy: 0 };
  let objects = 0;
  let bytes = 0;
  const sample: string[] = [];
  for await (const page of pages) {
    for (const o of page.objects) {
      objects++;
      bytes += o.size;
      if (routing) tiers[chooseTier(o.size, routing)]++;
      if (sample.length < 10) sample.push(o.key);
    }
  }
  const seconds = objects / rate;
  out.line(`Dry run: ${objects} object(s), ${formatBytes(bytes)} under ${displayText(scope)} would each get an execution.`);
  if (routing) out.line(`  first tier by size: small ${tiers.small}, large ${tiers.large}, heavy ${tiers.heavy}`);
  out.line(`  starting them at ${rate}/s takes about ${formatDuration(seconds * 1000)}`);
  if (sample.length > 0) out.line(`  e.g. ${sample.map(displayText).join(', ')}${objects > sample.length ? ', …' : ''}`);
  out.result({ dryRun: true, scope, objects, bytes, ...(routing ? { tiers } : {}), estimatedSeconds: Math.ceil(seconds), sample });
  return EXIT.OK;
}

function loadCheckpoint(path: string, target: Target, scope: string, restart: boolean): Checkpoint {
  if (restart) return newCheckpoint(target.stateMachineArn, scope);
  let existing: Checkpoint | undefined;
  try {
    existing = readCheckpoint(path);
  } catch (err) {
    throw usageError(`cannot read the checkpoint ${path}: ${(err as Error).message}`, 'Pass --restart to start over, or --checkpoint another file.');
  }
  if (!existing) return newCheckpoint(target.stateMachineArn, scope);
  if (existing.scope !== scope || existing.stateMachineArn !== target.stateMachineArn) {
    throw usageError(`the checkpoint ${path} is for ${existing.scope} on ${existing.stateMachineArn}`, 'Pass --checkpoint FILE for this backfill, or --restart to overwrite it.');
  }
  return existing;
}

function defaultCheckpoint(cwd: string, stateMachineArn: string, scope: string): string {
  const bucket = /^s3:\/\/([^/]+)/.exec(scope)?.[1] ?? 'scope';
  const hash = createHash('sha256').update(`${stateMachineArn}\n${scope}`).digest('hex').slice(0, 12);
  return join(cwd, '.tmp', 'backfill', `${bucket}-${hash}.json`);
}

/** An inventory lists one bucket; refuse a mismatch rather than back up the wrong one. */
async function* onlyBucket(pages: AsyncIterable<BackfillPage>, bucket: string): AsyncGenerator<BackfillPage> {
  for await (const page of pages) {
    if (page.bucket !== bucket) throw usageError(`the inventory is of s3://${page.bucket}, not s3://${bucket}`, `Run: s3gcs backfill s3://${page.bucket} --manifest …`);
    yield page;
  }
}
