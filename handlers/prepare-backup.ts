/**
 * Lambda entry for "Normalize the event": {input, stateMachineArn}, where input is one execution input (S3 notification
 * record, EventBridge event or manual {bucket, key, versionId?}) → the state machine's record (PreparedEvent), whose
 * alert labels carry the replay command for that state machine. InvalidInput propagates by name, so the ASL
 * alerts with the reason; a key GCS cannot name is refused later, by the copier, once the alert can name it.
 * Env: DEST_BUCKET, DEST_PREFIX (optional), DEST_LAYOUT (optional JSON, see settings.ts), SKIP_PATTERNS (optional JSON array of globs). Read once at cold start.
 */
import { readPrepareConfig } from '../workflows/backup/settings';
import { prepareBackupHandler } from '../workflows/handlers/prepare-backup';

export const handler = prepareBackupHandler(readPrepareConfig(process.env));
