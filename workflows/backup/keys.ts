import type { CopyTarget } from '../copy/types';
import { ConfigurationError, InvalidDestinationName, InvalidInput } from './errors';

/**
 * The one place S3's URL-encoding of keys is undone: in event notifications, in ListObjectsV2 responses asked for
 * with EncodingType 'url' (Key, Prefix, StartAfter, Delimiter, CommonPrefixes) and in S3 Inventory CSV reports.
 * It is form-URL-encoding: '+' stands for a space and everything else is percent-encoded UTF-8 ('+' itself arrives
 * as '%2B'); listings have been seen to send a space as '+' and as '%20', and both decode here (as the AWS SDKs
 * decode them, e.g. botocore's unquote_plus). Decode a key exactly once; EventBridge and manual inputs carry plain
 * keys and must NOT go through this function (an EventBridge key does only as its fallback reading, alternativeEventKey).
 * `what` names the key's origin in the error.
 */
export function decodeS3EventKey(encoded: string, what = 'S3 event key'): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (err) {
    throw new InvalidInput(`${what} is not valid percent-encoding: ${JSON.stringify(encoded)}`, { cause: err });
  }
}

/**
 * The other reading of an event key, to try only when S3 answers 404 for the first (resolve-key.ts): a notification key
 * read as plain percent-encoding ('+' kept), an EventBridge key read as form-encoded (AWS does not document whether
 * `detail.object.key` is encoded). Undefined when both readings agree or the other is not valid encoding.
 */
export function alternativeEventKey(eventKey: string, origin: 's3-notification' | 'eventbridge'): string | undefined {
  try {
    const first = origin === 's3-notification' ? decodeS3EventKey(eventKey) : eventKey;
    const other = origin === 's3-notification' ? decodeURIComponent(eventKey) : decodeS3EventKey(eventKey);
    return other === first ? undefined : other;
  } catch {
    return undefined;
  }
}

const MAX_GCS_NAME_BYTES = 1024;

/**
 * THE GCS object name of a source object: `<prefix><source-bucket>/<key>` by default, `<prefix><bucket's own
 * prefix><key>` when the stage gives the bucket one, `<prefix><key>` under the legacy layout (see DestinationLayout).
 * Throws ConfigurationError when the layout does not admit this source bucket, and InvalidDestinationName when GCS
 * cannot hold the name (1–1024 bytes of UTF-8, no CR/LF, not '.' or '..', not under .well-known/acme-challenge/).
 */
export function destinationObjectName(target: CopyTarget, sourceBucket: string, key: string): string {
  checkLayoutAdmits(target, sourceBucket);
  const name = plannedName(target, sourceBucket, key);
  const problem = gcsNameProblem(name);
  if (problem) {
    throw new InvalidDestinationName(
      `Cannot back up s3://${sourceBucket}/${key} as GCS object ${JSON.stringify(name)}: ${problem}. ` +
        'Rename the source object or exclude it with a skip pattern.',
    );
  }
  return name;
}

/**
 * gs://bucket/name of a source object, for reports made before the copier runs (prepare-backup): the same name as
 * destinationObjectName, but not refused here when GCS cannot hold it — the copier refuses it, with an alert.
 */
export function destinationUrl(target: CopyTarget, sourceBucket: string, key: string): string {
  return `gs://${target.bucket}/${plannedName(target, sourceBucket, key)}`;
}

/** Every destination name of this source bucket starts with this (the prefix to list its backups under). */
export function destinationPrefixOf(target: CopyTarget, sourceBucket: string): string {
  const layout = target.layout ?? { kind: 'by-source-bucket' };
  if (layout.kind === 'legacy') return target.prefix;
  return target.prefix + (layout.bucketPrefixes?.[sourceBucket] ?? `${sourceBucket}/`);
}

/**
 * The mapping back: the source key whose backup of `sourceBucket` would be named `name`, or undefined when no key of
 * that bucket maps there. sourceKeyOf(t, b, destinationObjectName(t, b, k)) === k.
 */
export function sourceKeyOf(target: CopyTarget, sourceBucket: string, name: string): string | undefined {
  const prefix = destinationPrefixOf(target, sourceBucket);
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

/** Refuses a source bucket the layout does not admit (the legacy layout admits exactly one). */
export function checkLayoutAdmits(target: CopyTarget, sourceBucket: string): void {
  const layout = target.layout;
  if (layout?.kind === 'legacy' && layout.sourceBucket !== sourceBucket) {
    throw new ConfigurationError(
      `gs://${target.bucket}/${target.prefix} uses the legacy layout (<prefix><key>) for s3://${layout.sourceBucket} only; ` +
        `backing up s3://${sourceBucket} there could overwrite its backups. Use the by-source-bucket layout for several buckets.`,
    );
  }
}

function plannedName(target: CopyTarget, sourceBucket: string, key: string): string {
  return destinationPrefixOf(target, sourceBucket) + key;
}

/** Why GCS cannot hold this object name, or undefined if it can. */
export function gcsNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return "GCS does not allow objects named '.' or '..'";
  if (/[\r\n]/.test(name)) return 'GCS object names cannot contain carriage return or line feed characters';
  if (name.startsWith('.well-known/acme-challenge/')) return 'GCS reserves names under .well-known/acme-challenge/';
  if (!isWellFormedUtf16(name)) return 'the name contains an unpaired surrogate and is not valid UTF-8';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_GCS_NAME_BYTES) return `the name is ${bytes} bytes of UTF-8; GCS allows at most ${MAX_GCS_NAME_BYTES}`;
  return undefined;
}

function isWellFormedUtf16(s: string): boolean {
  // String.prototype.isWellFormed is in Node 20+, but not yet in the ES2023 lib typings.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
