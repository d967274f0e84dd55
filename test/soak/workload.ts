import type { FaultInstruction } from '../../workflows/local/gcs-emulator';
import type { GcsFaultShares, SoakProfile } from './profile';
import { Random } from './random';

/** What the soak does to one key: its versions, whether it is deleted, how its events are delivered, its GCS faults. */
export interface PlannedObject {
  index: number;
  key: string;
  /** Sizes of the versions written, in order (1 to 3). */
  sizes: number[];
  /** Delay before each overwrite, and before the delete. */
  changeDelaysMs: number[];
  deleted: boolean;
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

/** `nameOf` is the GCS name a key's backup gets (faults are planned on names). */
export function planWorkload(profile: SoakProfile, seed: number | string, nameOf: (key: string) => string): PlannedObject[] {
  const rng = new Random(seed);
  const sizes = rng.fork('sizes');
  const shapes = rng.fork('scenarios');
  const faults = rng.fork('gcs-faults');
  const plan: PlannedObject[] = [];
  for (let index = 0; index < profile.objects; index++) {
    // The two ends of the range are always there.
    const first = index === 0 ? 0 : index === 1 ? profile.maxSizeBytes : sizeOf(profile, sizes);
    const versions = [first];
    const overwritten = shapes.chance(profile.overwrite);
    if (overwritten) {
      versions.push(sizeOf(profile, sizes));
      if (shapes.chance(profile.secondOverwrite)) versions.push(sizeOf(profile, sizes));
    }
    const deleted = !overwritten && shapes.chance(profile.delete / (1 - profile.overwrite));
    const changes = versions.length - 1 + (deleted ? 1 : 0);
    const changeDelaysMs = Array.from({ length: changes }, () => shapes.int(0, profile.changeDelayMaxMs));
    const reordered = overwritten && shapes.chance(profile.reorder);
    const band = Math.max(0, profile.sizeBands.findIndex((b) => first <= b.upToBytes));
    const key = `soak/band-${band}/${NAME_SHAPES[index % NAME_SHAPES.length]!(index)}`;
    const object: PlannedObject = { index, key, sizes: versions, changeDelaysMs, deleted, reordered };
    const gcsFault = planGcsFault(profile, faults, nameOf(key), first);
    if (gcsFault) object.gcsFault = gcsFault;
    plan.push(object);
  }
  if (profile.coverEveryFault) coverEveryFault(profile, plan, faults, nameOf);
  return plan;
}

/** A short run draws few objects: make sure each planned GCS fault kind is there at least once. */
function coverEveryFault(profile: SoakProfile, plan: PlannedObject[], rng: Random, nameOf: (key: string) => string): void {
  for (const kind of Object.keys(profile.gcs) as (keyof GcsFaultShares)[]) {
    if (profile.gcs[kind] <= 0 || plan.some((o) => o.gcsFault?.kind === kind)) continue;
    const candidates = plan.filter((o) => !o.gcsFault && o.index > 1 && (kind !== 'crash' || o.sizes[0]! <= profile.routing.smallMaxBytes));
    if (candidates.length === 0) continue;
    const o = rng.pick(candidates);
    const fault = faultOfKind(profile, rng, kind, nameOf(o.key), o.sizes[0]!);
    if (fault) o.gcsFault = fault;
  }
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
  const smallBudgetMs = profile.tiers.small?.timeBudgetMs ?? 60_000;
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
      if (firstSize > profile.routing.smallMaxBytes) return undefined;
      return { kind, instructions: [{ operation: insert, fault: `stall-for-${Math.ceil(smallBudgetMs / 1000) + 4}s`, times: 1, objectName }] };
    case 'outage':
      return { kind, instructions: [{ operation: insert, fault: 'return-503', times: 100_000, objectName }] };
  }
}
