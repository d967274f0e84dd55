import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { httpStatusOf } from '../../backup/classify-error';
import { CliError, fromServiceError } from '../errors';
import { EXIT } from '../exit-codes';
import { mapLimit, startReplay, waitForExecution } from '../sfn-ops';
import type { Target } from '../target';
import { compareObject, destinationEntry, namingOf, type Difference } from './compare';
import type { VerifyScope } from './run-verify';

export interface RepairResult {
  key: string;
  kind: Difference['kind'];
  executionArn?: string;
  status: string;
  outcome?: string;
  error?: string;
  /** The difference that remains after the repair, if any. */
  remaining?: Difference;
}

/**
 * Replays each repairable difference and checks the object again once its execution ended. A replay is enough for
 * every kind: the engine calls a destination already-current only when its verified mark matches the bytes GCS holds,
 * and otherwise checks it against the source and replaces it (generation-guarded) when it differs.
 */
export async function repairDifferences(
  target: Target,
  scope: VerifyScope,
  differences: Difference[],
  opts: { concurrency: number; timeoutMs: number; onDone?: (r: RepairResult) => void },
): Promise<RepairResult[]> {
  return mapLimit(differences.filter((d) => d.repairable), opts.concurrency, async (diff) => {
    const result = await repairOne(target, scope, diff, opts.timeoutMs).catch((err: unknown): RepairResult => {
      if (err instanceof CliError && err.exitCode === EXIT.UNREACHABLE) throw err; // nothing more can work: stop
      return { key: diff.key, kind: diff.kind, status: 'NOT_STARTED', error: (err as Error).message };
    });
    opts.onDone?.(result);
    return result;
  });
}

async function repairOne(target: Target, scope: VerifyScope, diff: Difference, timeoutMs: number): Promise<RepairResult> {
  const started = await startReplay(target, { bucket: scope.sourceBucket, key: diff.key });
  const described = await waitForExecution(target, started.executionArn, timeoutMs);
  const outcome = described.output ? (JSON.parse(described.output) as { outcome?: string }).outcome : undefined;
  const remaining = await recheck(target, scope, diff.key);
  return {
    key: diff.key,
    kind: diff.kind,
    executionArn: started.executionArn,
    status: described.status ?? 'UNKNOWN',
    ...(outcome ? { outcome } : {}),
    ...(described.error !== undefined ? { error: described.error } : {}),
    ...(remaining ? { remaining } : {}),
  };
}

/** Compares one object again (HeadObject + GCS metadata). */
async function recheck(target: Target, scope: VerifyScope, key: string): Promise<Difference | undefined> {
  const head = await target.s3.send(new HeadObjectCommand({ Bucket: scope.sourceBucket, Key: key })).catch((err: unknown) => {
    if (httpStatusOf(err) === 404) return undefined;
    throw fromServiceError(err, `HeadObject s3://${scope.sourceBucket}/${key}`);
  });
  if (!head) return undefined; // deleted at the source meanwhile: nothing left to compare
  const naming = namingOf(scope.destination, scope.sourceBucket, key);
  const source = { key, size: Number(head.ContentLength ?? 0), etag: (head.ETag ?? '').replace(/"/g, '') };
  if ('invalid' in naming) return compareObject(scope.sourceBucket, source, naming, undefined);
  const file = target.storage().bucket(scope.destination.bucket).file(naming.name);
  const [exists] = await file.exists();
  const dest = exists ? destinationEntry((await file.getMetadata())[0] as Record<string, unknown>) : undefined;
  return compareObject(scope.sourceBucket, source, naming, dest);
}
