import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { classifyError, httpStatusOf } from '../backup/classify-error';
import { checksumsOf } from '../copy/checksums';
import type { RestoredHeaders } from './plan';

/**
 * Transport for the S3 side of a restore. Every write states what it expects to find (S3 conditional writes):
 * `If-None-Match: *` when the key must not exist, `If-Match: <etag>` when replacing the object we read — so a
 * concurrent writer is never clobbered (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 * Every write carries S3's own CRC32C: a part or object whose bytes do not hash to it is refused by S3 itself; multipart
 * uploads ask for a FULL_OBJECT CRC32C, which S3 checks at completion against the whole object
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
 */

export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/** What S3 holds at a key. */
export interface TargetObject {
  size: number;
  /** Without quotes. */
  etag: string;
  crc32c?: string;
  checksumType?: string;
  headers: RestoredHeaders;
}

/** The target changed between our read and our write (412), or the key appeared (If-None-Match). */
export class TargetChanged extends Error {
  override readonly name = 'TargetChanged';
}

const url = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

export async function headTarget(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<TargetObject | undefined> {
  try {
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal: signal });
    const headers: RestoredHeaders = { userMetadata: h.Metadata ?? {} };
    if (h.ContentType) headers.contentType = h.ContentType;
    if (h.ContentEncoding) headers.contentEncoding = h.ContentEncoding;
    if (h.ContentLanguage) headers.contentLanguage = h.ContentLanguage;
    if (h.ContentDisposition) headers.contentDisposition = h.ContentDisposition;
    if (h.CacheControl) headers.cacheControl = h.CacheControl;
    return {
      size: h.ContentLength ?? 0,
      etag: (h.ETag ?? '').replace(/"/g, ''),
      ...(h.ChecksumCRC32C ? { crc32c: h.ChecksumCRC32C } : {}),
      ...(h.ChecksumType ? { checksumType: h.ChecksumType } : {}),
      headers,
    };
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw classifyError(err, { side: 's3', operation: 'HeadObject (restore target)', location: url(bucket, key) });
  }
}

/** 'ok', or why the bucket cannot be restored into: 'missing' (404) or 'denied' (403). Other failures throw. */
export async function targetBucketState(s3: S3Client, bucket: string): Promise<'ok' | 'missing' | 'denied'> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'ok';
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) return 'missing';
    if (status === 403) return 'denied';
    throw err;
  }
}

/** One PutObject with the object's CRC32C: S3 stores it only if the bytes hash to it. */
export async function putWhole(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  crc32c: string,
  headers: RestoredHeaders,
  condition: WriteCondition,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ChecksumCRC32C: crc32c, ...headerParams(headers), ...conditionParams(condition) }),
      { abortSignal: signal },
    );
  } catch (err) {
    throw writeError(err, 'PutObject', bucket, key);
  }
}

export interface MultipartWrite {
  uploadId: string;
  /** Uploads part `number` (1-based) with its own CRC32C. */
  part(number: number, body: Buffer, signal: AbortSignal): Promise<void>;
  /** Completes with the whole object's CRC32C (FULL_OBJECT), under the write condition. */
  complete(fullCrc32c: string, signal?: AbortSignal): Promise<void>;
  abort(): Promise<void>;
}

export async function startMultipart(s3: S3Client, bucket: string, key: string, headers: RestoredHeaders, condition: WriteCondition): Promise<MultipartWrite> {
  let uploadId: string;
  try {
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT', ...headerParams(headers) }),
    );
    uploadId = created.UploadId!;
  } catch (err) {
    throw writeError(err, 'CreateMultipartUpload', bucket, key);
  }
  const parts: { PartNumber: number; ETag: string; ChecksumCRC32C: string }[] = [];
  return {
    uploadId,
    part: async (number, body, signal) => {
      const crc = checksumsOf(body, { md5: false }).crc32c;
      try {
        const res = await s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: body, ContentLength: body.length, ChecksumCRC32C: crc }),
          { abortSignal: signal },
        );
        parts.push({ PartNumber: number, ETag: res.ETag!, ChecksumCRC32C: crc });
      } catch (err) {
        throw writeError(err, `UploadPart ${number}`, bucket, key);
      }
    },
    complete: async (fullCrc32c, signal) => {
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      try {
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
            ChecksumCRC32C: fullCrc32c,
            ChecksumType: 'FULL_OBJECT',
            ...conditionParams(condition),
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        throw writeError(err, 'CompleteMultipartUpload', bucket, key);
      }
    },
    abort: async () => {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    },
  };
}

/** Removes a restored object (a drill's scratch copy, or one that failed its check), only if it is still `etag`. */
export async function deleteTarget(s3: S3Client, bucket: string, key: string, etag?: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: `"${etag}"` } : {}) }));
  } catch (err) {
    if (httpStatusOf(err) === 404) return;
    throw classifyError(err, { side: 's3', operation: 'DeleteObject', location: url(bucket, key) });
  }
}

function headerParams(h: RestoredHeaders) {
  return {
    ...(h.contentType ? { ContentType: h.contentType } : {}),
    ...(h.contentEncoding ? { ContentEncoding: h.contentEncoding } : {}),
    ...(h.contentLanguage ? { ContentLanguage: h.contentLanguage } : {}),
    ...(h.contentDisposition ? { ContentDisposition: h.contentDisposition } : {}),
    ...(h.cacheControl ? { CacheControl: h.cacheControl } : {}),
    Metadata: h.userMetadata,
  };
}

function conditionParams(c: WriteCondition): { IfNoneMatch?: string; IfMatch?: string } {
  return 'ifNoneMatch' in c ? { IfNoneMatch: '*' } : { IfMatch: `"${c.ifMatch}"` };
}

function writeError(err: unknown, operation: string, bucket: string, key: string): Error {
  const status = httpStatusOf(err);
  if (status === 412 || status === 409) return new TargetChanged(`${url(bucket, key)} changed during the restore (${operation}: HTTP ${status})`, { cause: err });
  return classifyError(err, { side: 's3', operation, location: url(bucket, key) });
}
