import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { mapLimit, startReplay, waitForExecution } from '../sfn-ops';
import type { Target } from '../target';
import type { Difference } from './compare';
import { verifyScope, type VerifyScope } from './run-verify';

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
 * Replays each repairable difference, then runs the very check verify runs (verifyScope over the whole scope) once all
 * executions ended: an object counts as repaired only when that check finds nothing wrong with it. (A per-object
 * check — HeadObject plus the backup's metadata — once called objects repaired that the next verify still reported,
 * when the listing itself was at fault.) A replay is enough for every kind: the engine calls a destination
 * already-current only when its verified mark matches the bytes GCS holds, and otherwise checks it against the source
 * and replaces it (generation-guarded) when it differs.
 */
export async function repairDifferences(
  target: Target,
  scope: VerifyScope,
  differences: Difference[],
  opts: { concurrency: number; timeoutMs: number; onDone?: (r: RepairResult) => void },
): Promise<RepairResult[]> {
  const replays = await mapLimit(differences.filter((d) => d.repairable), opts.concurrency, async (diff) => {
    const result = await replayOne(target, scope, diff, opts.timeoutMs).catch((err: unknown): RepairResult => {
      if (err instanceof CliError && err.exitCode === EXIT.UNREACHABLE) throw err; // nothing more can work: stop
      return { key: diff.key, kind: diff.kind, status: 'NOT_STARTED', error: (err as Error).message };
    });
    opts.onDone?.(result);
    return result;
  });
  const after = await verifyScope(target.s3, target.storage(), scope);
  const remainingByKey = new Map(after.differences.map((d) => [d.key, d]));
  return replays.map((r) => {
    // Not checked again is not repaired: a replay that did not start or end leaves the difference as it was.
    const remaining = r.status === 'SUCCEEDED' ? remainingByKey.get(r.key) : (remainingByKey.get(r.key) ?? differences.find((d) => d.key === r.key));
    return remaining ? { ...r, remaining } : r;
  });
}

async function replayOne(target: Target, scope: VerifyScope, diff: Difference, timeoutMs: number): Promise<RepairResult> {
  const started = await startReplay(target, { bucket: scope.sourceBucket, key: diff.key });
  const described = await waitForExecution(target, started.executionArn, timeoutMs);
  const outcome = described.output ? (JSON.parse(described.output) as { outcome?: string }).outcome : undefined;
  return {
    key: diff.key,
    kind: diff.kind,
    executionArn: started.executionArn,
    status: described.status ?? 'UNKNOWN',
    ...(outcome ? { outcome } : {}),
    ...(described.error !== undefined ? { error: described.error } : {}),
  };
}
