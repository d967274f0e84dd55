import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CopyOutcome, TierName } from './copy/types';

/**
 * The copy metrics, published as CloudWatch embedded-metric-format (EMF) lines on stdout. Lambda turns such lines into
 * metrics by itself; the heavy task's log group has metric filters reading the same line's top-level fields
 * (infra/constructs/dashboard.ts). The dashboard charts these names per `tier`.
 */
export const COPY_METRICS = {
  /** Bytes written to GCS by one copy (unit Bytes). */
  bytesCopied: 'BytesCopied',
  /** Wall time of one copy (unit Milliseconds). */
  copyDuration: 'CopyDuration',
} as const;

/** Used when POWERTOOLS_METRICS_NAMESPACE is unset (local runs); the stack sets the same value. */
export const DEFAULT_METRICS_NAMESPACE = 'S3GcsBackup';

/**
 * The one Metrics instance, built once at module scope (like workflows/logger.ts). Default dimension
 * service = POWERTOOLS_SERVICE_NAME; namespace from POWERTOOLS_METRICS_NAMESPACE.
 */
export const metrics = new Metrics({
  namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] || DEFAULT_METRICS_NAMESPACE,
  serviceName: process.env['POWERTOOLS_SERVICE_NAME'] || 's3-gcs-backup',
});

/**
 * Publishes one EMF line for a copy that moved bytes (outcome `copied`): BytesCopied and CopyDuration with dimensions
 * service and tier. Other outcomes (already-current, deleted, …) moved nothing, so they would only dilute throughput;
 * a failed copy never gets here (its error propagates instead). Synchronous from the first dimension to the flush, so
 * nothing else can add to this line. Returns whether it published.
 */
export function publishCopyMetrics(outcome: CopyOutcome, tier: TierName, sink: Metrics = metrics): boolean {
  if (outcome.outcome !== 'copied') return false;
  sink.addDimension('tier', tier);
  sink.addMetric(COPY_METRICS.bytesCopied, MetricUnit.Bytes, outcome.bytes);
  sink.addMetric(COPY_METRICS.copyDuration, MetricUnit.Milliseconds, outcome.durationMs);
  sink.publishStoredMetrics();
  return true;
}
