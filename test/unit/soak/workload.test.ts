import { FULL_PROFILE, SHORT_PROFILE } from '../../soak/profile';
import { soakNameOf } from '../../soak/system';
import { planWorkload } from '../../soak/workload';

describe('planWorkload', () => {
  it('expect the same seed to plan the same soak, and another seed another one', () => {
    expect(planWorkload(SHORT_PROFILE, 'a', soakNameOf)).toEqual(planWorkload(SHORT_PROFILE, 'a', soakNameOf));
    expect(planWorkload(SHORT_PROFILE, 'b', soakNameOf)).not.toEqual(planWorkload(SHORT_PROFILE, 'a', soakNameOf));
  });

  it.each([SHORT_PROFILE, FULL_PROFILE])('expect $name: sizes from 0 B to exactly the maximum, unique keys', (profile) => {
    const plan = planWorkload(profile, 1, soakNameOf);
    const sizes = plan.flatMap((o) => o.sizes);
    expect(plan).toHaveLength(profile.objects);
    expect(Math.min(...sizes)).toBe(0);
    expect(Math.max(...sizes)).toBe(profile.maxSizeBytes);
    expect(new Set(plan.map((o) => o.key)).size).toBe(plan.length);
  });

  it('expect overwrites, deletes and reordered keys near their shares', () => {
    const plan = planWorkload(FULL_PROFILE, 2, soakNameOf);
    const share = (n: number): number => n / plan.length;
    expect(share(plan.filter((o) => o.sizes.length > 1).length)).toBeGreaterThan(FULL_PROFILE.overwrite * 0.6);
    expect(share(plan.filter((o) => o.deleted).length)).toBeGreaterThan(FULL_PROFILE.delete * 0.5);
    expect(plan.some((o) => o.reordered && o.sizes.length > 1)).toBe(true);
    expect(plan.every((o) => !o.reordered || o.sizes.length > 1)).toBe(true);
    expect(plan.every((o) => o.changeDelaysMs.length === o.sizes.length - 1 + (o.deleted ? 1 : 0))).toBe(true);
  });

  it.each(['1', '2', '3', '42'])('expect seed %s of the short soak to plan every GCS fault kind, on its destination name', (seed) => {
    const plan = planWorkload(SHORT_PROFILE, seed, soakNameOf);
    const kinds = new Set(plan.map((o) => o.gcsFault?.kind).filter(Boolean));
    expect([...kinds].sort()).toEqual(Object.keys(SHORT_PROFILE.gcs).sort());
    for (const o of plan) for (const i of o.gcsFault?.instructions ?? []) expect(i.objectName).toBe(`mirror/soak-source/${o.key}`);
  });

  it('expect a copier crash only where the small tier copies first, stalled past its budget', () => {
    const plan = planWorkload(FULL_PROFILE, 5, soakNameOf);
    const crashes = plan.filter((o) => o.gcsFault?.kind === 'crash');
    expect(crashes.length).toBeGreaterThan(0);
    for (const o of crashes) {
      expect(o.sizes[0]).toBeLessThanOrEqual(FULL_PROFILE.routing.smallMaxBytes);
      const seconds = Number(/^stall-for-(\d+)s$/.exec(o.gcsFault!.instructions[0]!.fault)![1]);
      expect(seconds * 1000).toBeGreaterThan(FULL_PROFILE.tiers.small!.timeBudgetMs!);
    }
  });
});
