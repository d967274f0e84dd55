import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { classifyError, errorFacts, httpStatusOf, isTransient } from '../backup/classify-error';
import { ConfigurationError, IntegrityError, TransientError } from '../backup/errors';
import { sourceVersionId } from '../backup/version-id';
import type { SourceObject } from './metadata';

/**
 * Transport for the S3 side: pinned HeadObject, whole GETs (with the version's description, in place of a HEAD) and
 * ranged GETs into exactly-sized buffers.
 * Every request is pinned to one version: VersionId when known, else If-Match on the ETag,
 * so a changed object fails with SourceChanged instead of being copied half old, half new.
 * Failures leave here already classified (workflows/backup/classify-error.ts).
 */
export interface SourcePin {
  bucket: string;
  key: string;
  versionId?: string;
  /** Without quotes. Used for If-Match when there is no versionId. */
  etag?: string;
}

export async function headSource(s3: S3Client, pin: SourcePin, signal?: AbortSignal): Promise<SourceObject> {
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: pin.bucket, Key: pin.key, ChecksumMode: 'ENABLED', ...pinParams(pin) }),
      { abortSignal: signal },
    );
    return describedBy(pin, head);
  } catch (err) {
    if (httpStatusOf(err) === 404) await assertBucketExists(s3, pin, signal, err);
    throw classifyError(err, { side: 's3', operation: 'HeadObject', location: s3Url(pin) });
  }
}

/** A source version described by its GET, with its bytes when it fitted the bound. */
export interface SourceRead {
  source: SourceObject;
  /** Absent when S3 holds more than `maxBytes` (the request's size was wrong): read it in ranges instead. */
  body?: Buffer;
}

/**
 * One pinned GetObject in place of HeadObject + GetObject, for an object the caller expects to be small:
 * S3 answers a GET with the same description of the version as a HEAD (version, ETag, size, storage class, SSE,
 * its checksums with ChecksumMode ENABLED, user metadata and content headers;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), and both read the same version, so the
 * facts describe exactly these bytes. `vet` sees the description before a byte of the body is read (the engine's
 * SourceChanged / SourceNotReadable checks). S3's size governs, as HeadObject's did: the body is read whole when it is
 * at most `maxBytes`, else left unread (an event that understated the size) for the caller's ranged GETs.
 * Unlike HEAD, a GET error carries S3's code in its body: a missing bucket is NoSuchBucket (ConfigurationError), a
 * missing key NoSuchKey or NoSuchVersion (SourceNotFound), an archived object InvalidObjectState (SourceNotReadable),
 * so no HeadBucket is needed to tell them apart. With ChecksumMode ENABLED the SDK also checks the body against
 * S3's full-object checksum; a mismatch is classified as IntegrityError.
 */
export async function getSource(
  s3: S3Client,
  pin: SourcePin,
  maxBytes: number,
  vet: (source: SourceObject) => void,
  signal?: AbortSignal,
): Promise<SourceRead> {
  const where = s3Url(pin);
  try {
    const res = await s3.send(
      new GetObjectCommand({ Bucket: pin.bucket, Key: pin.key, ChecksumMode: 'ENABLED', ...pinParams(pin) }),
      { abortSignal: signal },
    );
    const body = res.Body as Readable | undefined;
    try {
      const source = describedBy(pin, res);
      vet(source);
      if (source.size > maxBytes) return { source };
      return { source, body: await readExactly(body, Buffer.allocUnsafe(source.size), `GetObject on ${where}`, signal) };
    } finally {
      if (body && !body.readableEnded) body.destroy(); // refused before its end: free the connection
    }
  } catch (err) {
    throw classifyError(err, { side: 's3', operation: 'GetObject', location: where });
  }
}

/** The description S3 gives of a version, in a HEAD or a GET answer (same headers, same names in the SDK). */
function describedBy(pin: SourcePin, o: HeadObjectCommandOutput | GetObjectCommandOutput): SourceObject {
  return {
    bucket: pin.bucket,
    key: pin.key,
    size: o.ContentLength ?? 0,
    etag: (o.ETag ?? '').replace(/"/g, ''),
    versionId: sourceVersionId(o.VersionId) ?? sourceVersionId(pin.versionId),
    lastModified: o.LastModified,
    contentType: o.ContentType,
    contentEncoding: o.ContentEncoding,
    contentDisposition: o.ContentDisposition,
    contentLanguage: o.ContentLanguage,
    cacheControl: o.CacheControl,
    userMetadata: o.Metadata ?? {},
    checksumCrc32c: o.ChecksumCRC32C,
    checksumType: o.ChecksumType,
    storageClass: o.StorageClass,
    restore: o.Restore,
    serverSideEncryption: o.ServerSideEncryption,
    sseCustomerAlgorithm: o.SSECustomerAlgorithm,
  };
}

/**
 * A HEAD answer has no body, so S3 cannot say NoSuchBucket there: HeadObject answers a missing bucket with the same
 * bare 404 as a missing key ("if the HEAD request generates an error, it returns a generic code … It's not possible
 * to retrieve the exact exception", https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html; recorded in
 * test/fixtures/errors/s3.json). HeadBucket tells them apart: 200 the bucket exists (the key is gone), 404 it does not,
 * 403 it is not ours to read (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html; the copiers hold
 * s3:ListBucket on their source buckets). Returns when the bucket exists; throws otherwise.
 */
async function assertBucketExists(s3: S3Client, pin: SourcePin, signal: AbortSignal | undefined, headError: unknown): Promise<void> {
  const where = `HeadObject on ${s3Url(pin)}`;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: pin.bucket }), { abortSignal: signal });
    return;
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) {
      throw new ConfigurationError(`${where}: the source bucket ${pin.bucket} does not exist (HeadBucket 404); check the bucket named by the event or input.`, {
        cause: headError,
      });
    }
    if (status === 403) {
      throw new ConfigurationError(`${where}: the key answered 404 but the bucket ${pin.bucket} refuses HeadBucket (403); check that it is a source bucket of this stage and the copier holds s3:ListBucket on it.`, {
        cause: err,
      });
    }
    throw classifyError(err, { side: 's3', operation: `HeadBucket ${pin.bucket} (after HeadObject 404)`, location: s3Url(pin) });
  }
}

/** The whole object (small objects only: the caller bounds `size`). */
export function getWhole(s3: S3Client, pin: SourcePin, size: number, signal?: AbortSignal): Promise<Buffer> {
  return getInto(s3, pin, undefined, size, signal);
}

/** Bytes [start, endInclusive] of the object, written into `into` (exactly that long) when given, else a new buffer. */
export function getRange(
  s3: S3Client,
  pin: SourcePin,
  start: number,
  endInclusive: number,
  signal?: AbortSignal,
  into?: Buffer,
): Promise<Buffer> {
  return getInto(s3, pin, `bytes=${start}-${endInclusive}`, endInclusive - start + 1, signal, into);
}

async function getInto(
  s3: S3Client,
  pin: SourcePin,
  range: string | undefined,
  length: number,
  signal?: AbortSignal,
  into?: Buffer,
): Promise<Buffer> {
  if (into && into.length !== length) throw new RangeError(`a ${into.length}-byte buffer cannot hold ${length} bytes exactly`);
  const operation = range ? `GetObject ${range}` : 'GetObject';
  try {
    const res = await s3.send(
      new GetObjectCommand({ Bucket: pin.bucket, Key: pin.key, Range: range, ...pinParams(pin) }),
      { abortSignal: signal },
    );
    if (res.ContentLength !== undefined && res.ContentLength !== length) {
      throw new IntegrityError(
        `${operation} on ${s3Url(pin)} returned ${res.ContentLength} bytes, expected ${length}; the object changed size under a pinned read.`,
      );
    }
    return await readExactly(res.Body as Readable | undefined, into ?? Buffer.allocUnsafe(length), `${operation} on ${s3Url(pin)}`, signal);
  } catch (err) {
    throw classifyError(err, { side: 's3', operation, location: s3Url(pin) });
  }
}

/**
 * The response body stopped before its last byte (connection reset or closed mid-stream). The first `received`
 * bytes arrived intact in the caller's buffer, so a ranged GET can resume from there. A TransientError: left
 * alone, it is retried like any other.
 */
export class BodyCut extends TransientError {
  constructor(
    message: string,
    readonly received: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Copy a body stream into one preallocated buffer of exactly its length (no chunk list, no concat copy). */
async function readExactly(body: Readable | undefined, out: Buffer, what: string, signal?: AbortSignal): Promise<Buffer> {
  const length = out.length;
  let offset = 0;
  if (body) {
    // The SDK's abortSignal covers the request; a body already streaming needs its own stop.
    const stop = (): void => void body.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (offset + chunk.length > length) {
          body.destroy();
          throw new IntegrityError(`${what}: the body is longer than the ${length} bytes expected.`);
        }
        chunk.copy(out, offset);
        offset += chunk.length;
      }
    } catch (err) {
      if (signal?.aborted || !isTransient(err)) throw err;
      throw new BodyCut(`${what}: the body was cut after ${offset} of ${length} bytes (${errorFacts(err).summary}).`, offset, { cause: err });
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
  if (offset !== length) {
    throw new BodyCut(`${what}: the body ended after ${offset} of ${length} bytes (connection cut).`, offset);
  }
  return out;
}

function pinParams(pin: SourcePin): { VersionId?: string; IfMatch?: string } {
  const versionId = sourceVersionId(pin.versionId);
  if (versionId) return { VersionId: versionId };
  if (pin.etag) return { IfMatch: `"${pin.etag.replace(/"/g, '')}"` };
  return {};
}

export function s3Url(pin: { bucket: string; key: string; versionId?: string }): string {
  return `s3://${pin.bucket}/${pin.key}${pin.versionId ? ` (version ${pin.versionId})` : ''}`;
}
