import type { TierName } from '../copy/types';

/** Size bands of asl/backup-object.asl.json's "Choose a copier by size" (SmallMaxBytes / LargeMaxBytes substitutions). */
export interface RoutingThresholds {
  /** Largest object (inclusive) the small Lambda copies first. */
  smallMaxBytes: number;
  /** Largest object (inclusive) the large Lambda copies first; bigger ones go straight to the heavy task. */
  largeMaxBytes: number;
}

/**
 * The tier an object of `sizeBytes` starts on. Mirrors the ASL's Choice state (tests hold the two together), so the
 * CLI and capacity planning can answer "where will this object go?" without running the state machine.
 */
export function chooseTier(sizeBytes: number, thresholds: RoutingThresholds): TierName {
  if (sizeBytes <= thresholds.smallMaxBytes) return 'small';
  if (sizeBytes <= thresholds.largeMaxBytes) return 'large';
  return 'heavy';
}

/** The tier an escalation moves to, or undefined after the last one. */
export function nextTier(tier: TierName): TierName | undefined {
  if (tier === 'small') return 'large';
  if (tier === 'large') return 'heavy';
  return undefined;
}
