import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsSink } from '../metrics';
import type { ReconcileReport } from './reconcile';

/**
 * What one reconciliation found (unit Count), dimensions service and `bucket`: every difference, repairable or not.
 * Zero on a healthy stage; the stack alarms on any (infra/constructs/reconciliation.ts), since each one is an object
 * the event path missed or a backup that went bad.
 */
export const RECONCILE_FOUND_METRIC = 'ReconcileFound';
/** Objects one reconciliation compared (unit Count), dimensions service and `bucket`: proves it ran. */
export const RECONCILE_CHECKED_METRIC = 'ReconcileChecked';
/** Repairs StartExecution refused (unit Count), dimensions service and `bucket`. */
export const RECONCILE_START_FAILURES_METRIC = 'ReconcileStartFailures';

/** Publishes one EMF line for one source bucket's reconciliation (not for a dry run: it repaired nothing). */
export function publishReconcileMetrics(report: ReconcileReport, bucket: string, sink: MetricsSink): void {
  sink.addDimension('bucket', bucket);
  sink.addMetric(RECONCILE_FOUND_METRIC, MetricUnit.Count, report.foundCount);
  sink.addMetric(RECONCILE_CHECKED_METRIC, MetricUnit.Count, report.checked);
  sink.addMetric(RECONCILE_START_FAILURES_METRIC, MetricUnit.Count, report.starts.filter((s) => s.status === 'failed').length);
  sink.publishStoredMetrics();
}

/** A short summary for a log line or an alert: counts only, the first keys of each kind. */
export function summarizeReport(report: ReconcileReport, sample = 10) {
  const byStatus: Record<string, number> = {};
  for (const s of report.starts) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  return {
    source: report.source,
    destination: report.destination,
    listedFrom: report.listedFrom,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    checked: report.checked,
    ok: report.ok,
    excluded: report.excluded,
    found: report.found,
    foundCount: report.foundCount,
    starts: byStatus,
    sample: report.starts.slice(0, sample).map((s) => ({ key: s.key, kind: s.kind, status: s.status, executionName: s.executionName })),
    notRepairable: report.notRepairable.slice(0, sample).map((d) => ({ key: d.key, kind: d.kind, detail: d.detail })),
  };
}
