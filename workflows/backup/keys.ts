import { InvalidDestinationName, InvalidInput } from './errors';

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
 * The GCS object name for a source key: `prefix + key`, checked against GCS's naming rules
 * (1–1024 bytes of UTF-8, no CR/LF, not '.' or '..', not under .well-known/acme-challenge/).
 */
export function destinationName(prefix: string, key: string): string {
  const name = `${prefix}${key}`;
  const problem = gcsNameProblem(name);
  if (problem) {
    throw new InvalidDestinationName(
      `Cannot back up key ${JSON.stringify(key)} as GCS object ${JSON.stringify(name)}: ${problem}. ` +
        'Rename the source object or exclude it with a skip pattern.',
    );
  }
  return name;
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
