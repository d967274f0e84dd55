import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SourceChanged, SourceNotFound } from './backup/errors';
import type { BackupEvent } from './backup/normalize';
import { chooseTier, type RoutingThresholds } from './backup/routing';
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

/** One execution that ended `source-gone` (unit Count), dimensions service, `bucket` and `origin`. */
export const SOURCE_GONE_METRIC = 'SourceGone';
/** One execution that ended `superseded` (unit Count), dimensions service, `bucket` and `origin`. */
export const SUPERSEDED_METRIC = 'Superseded';
/**
 * One copy attempt on a bigger tier than the object's size selects (unit Count), dimensions service and `tier` (the
 * tier that took over): the escalations of asl/backup-object.asl.json, counted by the copier they escalate to, since
 * the one that gave up may have died (out of memory, timed out) before it could say so. A retried attempt of the
 * bigger tier counts again.
 */
export const ESCALATIONS_METRIC = 'Escalations';

/** Used when POWERTOOLS_METRICS_NAMESPACE is unset (local runs); the stack sets the same value. */
export const DEFAULT_METRICS_NAMESPACE = 'S3GcsBackup';

/** What publishing needs of a Metrics instance: Powertools Metrics, or a local recorder (workflows/local). */
export interface MetricsSink {
  addDimension(name: string, value: string): unknown;
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  publishStoredMetrics(): unknown;
}

export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

let shared: Metrics | undefined;

/**
 * The one Metrics instance, built on first use (like workflows/logger.ts, one per process), so importing this module
 * reads no environment. Default dimension service = POWERTOOLS_SERVICE_NAME; namespace from POWERTOOLS_METRICS_NAMESPACE.
 */
export function sharedMetrics(): Metrics {
  shared ??= new Metrics({
    namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] || DEFAULT_METRICS_NAMESPACE,
    serviceName: process.env['POWERTOOLS_SERVICE_NAME'] || 's3-gcs-backup',
  });
  return shared;
}

/**
 * Publishes one EMF line for a copy that moved bytes (outcome `copied`): BytesCopied and CopyDuration with dimensions
 * service and tier. Other outcomes (already-current, deleted, …) moved nothing, so they would only dilute throughput;
 * a failed copy never gets here (its error propagates instead). Synchronous from the first dimension to the flush, so
 * nothing else can add to this line. Returns whether it published.
 */
export function publishCopyMetrics(outcome: CopyOutcome, tier: TierName, sink: MetricsSink = sharedMetrics()): boolean {
  if (outcome.outcome !== 'copied') return false;
  sink.addDimension('tier', tier);
  sink.addMetric(COPY_METRICS.bytesCopied, MetricUnit.Bytes, outcome.bytes);
  sink.addMetric(COPY_METRICS.copyDuration, MetricUnit.Milliseconds, outcome.durationMs);
  sink.publishStoredMetrics();
  return true;
}

/**
 * Publishes one EMF line counting an execution that ends `source-gone` or `superseded`, by `bucket` and `origin`
 * (s3-notification, eventbridge, manual), when `err` is the error that ends it so — and returns whether it did; the
 * caller rethrows `err` either way. The state machine ends such executions SUCCEEDED without an alert (a Catch to a
 * Pass state, no Task to count them), so the step that throws the error counts it:
 * - SourceNotFound (`source-gone`): S3 answered 404 for the object, and for the other reading of its key when there is
 *   one (workflows/copy/resolve-key.ts). Normal for an object deleted right after it was written; for ObjectCreated
 *   events at a steady rate it means a wrong key, prefix or permission.
 * - SourceChanged (`superseded`): the object changed since the event; the newer event backs it up.
 * The stack alarms on each per bucket above the stage's rate (infra/constructs/alerting.ts). The handlers pass the
 * process's Metrics; local runs pass an in-memory sink (their stdout is the CLI's).
 */
export function publishBenignEnding(err: unknown, event: Pick<BackupEvent, 'bucket' | 'origin'>, sink: MetricsSink): boolean {
  const metric = err instanceof SourceNotFound ? SOURCE_GONE_METRIC : err instanceof SourceChanged ? SUPERSEDED_METRIC : undefined;
  if (metric === undefined) return false;
  sink.addDimension('bucket', event.bucket);
  sink.addDimension('origin', event.origin);
  sink.addMetric(metric, MetricUnit.Count, 1);
  sink.publishStoredMetrics();
  return true;
}

/**
 * Publishes one EMF line counting an escalation (ESCALATIONS_METRIC) when `tier` copies an object whose size selects a
 * smaller tier. Needs the stage's size thresholds (undefined: publishes nothing). Returns whether it published.
 */
export function publishEscalation(event: Pick<BackupEvent, 'action' | 'size'>, tier: TierName, routing: RoutingThresholds | undefined, sink: MetricsSink): boolean {
  if (event.action !== 'copy' || event.size === undefined || routing === undefined || chooseTier(event.size, routing) === tier) return false;
  sink.addDimension('tier', tier);
  sink.addMetric(ESCALATIONS_METRIC, MetricUnit.Count, 1);
  sink.publishStoredMetrics();
  return true;
}
