/**
 * What the local S3 server reports when an object appears or disappears. A later step turns these into
 * S3 event notifications (fauxqs, like every npm S3 server, delivers none itself).
 */
export type S3ObjectEvent =
  | {
      type: 'created';
      bucket: string;
      /** Plain (not URL-encoded) key. */
      key: string;
      size: number;
      /** ETag without quotes. */
      etag: string;
      /** Hex, grows with time: orders events of one key like S3's. */
      sequencer: string;
      eventTime: string;
      /** The S3 notification eventName of the request that created it (the local S3 server always sets it). */
      eventName?: S3CreatedEventName;
    }
  | { type: 'removed'; bucket: string; key: string; sequencer: string; eventTime: string };

export function isS3ObjectEvent(value: unknown): value is S3ObjectEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.type === 'created' || v.type === 'removed') && typeof v.bucket === 'string' && typeof v.key === 'string';
}

/** S3's event types for a new object (S3 user guide, "Event notification types and destinations"). */
export type S3CreatedEventName = 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload';

/** Which ObjectCreated event S3 sends for the request that stored an object. */
export function createdEventName(request: { method: string; headers: Record<string, unknown>; query: Record<string, unknown> }): S3CreatedEventName {
  if (request.method === 'POST') return 'uploadId' in request.query ? 'ObjectCreated:CompleteMultipartUpload' : 'ObjectCreated:Post';
  return request.headers['x-amz-copy-source'] ? 'ObjectCreated:Copy' : 'ObjectCreated:Put';
}
