import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StreamHasher, type ContentChecksums } from '../../workflows/copy/checksums';
import { PseudoRandomBytes } from './prng';

/** fauxqs caps request bodies near 11 MiB, so larger objects go up as multipart uploads of 8 MiB parts. */
const PART = 8 * 1024 * 1024;

export interface SeededObject {
  bucket: string;
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  checksums: ContentChecksums;
}

/** Writes `size` pseudo-random bytes part by part (never holding the whole object) and returns its checksums. */
export async function seedObject(s3: S3Client, bucket: string, key: string, size: number, seed: number): Promise<SeededObject> {
  const bytes = new PseudoRandomBytes(seed);
  const hasher = new StreamHasher();
  if (size <= PART) {
    const body = bytes.next(size);
    hasher.update(body);
    const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return { bucket, key, size, etag: unquote(res.ETag), checksums: hasher.digest() };
  }
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts: { PartNumber: number; ETag?: string }[] = [];
  for (let offset = 0, n = 1; offset < size; offset += PART, n++) {
    const body = bytes.next(Math.min(PART, size - offset));
    hasher.update(body);
    const res = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body }));
    parts.push({ PartNumber: n, ETag: res.ETag });
  }
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  return { bucket, key, size, etag: unquote(done.ETag), checksums: hasher.digest() };
}

function unquote(etag: string | undefined): string {
  if (!etag) throw new Error('the S3 server returned no ETag');
  return etag.replace(/"/g, '');
}
