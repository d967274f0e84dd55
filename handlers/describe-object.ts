/**
 * Lambda entry for "Describe the object": HeadObject fills in size, ETag and version of the state machine's record
 * when the event did not carry them. Env: none required (S3_ENDPOINT only for local servers).
 */
import { sourceS3Client } from '../workflows/backup/clients';
import { describeObject, parsePreparedEvent } from '../workflows/backup/describe';
import type { PreparedEvent } from '../workflows/backup/prepare';

const s3 = sourceS3Client(process.env);

export const handler = async (payload: unknown): Promise<PreparedEvent> => describeObject(parsePreparedEvent(payload), s3);
