/**
 * Lambda entry for the scheduled reconciliation (EventBridge Scheduler, infra/constructs/reconciliation.ts): compares
 * every configured source bucket with its backups and starts the backup workflow for what the events missed.
 * Env: STATE_MACHINE_ARN, DEST_BUCKET, DEST_PREFIX, DEST_LAYOUT, SKIP_PATTERNS, RECONCILE_SOURCES, RECONCILE_RATE and
 * the GCS_* credential settings. Read once at cold start.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { destinationStorage, sourceS3Client } from '../workflows/backup/clients';
import { reconcileHandler } from '../workflows/handlers/reconcile';
import { logger } from '../workflows/logger';
import { sharedMetrics } from '../workflows/metrics';
import { readReconcileConfig } from '../workflows/reconcile/settings';

export const handler = reconcileHandler(readReconcileConfig(process.env), {
  s3: sourceS3Client(),
  sfn: new SFNClient({}),
  storage: () => destinationStorage(),
  metrics: sharedMetrics(),
  logger,
});
