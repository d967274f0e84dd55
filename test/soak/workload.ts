import type { FaultInstruction } from '../../workflows/local/gcs-emulator';
import type { GcsFaultShares, SoakProfile } from './profile';
import { Random } from './random';

/** What the soak does to one key: its versions, whether it is deleted, how its events are delivered, its GCS faults. */
export interface PlannedObject {
  index: number;
  /** The source bucket (keys repeat across buckets: sharedKeys). */
  bucket: string;
  key: string;
  /** Sizes of the versions written, in order (1 to 3). */
  sizes: number[];
  /** Delay before each overwrite, and before the delete. */
  changeDelaysMs: number[];
  deleted: boolean;
  /** Deleted only after the first backup run finished: its backup must be retained. */
  lateDelete: boolean;
  /** Every event held back until after the replays and the backfill, then delivered newest first. */
  lateEvents: boolean;
  /** Replayed with `s3gcs replay` after the first run. */
  replayed: boolean;
  /** The older version's event is delivered after the newer one's (only for overwritten keys). */
  reordered: boolean;
  /** The planned GCS fault (at most one kind per object), with the instructions queued for its destination name. */
  gcsFault?: { kind: keyof GcsFaultShares; instructions: FaultInstruction[] };
}

/** Key shapes that have bitten S3→GCS copiers: spaces and '+' (form-encoding), a literal '%2B', non-ASCII, depth. */
const NAME_SHAPES = [
  (i: number) => `object-${i}.bin`,
  (i: number) => `with space ${i}.bin`,
  (i: number) => `plus+sign+${i}.bin`,
  (i: number) => `percent%2Bliteral-${i}.bin`,
  (i: number) => `données-${i}.bin`,
  (i: number) => `日本語-${i}.bin`,
  (i: number) => `emoji-😀-${i}.bin`,
  (i: number) => `deep/nested/path/${i}.bin`,
];

/** The soak's source buckets: soak-source-a, soak-source-b, … */
export function sourceBuckets(profile: SoakProfile): string[] {
  return Array.from({ length: Math.max(2, profile.sourceBuckets) }, (_, i) => `soak-source-${String.fromCharCode(97 + i)}`);
}

/** `nameOf(bucket, key)`: the destination name faults are queued for (see naming.ts). */
export function planWorkload(profile: SoakProfile, seed: number | string, nameOf: (bucket: string, key: string) => string): PlannedObject[] {
  const rng = new Random(seed);
  const sizes = rng.fork('sizes');
  const shapes = rng.fork('scenarios');
  const faults = rng.fork('gcs-faults');
  const later = rng.fork('after-first-run');
  const buckets = sourceBuckets(profile);
  const plan: PlannedObject[] = [];
  for (let index = 0; index < profile.objects; index++) {
    // The two ends of the range are always there; so are two S3 multipart uploads: the largest object, and one just
    // over a part (on the large tier when routing puts it there).
    const first = index === 0 ? 0 : index === 1 ? profile.maxSizeBytes : index === 2 ? multipartJustOverAPart(profile) : sizeOf(profile, sizes);
    const versions = [first];
    // The two multipart objects are written once and kept: the faults that need their size meet their first copy.
    const pinned = index === 1 || index === 2;
    const overwritten = shapes.chance(profile.overwrite) && !pinned;
    if (overwritten) {
      versions.push(sizeOf(profile, sizes));
      if (shapes.chance(profile.secondOverwrite)) versions.push(sizeOf(profile, sizes));
    }
    const deleted = !overwritten && shapes.chance(profile.delete / (1 - profile.overwrite)) && !pinned;
    const changes = versions.length - 1 + (deleted ? 1 : 0);
    const changeDelaysMs = Array.from({ length: changes }, () => shapes.int(0, profile.changeDelayMaxMs));
    const reordered = overwritten && shapes.chance(profile.reorder);
    const lateEvents = overwritten && !reordered && later.chance(profile.lateEvents);
    const lateDelete = !overwritten && !deleted && later.chance(profile.lateDelete) && !pinned;
    const replayed = !deleted && !lateDelete && later.chance(profile.replay);
    const band = Math.max(0, profile.sizeBands.findIndex((b) => first <= b.upToBytes));
    const bucket = buckets[index % buckets.length]!;
    // A shared key: the previous object's key (in another bucket), written again with this object's own bytes.
    // Never a key the previous object itself took over: with 2 buckets, that key may already be in this one.
    const previous = plan.at(-1);
    const previousOwnKey = previous !== undefined && plan.at(-2)?.key !== previous.key;
    const shared = previous !== undefined && previousOwnKey && previous.bucket !== bucket && later.chance(profile.sharedKeys);
    const key = shared ? previous.key : `soak/band-${band}/${NAME_SHAPES[index % NAME_SHAPES.length]!(index)}`;
    const object: PlannedObject = { index, bucket, key, sizes: versions, changeDelaysMs, deleted, lateDelete, lateEvents, replayed, reordered };
    const gcsFault = planGcsFault(profile, faults, nameOf(bucket, key), first);
    // An outage object copied again in the second run would hold that run up through every tier's retries.
    if (gcsFault && (gcsFault.kind !== 'outage' || outsideSecondRun(object, buckets))) object.gcsFault = gcsFault;
    plan.push(object);
  }
  if (profile.coverEveryFault) coverEveryFault(profile, plan, faults, nameOf);
  return plan;
}

/** A short run draws few objects: make sure each planned GCS fault kind is there at least once. */
function coverEveryFault(profile: SoakProfile, plan: PlannedObject[], rng: Random, nameOf: (bucket: string, key: string) => string): void {
  const buckets = sourceBuckets(profile);
  // The kinds with the fewest objects they fit go first, so a roomier kind never takes their only object.
  const room = (kind: keyof GcsFaultShares): number => plan.filter((o) => fits(profile, kind, o.sizes[0]!)).length;
  const kinds = (Object.keys(profile.gcs) as (keyof GcsFaultShares)[]).sort((a, b) => room(a) - room(b));
  for (const kind of kinds) {
    if (profile.gcs[kind] <= 0 || plan.some((o) => o.gcsFault?.kind === kind)) continue;
    // Objects written once and never deleted: the fault meets the first copy, and nothing supersedes it.
    // An object whose fault kind is planned elsewhere too may give its place up.
    const spare = (o: PlannedObject): boolean => !o.gcsFault || plan.filter((x) => x.gcsFault?.kind === o.gcsFault!.kind).length > 1;
    const candidates = plan.filter(
      (o) => spare(o) && o.index > 0 && o.sizes.length === 1 && !o.deleted && fits(profile, kind, o.sizes[0]!) && (kind !== 'outage' || outsideSecondRun(o, buckets)),
    );
    if (candidates.length === 0) continue;
    const o = rng.pick(candidates);
    const fault = faultOfKind(profile, rng, kind, nameOf(o.bucket, o.key), o.sizes[0]!);
    if (fault) o.gcsFault = fault;
  }
}

/**
 * The second run (soak.ts) backfills the first bucket, replays late-event and chosen keys and deletes late-delete keys
 * (which needs their first backup done): the others stay out of it.
 */
export function outsideSecondRun(o: Pick<PlannedObject, 'bucket' | 'lateEvents' | 'replayed' | 'lateDelete'>, buckets: string[]): boolean {
  return o.bucket !== buckets[0] && !o.lateEvents && !o.replayed && !o.lateDelete;
}

/** Whether a fault kind can act on an object of this (first) size; faultOfKind plans nothing otherwise. */
export function fits(profile: SoakProfile, kind: keyof GcsFaultShares, size: number): boolean {
  switch (kind) {
    case 'crash':
    case 'crashAfterCommit':
      return size <= profile.routing.smallMaxBytes;
    case 'patch503':
      return size > profile.routing.smallMaxBytes;
    case 'corruptThenDelete503':
      // Multipart in S3 (no MD5 ETag, no checksum): GCS cannot refuse the corrupt bytes, only the copier can see them.
      return size > profile.multipartPartBytes;
    case 'corruptThenDeleteStall':
      // Also on a tier with a bigger one after it: the next attempt must finish before the dead one's delete lands.
      return size > profile.multipartPartBytes && size > profile.routing.smallMaxBytes && size <= profile.routing.largeMaxBytes;
    default:
      return size > 0 || kind !== 'brokenStream';
  }
}

function multipartJustOverAPart(profile: SoakProfile): number {
  return Math.min(profile.maxSizeBytes, profile.multipartPartBytes + 1024 * 1024);
}

/** The time budget of the tier that copies an object of this size first. */
function budgetOf(profile: SoakProfile, size: number): number {
  const tier = size <= profile.routing.smallMaxBytes ? 'small' : size <= profile.routing.largeMaxBytes ? 'large' : 'heavy';
  return profile.tiers[tier]?.timeBudgetMs ?? 60_000;
}

function sizeOf(profile: SoakProfile, rng: Random): number {
  let pick = rng.next();
  let lower = 1;
  for (const band of profile.sizeBands) {
    if (pick < band.share) return Math.min(profile.maxSizeBytes, rng.int(lower, band.upToBytes));
    pick -= band.share;
    lower = band.upToBytes + 1;
  }
  return rng.int(1, 16 * 1024);
}

function planGcsFault(profile: SoakProfile, rng: Random, objectName: string, firstSize: number): PlannedObject['gcsFault'] {
  const shares = profile.gcs;
  let pick = rng.next();
  for (const kind of Object.keys(shares) as (keyof GcsFaultShares)[]) {
    if (pick < shares[kind]) return faultOfKind(profile, rng, kind, objectName, firstSize);
    pick -= shares[kind];
  }
  return undefined;
}

function faultOfKind(profile: SoakProfile, rng: Random, kind: keyof GcsFaultShares, objectName: string, firstSize: number): PlannedObject['gcsFault'] {
  const insert = 'storage.objects.insert';
  const times = rng.int(1, 2);
  if (!fits(profile, kind, firstSize)) return undefined;
  const pastBudget = `stall-for-${Math.ceil(budgetOf(profile, firstSize) / 1000) + 4}s`;
  switch (kind) {
    case 'throttle429':
      return { kind, instructions: [{ operation: insert, fault: 'return-429', times, objectName }] };
    case 'unavailable503':
      return { kind, instructions: [{ operation: insert, fault: 'return-503', times, objectName }] };
    case 'readUnavailable503':
      return { kind, instructions: [{ operation: 'storage.objects.get', fault: 'return-503', times, objectName }] };
    case 'reset':
      return { kind, instructions: [{ operation: insert, fault: 'return-reset-connection', times: 1, objectName }] };
    case 'brokenStream': {
      const afterK = rng.int(0, Math.max(0, Math.floor(firstSize / 1024) - 1));
      return { kind, instructions: [{ operation: insert, fault: `return-broken-stream-after-${afterK}K`, times: 1, objectName }] };
    }
    case 'stall':
      return { kind, instructions: [{ operation: insert, fault: `stall-for-${profile.gcsStallSeconds}s`, times: 1, objectName }] };
    case 'corrupt':
      return { kind, instructions: [{ operation: insert, fault: 'corrupt-data', times: 1, objectName }] };
    case 'crash':
      // Only an attempt on the small tier is killed by its budget; larger objects start on tiers with more time.
      return { kind, instructions: [{ operation: insert, fault: pastBudget, times: 1, objectName }] };
    case 'outage':
      return { kind, instructions: [{ operation: insert, fault: 'return-503', times: 100_000, objectName }] };
    case 'lostResponse':
      return { kind, instructions: [{ operation: insert, fault: 'return-reset-connection-after-commit', times: 1, objectName }] };
    case 'crashAfterCommit':
      return { kind, instructions: [{ operation: insert, fault: `${pastBudget}-after-commit`, times: 1, objectName }] };
    case 'patch503':
      return { kind, instructions: [{ operation: 'storage.objects.patch', fault: 'return-503', times: 4, objectName }] };
    case 'corruptThenDelete503':
      return {
        kind,
        instructions: [
          { operation: insert, fault: 'corrupt-data', times: 1, objectName },
          { operation: 'storage.objects.delete', fault: 'return-503', times: 4, objectName },
        ],
      };
    case 'corruptThenDeleteStall':
      return {
        kind,
        instructions: [
          { operation: insert, fault: 'corrupt-data', times: 1, objectName },
          { operation: 'storage.objects.delete', fault: pastBudget, times: 1, objectName },
        ],
      };
  }
}
