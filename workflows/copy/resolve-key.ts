import { SourceNotFound } from '../backup/errors';
import { headSource } from './s3-source';
import type { CopyRequest } from './types';

/** What an event says about the object: enough to recognise it under another reading of its key. */
export type EventObject = Pick<CopyRequest, 'bucket' | 'key' | 'keyAlternative' | 'versionId' | 'etag' | 'size'>;

/**
 * Runs `run` (a HeadObject, or a whole copy) for the event's key; when S3 answers 404 (SourceNotFound) and the key
 * could have been decoded the other way (keys.ts alternativeEventKey), runs it again for that reading, if S3 holds the
 * object the event describes there. So every step that reads the source, and the destination name, uses the key S3
 * really has. Otherwise the SourceNotFound stands (the object is gone: `source-gone`).
 */
export async function withEventKey<T extends EventObject, R>(
  s3: Parameters<typeof headSource>[0],
  object: T,
  run: (object: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R> {
  try {
    return await run(object);
  } catch (err) {
    if (!(err instanceof SourceNotFound)) throw err;
    const resolved = await alternativeKeyHolding(s3, object, signal);
    if (resolved === undefined) throw err;
    const { keyAlternative: _tried, ...rest } = object;
    return run({ ...rest, key: resolved } as T);
  }
}

/**
 * The alternative key when S3 holds the event's object under it: the same ETag (required: without one nothing proves
 * it is the same object), the same size and version when the event gave them. A different object under the other
 * reading is someone else's data and is never copied in its place.
 */
async function alternativeKeyHolding(s3: Parameters<typeof headSource>[0], object: EventObject, signal?: AbortSignal): Promise<string | undefined> {
  const key = object.keyAlternative;
  if (key === undefined || key === object.key || !object.etag) return undefined;
  try {
    const head = await headSource(s3, { bucket: object.bucket, key, versionId: object.versionId }, signal);
    const same =
      head.etag === object.etag.replace(/"/g, '') &&
      (object.size === undefined || head.size === object.size) &&
      (object.versionId === undefined || head.versionId === object.versionId);
    return same ? key : undefined;
  } catch (err) {
    if (err instanceof SourceNotFound) return undefined;
    throw err;
  }
}
