/**
 * S3's URL-encoding of object keys, for the local S3 server and the sandbox's notifications: form-URL-encoding
 * (a space as '+', '+' itself as '%2B', UTF-8 bytes percent-encoded) with '/' kept — what S3 sends in event
 * notifications and in listings asked for with encoding-type=url ('a b.txt' -> 'a+b.txt', '100%.csv' -> '100%25.csv').
 * The inverse of decodeS3EventKey.
 */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** The elements of a ListObjects (V1 or V2) response that S3 URL-encodes under encoding-type=url. */
const ENCODED_ELEMENTS = /<(Key|Prefix|StartAfter|Delimiter|Marker|NextMarker)>([^<]*)<\/\1>/g;
const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

/**
 * A ListBucketResult document as S3 answers a listing with encoding-type=url: names URL-encoded, so that keys
 * holding characters XML cannot carry intact (CR, most control characters) reach the client unchanged, and an
 * `EncodingType` element that tells the client to decode them.
 */
export function urlEncodeListing(xml: string): string {
  return xml
    .replace(ENCODED_ELEMENTS, (_whole, tag: string, text: string) => `<${tag}>${encodeS3Key(unescapeXml(text))}</${tag}>`)
    .replace('</ListBucketResult>', '<EncodingType>url</EncodingType></ListBucketResult>');
}

function unescapeXml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|apos);/g, (entity) => XML_ENTITIES[entity]!);
}
