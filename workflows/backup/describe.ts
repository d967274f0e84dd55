import type { S3Client } from '@aws-sdk/client-s3';
import { headSource } from '../copy/s3-source';
import { InvalidInput, SourceChanged } from './errors';
import { withObject, type PreparedEvent } from './prepare';

/**
 * "Describe the object": HeadObject fills in what the event did not carry (size, ETag, and the version, which then
 * pins the copy). Errors arrive classified by headSource: gone -> SourceNotFound, archived/denied -> SourceNotReadable,
 * throttled -> TransientError.
 */
export async function describeObject(prepared: PreparedEvent, s3: S3Client): Promise<PreparedEvent> {
  const { object } = prepared;
  const head = await headSource(s3, { bucket: object.bucket, key: object.key, versionId: object.versionId, etag: object.etag });
  if (object.etag && head.etag !== object.etag) {
    throw new SourceChanged(
      `s3://${object.bucket}/${object.key} now has ETag ${head.etag}, the event named ${object.etag}: it changed since the event, and the newer event backs it up.`,
    );
  }
  return withObject(prepared, {
    ...object,
    size: head.size,
    etag: head.etag,
    ...(head.versionId ? { versionId: head.versionId } : {}),
  });
}

/** The Lambda payload is the state machine's record; refuse anything else with a clear reason. */
export function parsePreparedEvent(payload: unknown): PreparedEvent {
  const p = payload as Partial<PreparedEvent> | null;
  const o = p?.object;
  if (!p || typeof p !== 'object' || !o || typeof o.bucket !== 'string' || typeof o.key !== 'string' || typeof p.destination !== 'string') {
    throw new InvalidInput(
      'Expected the state machine record {object:{bucket,key,…}, destination, skippedBy, report} produced by "Normalize the event"',
    );
  }
  return p as PreparedEvent;
}
