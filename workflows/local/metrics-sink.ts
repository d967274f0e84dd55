/**
 * Where local copiers publish their copy metrics: in memory instead of EMF lines on stdout (which would interleave
 * with the sandbox's output). Same calls as Powertools Metrics, so the copiers' own publishing code runs unchanged.
 */
import type { MetricsSink, MetricUnitName } from '../metrics';

/** One published line: its dimensions and metric values, as the EMF line would carry them. */
export interface LocalMetricLine {
  dimensions: Record<string, string>;
  values: Record<string, { value: number; unit: string }>;
}

export class LocalMetricsSink implements MetricsSink {
  readonly published: LocalMetricLine[] = [];
  private pending: LocalMetricLine = { dimensions: {}, values: {} };

  addDimension(name: string, value: string): void {
    this.pending.dimensions[name] = value;
  }

  addMetric(name: string, unit: MetricUnitName, value: number): void {
    this.pending.values[name] = { value, unit };
  }

  publishStoredMetrics(): void {
    this.published.push(this.pending);
    this.pending = { dimensions: {}, values: {} };
  }
}
