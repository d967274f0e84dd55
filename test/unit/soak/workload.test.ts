import { FULL_PROFILE, SHORT_PROFILE } from '../../soak/profile';
import { expectedDestinationName, sourceId } from '../../soak/naming';
import { fits, outsideSecondRun, planWorkload, sourceBuckets } from '../../soak/workload';

const nameOf = (bucket: string, key: string): string => expectedDestinationName('mirror/', bucket, key);

describe('planWorkload', () => {
  it('expect the same seed to plan the same soak, and another seed another one', () => {
    expect(planWorkload(SHORT_PROFILE, 'a', nameOf)).toEqual(planWorkload(SHORT_PROFILE, 'a', nameOf));
    expect(planWorkload(SHORT_PROFILE, 'b', nameOf)).not.toEqual(planWorkload(SHORT_PROFILE, 'a', nameOf));
  });

  it.each([SHORT_PROFILE, FULL_PROFILE])('expect $name: sizes from 0 B to exactly the maximum, unique source objects, keys shared across buckets', (profile) => {
    const plan = planWorkload(profile, 1, nameOf);
    const sizes = plan.flatMap((o) => o.sizes);
    expect(plan).toHaveLength(profile.objects);
    expect(Math.min(...sizes)).toBe(0);
    expect(Math.max(...sizes)).toBe(profile.maxSizeBytes);
    expect(new Set(plan.map((o) => sourceId(o.bucket, o.key))).size).toBe(plan.length);
    expect(new Set(plan.map((o) => o.bucket)).size).toBeGreaterThanOrEqual(2);
    const buckets = new Map<string, Set<string>>();
    for (const o of plan) buckets.set(o.key, (buckets.get(o.key) ?? new Set()).add(o.bucket));
    expect([...buckets.values()].filter((b) => b.size > 1).length).toBeGreaterThan(plan.length * profile.sharedKeys * 0.2);
  });

  it('expect overwrites, deletes (during and after the first run), late events, replays and reordered keys near their shares', () => {
    const plan = planWorkload(FULL_PROFILE, 2, nameOf);
    const share = (n: number): number => n / plan.length;
    expect(share(plan.filter((o) => o.sizes.length > 1).length)).toBeGreaterThan(FULL_PROFILE.overwrite * 0.6);
    expect(share(plan.filter((o) => o.deleted).length)).toBeGreaterThan(FULL_PROFILE.delete * 0.5);
    expect(share(plan.filter((o) => o.lateDelete).length)).toBeGreaterThan(FULL_PROFILE.lateDelete * 0.5);
    expect(plan.every((o) => !(o.deleted && o.lateDelete))).toBe(true);
    expect(plan.some((o) => o.lateEvents)).toBe(true);
    expect(plan.every((o) => !o.lateEvents || (o.sizes.length > 1 && !o.reordered))).toBe(true);
    expect(plan.some((o) => o.replayed)).toBe(true);
    expect(plan.some((o) => o.reordered && o.sizes.length > 1)).toBe(true);
    expect(plan.every((o) => !o.reordered || o.sizes.length > 1)).toBe(true);
    expect(plan.every((o) => o.changeDelaysMs.length === o.sizes.length - 1 + (o.deleted ? 1 : 0))).toBe(true);
  });

  it.each(['1', '2', '3', '42', '20261122'])('expect seed %s of the short soak to plan every GCS fault kind, on its destination name, where it can act', (seed) => {
    const plan = planWorkload(SHORT_PROFILE, seed, nameOf);
    const kinds = new Set(plan.map((o) => o.gcsFault?.kind).filter(Boolean));
    expect([...kinds].sort()).toEqual(Object.keys(SHORT_PROFILE.gcs).sort());
    // An outage is never met again by the second run (backfill, replays, late events): it would hold the run up.
    expect(plan.filter((o) => o.gcsFault?.kind === 'outage' && !outsideSecondRun(o, sourceBuckets(SHORT_PROFILE)))).toEqual([]);
    for (const o of plan) {
      if (!o.gcsFault) continue;
      expect(fits(SHORT_PROFILE, o.gcsFault.kind, o.sizes[0]!)).toBe(true);
      for (const i of o.gcsFault.instructions) expect(i.objectName).toBe(`mirror/${o.bucket}/${o.key}`);
    }
  });

  it('expect item 1 reproduced: corrupt bytes on an S3 multipart source, then 503s (or a stall past the budget) on the cleanup delete', () => {
    const plan = planWorkload(SHORT_PROFILE, '20261122', nameOf);
    for (const kind of ['corruptThenDelete503', 'corruptThenDeleteStall'] as const) {
      const o = plan.find((x) => x.gcsFault?.kind === kind)!;
      expect(o.sizes[0]).toBeGreaterThan(SHORT_PROFILE.multipartPartBytes);
      const faults = o.gcsFault!.instructions.map((i) => `${i.operation} ${i.fault}`);
      expect(faults[0]).toBe('storage.objects.insert corrupt-data');
      expect(faults[1]).toMatch(/^storage\.objects\.delete (return-503|stall-for-\d+s)$/);
    }
  });

  it('expect a copier crash (before or after the commit) only where the small tier copies first, stalled past its budget', () => {
    const plan = planWorkload(FULL_PROFILE, 5, nameOf);
    for (const kind of ['crash', 'crashAfterCommit'] as const) {
      const crashes = plan.filter((o) => o.gcsFault?.kind === kind);
      expect(crashes.length).toBeGreaterThan(0);
      for (const o of crashes) {
        expect(o.sizes[0]).toBeLessThanOrEqual(FULL_PROFILE.routing.smallMaxBytes);
        const seconds = Number(/^stall-for-(\d+)s(-after-commit)?$/.exec(o.gcsFault!.instructions[0]!.fault)![1]);
        expect(seconds * 1000).toBeGreaterThan(FULL_PROFILE.tiers.small!.timeBudgetMs!);
      }
    }
  });
});
