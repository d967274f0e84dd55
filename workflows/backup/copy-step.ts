import type { CopyContext } from '../copy/engine';
import type { CopyOutcome, CopyRequest, TierName } from '../copy/types';
import { publishBenignEnding, type MetricsSink } from '../metrics';
import { InvalidInput, TierCapacityExceeded } from './errors';
import type { BackupEvent } from './normalize';

/** The engine entry points a copier uses (workflows/copy/engine.ts; injectable for tests). */
export interface CopyEngine {
  copyObject(req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome>;
  deleteBackup(req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome>;
}

/**
 * What the small and large copy Lambdas, the heavy task and the delete step do with one normalized event:
 * copy it, or (action delete; the ASL only gets here under the mirror policy) delete its backup copy.
 * Named errors propagate untouched: their names are what the ASL's Retry/Catch match. With a metrics `sink` (the
 * Lambdas and the heavy task), a SourceNotFound or SourceChanged is also counted as SourceGone or Superseded
 * (workflows/metrics.ts publishBenignEnding), before it is rethrown.
 */
export async function runCopyStep(event: BackupEvent, ctx: CopyContext, engine: CopyEngine, sink?: MetricsSink): Promise<CopyOutcome> {
  const req = copyRequestOf(event);
  try {
    return await (event.action === 'delete' ? engine.deleteBackup(req, ctx) : engine.copyObject(req, ctx));
  } catch (err) {
    // The ASL ends these SUCCEEDED (source-gone, superseded) without an alert: the metric is what an operator can alarm on.
    if (sink) publishBenignEnding(err, event, sink);
    throw err;
  }
}

/** The Lambda payload / COPY_REQUEST: the normalized event from "Normalize the event". */
export function parseBackupEvent(payload: unknown): BackupEvent {
  const e = payload as Partial<BackupEvent> | null;
  if (typeof e !== 'object' || e === null) throw new InvalidInput(`Copy request must be a JSON object, got ${JSON.stringify(payload)}`);
  const problems = [
    typeof e.bucket !== 'string' || e.bucket === '' ? 'bucket (non-empty string)' : undefined,
    typeof e.key !== 'string' || e.key === '' ? 'key (non-empty string)' : undefined,
    e.action !== 'copy' && e.action !== 'delete' ? "action ('copy' or 'delete')" : undefined,
    e.size !== undefined && (!Number.isSafeInteger(e.size) || e.size < 0) ? 'size (non-negative integer)' : undefined,
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new InvalidInput(`Copy request is missing or has invalid ${problems.join(', ')}; expected the event from "Normalize the event"`);
  }
  return e as BackupEvent;
}

function copyRequestOf(event: BackupEvent): CopyRequest {
  const { bucket, key, versionId, etag, sequencer, size, keyAlternative } = event;
  return Object.fromEntries(
    Object.entries({ bucket, key, versionId, etag, sequencer, size, keyAlternative }).filter(([, v]) => v !== undefined),
  ) as unknown as CopyRequest;
}

/**
 * An AbortSignal that stops the copy `marginMs` before the runtime would kill it, with TierCapacityExceeded as the
 * reason (the engine rethrows the reason), so running out of time escalates as a clean, named failure.
 */
export function tierDeadline(tier: TierName, remainingMs: number | undefined, marginMs = 10_000): AbortSignal | undefined {
  if (!remainingMs || remainingMs <= 0) return undefined;
  const budget = Math.max(remainingMs - marginMs, 1_000);
  const controller = new AbortController();
  setTimeout(
    () => controller.abort(new TierCapacityExceeded(`The ${tier} copier stopped after ${budget} ms, before its time limit; a bigger tier takes over.`)),
    budget,
  ).unref();
  return controller.signal;
}
