import { destinationObjectName } from '../../workflows/backup/keys';

/** The soak's GCS bucket (system.ts SOAK_BUCKETS.destination; here so system.ts can import this module). */
export const SOAK_DESTINATION_BUCKET = 'soak-backup';

/**
 * The GCS name the soak expects for a source object: the one function the copiers use (issue 10 item 2's default
 * layout, `<prefix><source-bucket>/<key>`), so the soak judges exactly the names the system writes.
 */
export function expectedDestinationName(prefix: string, sourceBucket: string, key: string): string {
  return destinationObjectName({ bucket: SOAK_DESTINATION_BUCKET, prefix }, sourceBucket, key);
}

/** One source object across the soak's maps: bucket names hold no '/'. */
export function sourceId(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}
