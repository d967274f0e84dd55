import { badRequest, notFound } from './errors';
import type { StoredObject } from './store';

/**
 * Soft delete, as GCS documents it (https://cloud.google.com/storage/docs/soft-delete):
 * - a bucket's softDeletePolicy.retentionDurationSeconds is 0 (off) or 7 to 90 days;
 * - an object deleted OR overwritten enters a soft-deleted state for that duration: it is invisible to reads and
 *   normal listings, cannot be modified or permanently deleted by anyone, and can only be listed
 *   (`softDeleted=true`) or restored (objects.restore);
 * - changing or removing the policy affects only objects deleted afterwards: those already soft-deleted keep the
 *   duration in effect when they were deleted, so a bucket admin cannot purge them early either.
 * The emulator's buckets have no policy unless one is set (GCS gives new buckets 7 days by default).
 */

export const MIN_SOFT_DELETE_SECONDS = 7 * 24 * 3600;
export const MAX_SOFT_DELETE_SECONDS = 90 * 24 * 3600;

export interface SoftDeletePolicy {
  retentionDurationSeconds: number;
  effectiveTime: string;
}

/** A generation in the soft-deleted state, with the times GCS reports for it. */
export interface SoftDeletedObject extends StoredObject {
  softDeleteTime: string;
  hardDeleteTime: string;
}

/** The bucket resource's `softDeletePolicy` field as a client sends it → a policy, or 400. Undefined = no change. */
export function parseSoftDeletePolicy(value: unknown, now: Date): SoftDeletePolicy | undefined {
  if (value === undefined) return undefined;
  const raw = (value ?? {}) as { retentionDurationSeconds?: unknown };
  const seconds = Number(raw.retentionDurationSeconds ?? 0);
  if (!Number.isInteger(seconds) || (seconds !== 0 && (seconds < MIN_SOFT_DELETE_SECONDS || seconds > MAX_SOFT_DELETE_SECONDS))) {
    throw badRequest(
      `softDeletePolicy.retentionDurationSeconds must be 0 (off) or between ${MIN_SOFT_DELETE_SECONDS} and ${MAX_SOFT_DELETE_SECONDS} seconds, got ${JSON.stringify(raw.retentionDurationSeconds)}`,
    );
  }
  return { retentionDurationSeconds: seconds, effectiveTime: now.toISOString() };
}

export function softDeletePolicyResource(policy: SoftDeletePolicy | undefined): Record<string, unknown> {
  return policy ? { softDeletePolicy: { retentionDurationSeconds: String(policy.retentionDurationSeconds), effectiveTime: policy.effectiveTime } } : {};
}

/** One bucket's soft-deleted generations, by name. Expired ones are dropped (and their bytes released) when looked at. */
export class SoftDeletedObjects {
  private readonly byName = new Map<string, SoftDeletedObject[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Keeps `obj` (just deleted or overwritten) when `policy` is on; returns false when it is off, and the caller
   * releases the bytes.
   */
  keep(obj: StoredObject, policy: SoftDeletePolicy | undefined): boolean {
    if (!policy || policy.retentionDurationSeconds === 0) return false;
    const at = this.now();
    const kept = Object.assign(obj, {
      softDeleteTime: new Date(at).toISOString(),
      hardDeleteTime: new Date(at + policy.retentionDurationSeconds * 1000).toISOString(),
    });
    this.byName.set(obj.name, [...(this.byName.get(obj.name) ?? []), kept]);
    return true;
  }

  /** The soft-deleted generation, or 404 (also for one past its hard-delete time). */
  get(name: string, generation: string | null): SoftDeletedObject {
    if (!generation) throw badRequest('generation is required to read or restore a soft-deleted object');
    const found = this.live(name).find((o) => o.generation === generation);
    if (!found) throw notFound(`soft-deleted object '${name}' generation ${generation}`);
    return found;
  }

  /** Takes a generation out of the soft-deleted state (restore); its bytes now belong to the caller. */
  take(name: string, generation: string | null): SoftDeletedObject {
    const found = this.get(name, generation);
    this.byName.set(name, this.live(name).filter((o) => o !== found));
    return found;
  }

  /** Soft-deleted generations under `prefix`, in name then generation order (UTF-8 byte order of names). */
  list(prefix: string): SoftDeletedObject[] {
    const names = [...this.byName.keys()].filter((n) => n.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return names.flatMap((n) => this.live(n).sort((a, b) => (BigInt(a.generation) < BigInt(b.generation) ? -1 : 1)));
  }

  all(): SoftDeletedObject[] {
    return [...this.byName.values()].flat();
  }

  /** Drops (and releases) generations whose hard-delete time has passed: GCS deletes them permanently then. */
  private live(name: string): SoftDeletedObject[] {
    const now = this.now();
    const entries = this.byName.get(name) ?? [];
    const [alive, expired] = [entries.filter((o) => Date.parse(o.hardDeleteTime) > now), entries.filter((o) => Date.parse(o.hardDeleteTime) <= now)];
    for (const o of expired) o.content.dispose();
    if (alive.length === 0) this.byName.delete(name);
    else if (expired.length > 0) this.byName.set(name, alive);
    return alive;
  }
}
