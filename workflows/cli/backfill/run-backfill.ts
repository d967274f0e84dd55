import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { backfillExecutionName } from '../../backup/execution-name';
import { CliError, fromServiceError } from '../errors';
import { EXIT } from '../exit-codes';
import { mapLimit } from '../sfn-ops';
import type { Target } from '../target';
import type { SourceEntry } from '../verify/compare';

/** One object version to back up (versionId from an inventory of a versioned bucket). */
export interface BackfillObject extends SourceEntry {
  versionId?: string;
}
import { writeCheckpoint, type Checkpoint } from './checkpoint';
import type { RateLimiter } from './rate-limiter';

/** A page of objects to back up and the position to record once all of them were started. */
export interface BackfillPage {
  bucket: string;
  objects: BackfillObject[];
  position: string;
}

export type StartOutcome = 'started' | 'already-exists' | 'failed';

export interface BackfillDeps {
  target: Target;
  limiter: RateLimiter;
  concurrency: number;
  checkpointPath: string;
  /** Set by Ctrl-C: finish the in-flight starts, save the checkpoint, stop. */
  stopped: () => boolean;
  onPage?: (page: BackfillPage) => void;
  onStart?: (key: string, outcome: StartOutcome) => void;
}

/**
 * Starts one execution per object with the minimal manual input and a deterministic backfill name, page by page under
 * the rate limit; after each page the checkpoint moves past it. Failed starts are remembered and retried first on the
 * next run; names dedupe anything started twice (a page cut short by Ctrl-C, a re-run).
 */
export async function runBackfill(pages: AsyncIterable<BackfillPage>, checkpoint: Checkpoint, deps: BackfillDeps): Promise<'done' | 'interrupted'> {
  const retry = checkpoint.failed.splice(0);
  if (retry.length > 0) {
    checkpoint.counts.failed -= retry.length;
    for (const bucket of new Set(retry.map((f) => f.bucket))) {
      const objects = retry.filter((f) => f.bucket === bucket).map((f) => ({ key: f.key, etag: f.etag, size: 0, ...(f.versionId ? { versionId: f.versionId } : {}) }));
      await startAll(bucket, objects, checkpoint, deps);
    }
    writeCheckpoint(deps.checkpointPath, checkpoint);
  }
  for await (const page of pages) {
    if (deps.stopped()) return 'interrupted';
    deps.onPage?.(page);
    checkpoint.counts.listed += page.objects.length;
    await startAll(page.bucket, page.objects, checkpoint, deps);
    if (deps.stopped()) {
      // The page may be incomplete: keep the previous position (its started objects dedupe on resume).
      checkpoint.counts.listed -= page.objects.length;
      writeCheckpoint(deps.checkpointPath, checkpoint);
      return 'interrupted';
    }
    checkpoint.position = page.position;
    writeCheckpoint(deps.checkpointPath, checkpoint);
  }
  checkpoint.done = true;
  writeCheckpoint(deps.checkpointPath, checkpoint);
  return 'done';
}

async function startAll(bucket: string, objects: BackfillObject[], checkpoint: Checkpoint, deps: BackfillDeps): Promise<void> {
  await mapLimit(objects, deps.concurrency, async (object) => {
    if (deps.stopped()) return;
    await deps.limiter.acquire();
    const outcome = await startOne(deps.target, bucket, object);
    if (outcome === 'started') checkpoint.counts.started++;
    else if (outcome === 'already-exists') checkpoint.counts.alreadyExists++;
    else {
      checkpoint.counts.failed++;
      checkpoint.failed.push({ bucket, key: object.key, etag: object.etag, ...(object.versionId ? { versionId: object.versionId } : {}), error: outcome.error });
    }
    deps.onStart?.(object.key, typeof outcome === 'string' ? outcome : 'failed');
  });
}

async function startOne(target: Target, bucket: string, object: BackfillObject): Promise<'started' | 'already-exists' | { error: string }> {
  const version = object.versionId ? { versionId: object.versionId } : {};
  const name = backfillExecutionName({ bucket, key: object.key, etag: object.etag, ...version });
  // The minimal manual input (what a person would type): the workflow describes the object itself.
  const input = JSON.stringify({ bucket, key: object.key, ...version });
  try {
    await target.sfn.send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input }));
    return 'started';
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') return 'already-exists';
    const cliError = fromServiceError(err, `StartExecution ${name}`);
    // Unreachable or no credentials: every other start would fail the same way; stop (the checkpoint keeps the place).
    if (cliError.exitCode === EXIT.UNREACHABLE) throw cliError;
    return { error: cliError instanceof CliError ? cliError.message : String(err) };
  }
}
