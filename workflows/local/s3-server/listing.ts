/**
 * ListObjects (v1) and ListObjectsV2 as S3 answers them, for the local S3 server (fauxqs 2.4.1 sorts with
 * localeCompare and its continuation then drops or repeats keys).
 *
 * S3 (general purpose buckets) returns keys in UTF-8 binary order: "List results are always returned in UTF-8 binary
 * order" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ListingKeysUsingAPIs.html); the ListObjectsV2
 * reference says objects come "sorted in an ascending order of the respective key names"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). A page holds at most MaxKeys entries, keys and CommonPrefixes counted together in that order; all keys
 * rolled up into a CommonPrefix count once. The next page starts after the last entry of this one, so no key is
 * dropped or repeated however the pages are cut.
 */
import { encodeS3Key } from './key-encoding';

export interface ListedObject {
  key: string;
  size: number;
  /** With its quotes, as in the XML. */
  etag: string;
  lastModified: Date;
}

/**
 * UTF-8 byte order of two strings without encoding them: it is code point order, which differs from JS's UTF-16
 * order only where a surrogate pair (a code point above U+FFFF, e.g. an emoji) meets U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export interface ListRequest {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  /** Entries at or before this name are left out (V1 Marker, V2 StartAfter or the continuation token's name). */
  after?: string;
}

export interface ListPage {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last entry of the page (a key or a CommonPrefix): where the next page starts after. */
  last?: string;
}

/** One page of a listing over `objects` (any order). */
export function listPage(objects: Iterable<ListedObject>, req: ListRequest): ListPage {
  const { prefix, delimiter, maxKeys, after } = req;
  // Entries up to `after` are dropped before sorting: a later page sorts only what remains.
  const sorted = [...objects]
    .filter((o) => o.key.startsWith(prefix) && (after === undefined || compareUtf8(o.key, after) > 0))
    .sort((a, b) => compareUtf8(a.key, b.key));
  const page: ListPage = { objects: [], commonPrefixes: [], isTruncated: false };
  let count = 0;
  for (const obj of sorted) {
    const cut = delimiter ? obj.key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut >= 0 ? obj.key.slice(0, cut + delimiter!.length) : obj.key;
    // Keys under one CommonPrefix are contiguous in byte order; one listed before (or as `after`) covers them all.
    if (cut >= 0 && (entry === page.last || (after !== undefined && compareUtf8(entry, after) <= 0))) continue;
    if (count >= maxKeys) {
      page.isTruncated = true;
      break;
    }
    if (cut >= 0) page.commonPrefixes.push(entry);
    else page.objects.push(obj);
    page.last = entry;
    count++;
  }
  return page;
}

/** Continuation tokens are opaque to clients; ours carry the last listed name, tagged so a forged one is refused. */
const TOKEN_TAG = 'local-s3:';
export function encodeContinuationToken(last: string): string {
  return Buffer.from(TOKEN_TAG + last, 'utf8').toString('base64');
}
export function decodeContinuationToken(token: string): string | undefined {
  const text = Buffer.from(token, 'base64').toString('utf8');
  return text.startsWith(TOKEN_TAG) ? text.slice(TOKEN_TAG.length) : undefined;
}

export class ListingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

type Query = Record<string, string | undefined>;

/** The XML of a ListObjects (V1, or V2 with list-type=2) request on `bucket`, whose objects are `objects`. */
export function listBucketResult(bucket: string, objects: Iterable<ListedObject>, query: Query): string {
  const v2 = query['list-type'] === '2';
  if (query['list-type'] !== undefined && !v2) throw new ListingError('InvalidArgument', 'Invalid List Type specified: list-type');
  const maxKeys = parseMaxKeys(query['max-keys']);
  const prefix = query.prefix ?? '';
  const delimiter = query.delimiter || undefined;
  const encodingType = query['encoding-type'];
  if (encodingType !== undefined && encodingType !== 'url') throw new ListingError('InvalidArgument', 'Invalid Encoding Method specified in Request');
  const name = (text: string) => escapeXml(encodingType === 'url' ? encodeS3Key(text) : text);

  let after: string | undefined;
  const token = query['continuation-token'];
  if (v2 && token !== undefined) {
    after = decodeContinuationToken(token);
    if (after === undefined) throw new ListingError('InvalidArgument', 'The continuation token provided is incorrect');
  } else {
    after = (v2 ? query['start-after'] : query.marker) || undefined;
  }
  const page = listPage(objects, { prefix, delimiter, maxKeys, after });

  const xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'];
  xml.push(`<Name>${escapeXml(bucket)}</Name>`, `<Prefix>${name(prefix)}</Prefix>`);
  if (v2) {
    if (query['start-after']) xml.push(`<StartAfter>${name(query['start-after'])}</StartAfter>`);
    if (token !== undefined) xml.push(`<ContinuationToken>${escapeXml(token)}</ContinuationToken>`);
    if (page.isTruncated) xml.push(`<NextContinuationToken>${escapeXml(encodeContinuationToken(page.last!))}</NextContinuationToken>`);
    xml.push(`<KeyCount>${page.objects.length + page.commonPrefixes.length}</KeyCount>`);
  } else {
    xml.push(`<Marker>${name(query.marker ?? '')}</Marker>`);
    // S3 sends NextMarker only with a delimiter; without one, clients resume after the last Key.
    if (page.isTruncated && delimiter) xml.push(`<NextMarker>${name(page.last!)}</NextMarker>`);
  }
  xml.push(`<MaxKeys>${maxKeys}</MaxKeys>`);
  if (delimiter) xml.push(`<Delimiter>${name(delimiter)}</Delimiter>`);
  if (encodingType) xml.push('<EncodingType>url</EncodingType>');
  xml.push(`<IsTruncated>${page.isTruncated}</IsTruncated>`);
  for (const o of page.objects) {
    xml.push(
      `<Contents><Key>${name(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
        `<ETag>${escapeXml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
  }
  for (const p of page.commonPrefixes) xml.push(`<CommonPrefixes><Prefix>${name(p)}</Prefix></CommonPrefixes>`);
  xml.push('</ListBucketResult>');
  return xml.join('\n');
}

/** S3 caps MaxKeys at 1,000 and refuses what is not a non-negative integer. */
function parseMaxKeys(value: string | undefined): number {
  if (value === undefined) return 1000;
  if (!/^\d+$/.test(value)) throw new ListingError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  return Math.min(Number(value), 1000);
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}
