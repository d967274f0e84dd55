/**
 * Lambda entry of the scheduled restore drill (issue 14 §2): EventBridge Scheduler invokes it weekly; it restores a
 * random sample of backups into the stage's scratch bucket, proves every byte and header, removes the copies, and
 * alerts on any difference. Env: DEST_BUCKET, DEST_PREFIX, DRILL_SCRATCH_BUCKET, DRILL_SAMPLE, ALERT_TOPIC_ARN, STAGE,
 * and the GCS credential settings the copiers use.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { destinationStorage, sourceS3Client } from '../workflows/backup/clients';
import { readDrillSettings, restoreDrillHandler } from '../workflows/handlers/restore-drill';
import { logger } from '../workflows/logger';

export const handler = restoreDrillHandler({
  settings: readDrillSettings(process.env),
  s3: sourceS3Client(),
  storage: () => destinationStorage(),
  sns: new SNSClient({}),
  logger,
});
