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
