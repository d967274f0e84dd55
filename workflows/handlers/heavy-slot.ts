/** "Wait for a heavy slot", as a factory of how running heavy tasks are counted (ECS in AWS, the local deployment locally). */
import { ADMISSION_GRACE_MS, claimHeavySlot, RecentGrants, type HeavySlot, type HeavySlotSettings, type RunningTaskCounter } from '../backup/heavy-slot';

export function heavySlotHandler(deps: {
  count: RunningTaskCounter;
  settings: HeavySlotSettings;
  /** (Default: ADMISSION_GRACE_MS) */
  admissionGraceMs?: number;
}): (payload: unknown) => Promise<HeavySlot> {
  const recent = new RecentGrants(deps.admissionGraceMs ?? ADMISSION_GRACE_MS);
  return async () => claimHeavySlot(deps.count, deps.settings, recent);
}
