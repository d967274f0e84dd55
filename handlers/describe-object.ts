/**
 * Lambda entry for "Describe the object": HeadObject fills in size, ETag and version of the state machine's record
 * when the event did not carry them, resolving an event key S3 does not have (workflows/copy/resolve-key.ts); an object
 * S3 does not have under either reading ends source-gone and is counted as SourceGone.
 * Env: none required (S3_ENDPOINT only for local servers).
 */
import { sourceS3Client } from '../workflows/backup/clients';
import { describeObjectHandler } from '../workflows/handlers/describe-object';

export const handler = describeObjectHandler({ s3: sourceS3Client(process.env) });
