/**
 * Conditional requests for the local S3 server, where fauxqs 2.4.1 ignores them: writes (PutObject, CopyObject,
 * CompleteMultipartUpload) with If-None-Match / If-Match, and HeadObject with If-Match, If-None-Match,
 * If-Modified-Since and If-Unmodified-Since.
 *
 * Writes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html, PutObject API reference):
 * `If-None-Match: *` stores only if the key does not exist, else 412 PreconditionFailed (any value other than `*` is
 * not implemented by S3: 501); `If-Match: <etag>` stores only if the current object has that ETag, else 412, and 404
 * NoSuchKey when there is no object. S3 answers 409 ConditionalRequestConflict when a concurrent write races the
 * conditional one; this server applies writes one at a time, checking the condition in the same synchronous step as
 * the write, so the loser of a race sees the winner's object and gets 412.
 * Reads (HeadObject API reference, RFC 7232 section 6): If-Match false -> 412 and If-Unmodified-Since is then not
 * evaluated; If-None-Match false -> 304 and If-Modified-Since is then not evaluated. ETags compare without quotes.
 */

export interface ConditionFailure {
  code: 'PreconditionFailed' | 'NotModified' | 'NoSuchKey' | 'NotImplemented';
  statusCode: 412 | 304 | 404 | 501;
  message: string;
}

type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const PRECONDITION: ConditionFailure = { code: 'PreconditionFailed', statusCode: 412, message: 'At least one of the pre-conditions you specified did not hold' };

/** Does an If-Match / If-None-Match list (`*`, `"etag"`, `etag`, comma-separated) name `etag`? */
export function etagListMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '');
  return list.split(',').some((item) => {
    const t = item.trim().replace(/^W\//, '').replace(/"/g, '');
    return t === '*' || t === bare;
  });
}

/** Why a write under these headers must not replace `existing` (undefined: no object at the key), or undefined. */
export function writeConditionFailure(headers: Headers, existing: { etag: string } | undefined): ConditionFailure | undefined {
  const ifNoneMatch = header(headers, 'if-none-match');
  const ifMatch = header(headers, 'if-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') return { code: 'NotImplemented', statusCode: 501, message: 'A header you provided implies functionality that is not implemented' };
    if (existing) return PRECONDITION;
  }
  if (ifMatch !== undefined) {
    if (!existing) return { code: 'NoSuchKey', statusCode: 404, message: 'The specified key does not exist.' };
    if (!etagListMatches(ifMatch, existing.etag)) return PRECONDITION;
  }
  return undefined;
}

/** Why a HEAD (or GET) under these headers gets no object: 412 or 304; undefined when it does. */
export function readConditionFailure(headers: Headers, obj: { etag: string; lastModified: Date }): ConditionFailure | undefined {
  // HTTP dates have whole seconds: compare the object's time as its Last-Modified header states it.
  const modified = Math.floor(obj.lastModified.getTime() / 1000) * 1000;
  const date = (name: string): number | undefined => {
    const v = header(headers, name);
    const t = v === undefined ? NaN : Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  };
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, obj.etag)) return PRECONDITION;
  } else {
    const since = date('if-unmodified-since');
    if (since !== undefined && modified > since) return PRECONDITION;
  }
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, obj.etag)) return { code: 'NotModified', statusCode: 304, message: 'Not Modified' };
  } else {
    const since = date('if-modified-since');
    if (since !== undefined && modified <= since) return { code: 'NotModified', statusCode: 304, message: 'Not Modified' };
  }
  return undefined;
}
