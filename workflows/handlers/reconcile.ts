/**
 * The scheduled reconciliation, as a factory of its clients and settings (see ./copy-object.ts for why factories):
 * an EventBridge Scheduler invocation → one reconciliation per configured source bucket and prefix → one EMF line
 * each (ReconcileFound, alarmed when above zero) and one log line with the report's summary. A bucket that could not
 * be compared (listing refused, GCS unreachable) is logged and the invocation then fails, so Lambda's error metric
 * and the scheduler's retries see it; the others are reconciled first.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Storage } from '@google-cloud/storage';
import { RateLimiter } from '../cli/backfill/rate-limiter';
import type { MetricsSink } from '../metrics';
import { latestInventoryManifest } from '../reconcile/inventory';
import { reconcile } from '../reconcile/reconcile';
import { publishReconcileMetrics, summarizeReport } from '../reconcile/report';
import type { ReconcileConfig } from '../reconcile/settings';

export interface ReconcileDeps {
  s3: S3Client;
  sfn: SFNClient;
  storage: () => Promise<Storage>;
  metrics: MetricsSink;
  logger: Logger;
}

export interface ReconcileInvocationResult {
  found: number;
  runs: ReturnType<typeof summarizeReport>[];
}

/** Time kept back from the Lambda's limit: repairs not started by then are left `deferred` for the next run. */
export const STOP_STARTING_BEFORE_END_MS = 60_000;

export function reconcileHandler(
  config: ReconcileConfig,
  deps: ReconcileDeps,
): (event?: { dryRun?: boolean }, context?: { getRemainingTimeInMillis(): number }) => Promise<ReconcileInvocationResult> {
  return async (event = {}, context) => {
    const shouldStop = () => (context ? context.getRemainingTimeInMillis() < STOP_STARTING_BEFORE_END_MS : false);
    const storage = await deps.storage();
    const limiter = new RateLimiter(config.ratePerSecond);
    const runs: ReconcileInvocationResult['runs'] = [];
    const failures: string[] = [];
    for (const source of config.sources) {
      for (const prefix of source.prefixes) {
        try {
          const inventoryManifest = source.inventory ? await latestInventoryManifest(deps.s3, source.inventory) : undefined;
          const report = await reconcile(
            { s3: deps.s3, storage, sfn: deps.sfn, stateMachineArn: config.stateMachineArn },
            {
              scope: { sourceBucket: source.bucket, prefix, destination: config.target, excluded: (key) => config.skip(key) !== undefined },
              ...(inventoryManifest ? { inventoryManifest } : {}),
              ...(event.dryRun ? { dryRun: true } : {}),
              limiter,
              shouldStop,
            },
          );
          if (!report.dryRun) publishReconcileMetrics(report, source.bucket, deps.metrics);
          const summary = summarizeReport(report);
          runs.push(summary);
          if (report.foundCount > 0) deps.logger.warn('Reconciliation found objects the events missed', { reconcile: summary });
          else deps.logger.info('Reconciliation found nothing to repair', { reconcile: summary });
        } catch (err) {
          deps.logger.error('Reconciliation failed', { bucket: source.bucket, prefix, error: err as Error });
          failures.push(`s3://${source.bucket}/${prefix}: ${(err as Error).message}`);
        }
      }
    }
    if (failures.length > 0) throw new Error(`reconciliation failed for ${failures.length} scope(s): ${failures.join('; ')}`);
    return { found: runs.reduce((n, r) => n + r.foundCount, 0), runs };
  };
}
