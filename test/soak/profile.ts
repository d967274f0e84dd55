import type { RoutingThresholds } from '../../workflows/backup/routing';
import type { TierName } from '../../workflows/copy/types';
import type { FaultRates } from '../../workflows/local/fault-proxy';
import type { TierLimits } from '../../workflows/local/tier-limits';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Share of objects per size band (upper bound inclusive); a band's sizes are spread evenly in it. */
export interface SizeBand {
  upToBytes: number;
  share: number;
}

/** Share of objects that get each planned GCS fault (at most one per object; the shares must add up to <= 1). */
export interface GcsFaultShares {
  /** 429 on an upload request (times 1-2). */
  throttle429: number;
  /** 503 on an upload request (times 1-2). */
  unavailable503: number;
  /** 503 on the destination metadata read. */
  readUnavailable503: number;
  /** Connection reset on an upload request. */
  reset: number;
  /** Upload body cut after N KiB (mid-upload). */
  brokenStream: number;
  /** A short stall (stallSeconds) on an upload request. */
  stall: number;
  /** The first upload's bytes arrive corrupted (GCS refuses them: declared hashes). */
  corrupt: number;
  /** The copier "crashes": its upload stalls past the small tier's time budget, which kills the attempt. */
  crash: number;
  /** GCS refuses every upload of the object until the outage ends (503 forever): retries exhausted, alert, replay. */
  outage: number;
  /** The upload commits, then GCS's answer is lost (connection reset): the copier never hears of its generation. */
  lostResponse: number;
  /**
   * The copier is killed after GCS committed and before it verified: a small copy's answer is held past the small
   * tier's time budget (stall-for-<S>s-after-commit), so the next tier finds the object already there.
   */
  crashAfterCommit: number;
  /** 503 on the metadata patch that follows a verified resumable upload (the verified mark), times 4. */
  patch503: number;
  /**
   * Issue 10 item 1's reproduction: an S3 multipart source (no checksum GCS can check during the upload), its bytes
   * corrupted on the upload, then 503s on the cleanup delete that should remove the corrupt generation.
   */
  corruptThenDelete503: number;
  /**
   * The same on the large tier, but the cleanup delete stalls past its time budget: the attempt dies, the heavy tier
   * takes over, and the dead attempt's delete lands after that attempt finished.
   */
  corruptThenDeleteStall: number;
}

export interface SoakProfile {
  name: 'short' | 'full';
  objects: number;
  /** The plan always holds one object of 0 bytes and one of exactly this size. */
  maxSizeBytes: number;
  sizeBands: SizeBand[];
  routing: RoutingThresholds;
  tiers: Partial<Record<TierName, Partial<TierLimits>>>;
  maxConcurrentExecutions: number;
  /** Objects written at once by the harness. */
  writers: number;
  /** Shares of objects overwritten (1 or 2 more versions) / deleted while their copy is likely running. */
  overwrite: number;
  secondOverwrite: number;
  delete: number;
  /** Of overwritten objects: the share whose older event is delivered after the newer one. */
  reorder: number;
  /** Source buckets (at least 2); keys are spread over them. */
  sourceBuckets: number;
  /** Share of objects whose key is also written, with other bytes, to another source bucket. */
  sharedKeys: number;
  /** Share of objects deleted only after the first backup run finished (the retain policy must keep their backup). */
  lateDelete: number;
  /**
   * Of overwritten objects: the share whose events are all held back until after the replays and the backfill,
   * then delivered newest first (late, older events).
   */
  lateEvents: number;
  /** Share of objects replayed with `s3gcs replay` after the first run, besides the late-event keys and alerts. */
  replay: number;
  /** Objects larger than this are written with an S3 multipart upload of parts this size (ETag not an MD5). */
  multipartPartBytes: number;
  /** Overwrites and deletes happen this long (at most) after the previous write. */
  changeDelayMaxMs: number;
  /** The second delivery of every event comes this long (at most) after the first. */
  duplicateDelayMaxMs: number;
  gcs: GcsFaultShares;
  /** Plan each GCS fault kind at least once, whatever the draw (for short runs). */
  coverEveryFault: boolean;
  gcsStallSeconds: number;
  s3: { rates: FaultRates; stallMs: number; maxFaultsPerRequest: number };
  /** @google-cloud/storage client retries of the copiers (fast, as in tests; 1 s is the client's floor). */
  storageRetry: { maxRetries: number; retryDelayMultiplier: number; maxRetryDelay: number; totalTimeout: number };
  /** Pause before every ASL retry, in ms (the ASL's own backoff is seconds to minutes). */
  retryIntervalMs: number;
  /** Bound on the whole run (writes, executions, verification, replays). */
  deadlineMs: number;
  /** Keep object bytes on disk (S3 server and GCS emulator) instead of in memory. */
  onDisk: boolean;
}

const GCS_FAULTS: GcsFaultShares = {
  throttle429: 0.05,
  unavailable503: 0.05,
  readUnavailable503: 0.03,
  reset: 0.03,
  brokenStream: 0.04,
  stall: 0.02,
  corrupt: 0.02,
  crash: 0.02,
  outage: 0.015,
  lostResponse: 0.02,
  crashAfterCommit: 0.02,
  patch503: 0.02,
  corruptThenDelete503: 0.01,
  corruptThenDeleteStall: 0.01,
};

const S3_FAULTS = { rates: { 'slow-down': 0.05, reset: 0.02, 'broken-stream': 0.03, stall: 0.01 }, stallMs: 1_500, maxFaultsPerRequest: 2 };

/** ~100 objects up to 10 MiB (two of them S3 multipart): every fault kind, every tier, inside `npm test`. */
export const SHORT_PROFILE: SoakProfile = {
  name: 'short',
  objects: 100,
  maxSizeBytes: 10 * MIB,
  sizeBands: [
    { upToBytes: 16 * KIB, share: 0.4 },
    { upToBytes: 256 * KIB, share: 0.3 },
    { upToBytes: 1 * MIB, share: 0.15 },
    { upToBytes: 4 * MIB, share: 0.15 },
  ],
  // Every tier in play: small <= 256 KiB < large <= 8 MiB < heavy (the 10 MiB object). A multipart source (> 5 MiB)
  // starts on the large tier, so a copier killed there has a bigger tier after it.
  routing: { smallMaxBytes: 256 * KIB, largeMaxBytes: 8 * MIB },
  tiers: {
    small: { timeBudgetMs: 6_000 },
    // Resumable uploads in several chunks, so broken streams hit mid-upload and resume.
    // Short enough that a cleanup delete stalled past it (corruptThenDeleteStall) keeps the run short.
    large: { timeBudgetMs: 15_000, engine: { singleRequestMaxBytes: 256 * KIB, partSizeBytes: 256 * KIB, concurrency: 4 } },
    heavy: { timeBudgetMs: 60_000, engine: { singleRequestMaxBytes: 512 * KIB, partSizeBytes: 512 * KIB, concurrency: 4 } },
  },
  maxConcurrentExecutions: 8,
  writers: 4,
  overwrite: 0.12,
  secondOverwrite: 0.3,
  delete: 0.06,
  reorder: 0.5,
  sourceBuckets: 2,
  sharedKeys: 0.5,
  lateDelete: 0.06,
  lateEvents: 0.4,
  replay: 0.05,
  multipartPartBytes: 5 * MIB,
  changeDelayMaxMs: 400,
  duplicateDelayMaxMs: 1_500,
  gcs: GCS_FAULTS,
  coverEveryFault: true,
  gcsStallSeconds: 1,
  s3: S3_FAULTS,
  storageRetry: { maxRetries: 1, retryDelayMultiplier: 1.1, maxRetryDelay: 1, totalTimeout: 20 },
  retryIntervalMs: 50,
  deadlineMs: 150_000,
  onDisk: false,
};

/** `npm run soak`: 1,000 objects of 0 B to 64 MiB. */
export const FULL_PROFILE: SoakProfile = {
  name: 'full',
  objects: 1_000,
  maxSizeBytes: 64 * MIB,
  sizeBands: [
    { upToBytes: 16 * KIB, share: 0.32 },
    { upToBytes: 256 * KIB, share: 0.25 },
    { upToBytes: 1 * MIB, share: 0.2 },
    { upToBytes: 8 * MIB, share: 0.16 },
    { upToBytes: 32 * MIB, share: 0.055 },
    { upToBytes: 64 * MIB, share: 0.015 },
  ],
  // The deployed shape, scaled: small <= 8 MiB < large <= 32 MiB < heavy.
  routing: { smallMaxBytes: 8 * MIB, largeMaxBytes: 32 * MIB },
  tiers: {
    small: { timeBudgetMs: 15_000 },
    // A cleanup delete stalled past this budget (corruptThenDeleteStall) holds its object this long.
    large: { timeBudgetMs: 120_000 },
    heavy: { timeBudgetMs: 300_000 },
  },
  maxConcurrentExecutions: 8,
  writers: 4,
  overwrite: 0.1,
  secondOverwrite: 0.3,
  delete: 0.05,
  reorder: 0.5,
  sourceBuckets: 2,
  sharedKeys: 0.5,
  lateDelete: 0.05,
  lateEvents: 0.3,
  replay: 0.02,
  multipartPartBytes: 8 * MIB,
  changeDelayMaxMs: 500,
  duplicateDelayMaxMs: 2_000,
  gcs: GCS_FAULTS,
  coverEveryFault: true,
  gcsStallSeconds: 2,
  s3: S3_FAULTS,
  storageRetry: { maxRetries: 2, retryDelayMultiplier: 1.1, maxRetryDelay: 1, totalTimeout: 30 },
  retryIntervalMs: 100,
  deadlineMs: 45 * 60_000,
  onDisk: true,
};
