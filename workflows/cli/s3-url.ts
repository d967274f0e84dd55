import { usageError } from './errors';

export interface S3Location {
  bucket: string;
  /** A key or a prefix, exactly as typed (S3 keys are literal: no percent-decoding). '' = the whole bucket. */
  key: string;
}

// Also accepts the legacy us-east-1 names (upper case, underscores) that still exist.
const BUCKET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,253}[a-zA-Z0-9]$/;

/** `s3://bucket/key` → {bucket, key}. `requireKey` for commands that act on one object. */
export function parseS3Url(text: string, what: { requireKey: boolean }): S3Location {
  const example = what.requireKey ? 's3://my-bucket/path/to/object.pdf' : 's3://my-bucket or s3://my-bucket/some/prefix/';
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(text);
  if (!m) throw usageError(`not an S3 URL: ${JSON.stringify(text)}`, `Write it as ${example}`);
  const bucket = m[1]!;
  const key = m[2] ?? '';
  if (!BUCKET_NAME.test(bucket)) {
    throw usageError(`not a valid S3 bucket name: ${JSON.stringify(bucket)}`, `Bucket names are 3-63 lower-case letters, digits, dots and hyphens, e.g. ${example}`);
  }
  if (what.requireKey && key === '') throw usageError(`${text} names a bucket, not an object`, `Give the object's key too, e.g. ${example}`);
  return { bucket, key };
}

export function s3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

export interface GcsLocation {
  bucket: string;
  /** Object name prefix ('' = the whole bucket). */
  prefix: string;
}

export function parseGcsUrl(text: string): GcsLocation {
  const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/s.exec(text);
  if (!m) throw usageError(`not a GCS URL: ${JSON.stringify(text)}`, 'Write it as gs://my-backup-bucket or gs://my-backup-bucket/prefix/');
  return { bucket: m[1]!, prefix: m[2] ?? '' };
}
