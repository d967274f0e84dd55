/** "Describe the object", as a factory of its S3 client (see ./copy-object.ts for why factories). */
import type { S3Client } from '@aws-sdk/client-s3';
import { describeObject, parsePreparedEvent } from '../backup/describe';
import type { PreparedEvent } from '../backup/prepare';
import { sharedMetrics, type MetricsSink } from '../metrics';

/** `metrics`: where SourceGone goes (Default: the process's Powertools Metrics, EMF on stdout). */
export function describeObjectHandler(deps: { s3: S3Client; metrics?: MetricsSink }): (payload: unknown) => Promise<PreparedEvent> {
  return async (payload) => describeObject(parsePreparedEvent(payload), deps.s3, deps.metrics ?? sharedMetrics());
}
