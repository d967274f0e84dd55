import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { localS3Client, startS3Server, type LocalS3Server } from '../../workflows/local/s3-server';

/** A running local S3 server, its client and a helper to create buckets; stop it in afterAll. */
export interface S3Fixture {
  server: LocalS3Server;
  s3: S3Client;
  createBucket(name: string): Promise<void>;
}

export async function startS3Fixture(): Promise<S3Fixture> {
  const server = await startS3Server({ port: 0 });
  const s3 = localS3Client(server.endpoint);
  return {
    server,
    s3,
    createBucket: async (name) => void (await s3.send(new CreateBucketCommand({ Bucket: name }))),
  };
}

/** Larger test objects go up as multipart uploads of this part size (the server itself takes up to 5 GiB per request). */
const PART = 8 * 1024 * 1024;

export type PutExtras = Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'>;

/**
 * Store `body` as one object and return its ETag without quotes. Bodies over `partSize` (Default: 8 MiB) go up as
 * multipart uploads (ETag `md5-of-md5s-N`, not a content MD5); S3 needs parts of at least 5 MiB but the last.
 */
export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  extras: PutExtras = {},
  partSize = PART,
): Promise<string> {
  if (body.length <= partSize) {
    const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extras }));
    return res.ETag!.replace(/"/g, '');
  }
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ContentType: extras.ContentType,
      ContentEncoding: extras.ContentEncoding,
      ContentDisposition: extras.ContentDisposition,
      ContentLanguage: extras.ContentLanguage,
      CacheControl: extras.CacheControl,
      Metadata: extras.Metadata,
    }),
  );
  const parts = [];
  for (let n = 1, offset = 0; offset < body.length; n++, offset += partSize) {
    const res = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body.subarray(offset, offset + partSize) }),
    );
    parts.push({ PartNumber: n, ETag: res.ETag });
  }
  const done = await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
  );
  return done.ETag!.replace(/"/g, '');
}
