import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { decodeS3EventKey } from '../../backup/keys';
import { fromServiceError } from '../errors';
import { destinationEntry, type DestinationEntry, type SourceEntry } from './compare';

/** Transport: the two listings verify and backfill walk, page by page, in UTF-8 binary order (both services' order). */

/**
 * Keys come URL-encoded (EncodingType 'url'): an XML parser reads a key's CR as LF and cannot carry most control
 * characters, so a plain listing could name an object that does not exist. They are decoded once, and only when
 * the response says S3 encoded them (a server that ignores the parameter sends plain keys, which must stay as they are).
 */
export async function* listSource(s3: S3Client, bucket: string, prefix: string, startAfter?: string): AsyncGenerator<SourceEntry[]> {
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix || undefined,
          EncodingType: 'url',
          ContinuationToken: token,
          ...(token ? {} : startAfter ? { StartAfter: startAfter } : {}),
        }),
      );
    } catch (err) {
      throw fromServiceError(err, `ListObjectsV2 s3://${bucket}/${prefix}`);
    }
    const key = page.EncodingType === 'url' ? (k: string) => decodeS3EventKey(k, 'ListObjectsV2 key') : (k: string) => k;
    yield (page.Contents ?? []).map((o) => ({ key: key(o.Key!), size: Number(o.Size ?? 0), etag: (o.ETag ?? '').replace(/"/g, '') }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export async function* listDestination(storage: Storage, bucket: string, prefix: string): AsyncGenerator<DestinationEntry[]> {
  let pageToken: string | undefined;
  do {
    let files;
    let next: { pageToken?: string } | null | undefined;
    try {
      [files, next] = (await storage.bucket(bucket).getFiles({ prefix, autoPaginate: false, maxResults: 1000, ...(pageToken ? { pageToken } : {}) })) as unknown as [
        { metadata: Record<string, unknown> }[],
        { pageToken?: string } | null,
      ];
    } catch (err) {
      throw fromServiceError(err, `list gs://${bucket}/${prefix}`);
    }
    yield files.map((f) => destinationEntry(f.metadata));
    pageToken = next?.pageToken;
  } while (pageToken);
}

/** Flattens pages into one item at a time. */
export async function* items<T>(pages: AsyncGenerator<T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

/** Byte-wise UTF-8 order: how S3 and GCS sort names (JavaScript's < compares UTF-16 code units, which differs). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
