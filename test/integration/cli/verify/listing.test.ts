import { PutObjectCommand } from '@aws-sdk/client-s3';
import { items, listSource } from '../../../../workflows/cli/verify/listing';
import { startS3Fixture, type S3Fixture } from '../../../support/s3-server';

/**
 * verify, --repair and backfill name objects by the keys ListObjectsV2 reports. Keys XML cannot carry intact (a CR is
 * read back as a LF) and keys that look URL-encoded ('+', '%') must come back exactly as stored.
 */
let fx: S3Fixture;
const BUCKET = 'listing';
const KEYS = ['crlf\r\nkey', 'cr\ronly', 'tab\tkey', 'plus+sign', 'literal%20percent%', 'a space', 'unicode/日本語-ü-\u{1F600}', 'x/amp&lt;<>"\''];

beforeAll(async () => {
  fx = await startS3Fixture();
  await fx.createBucket(BUCKET);
  for (const Key of KEYS) await fx.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
});
afterAll(async () => {
  await fx?.server.close();
});

async function listedKeys(prefix = '', startAfter?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of items(listSource(fx.s3, BUCKET, prefix, startAfter))) keys.push(entry.key);
  return keys;
}

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('listSource against the local S3 server', () => {
  it('reports every key exactly as stored: CR, tab, +, %, space, unicode and XML specials', async () => {
    expect(await listedKeys()).toEqual([...KEYS].sort(utf8Order));
  });

  it('sends a prefix and a start-after holding + and % as plain keys, not as encodings', async () => {
    expect(await listedKeys('plus+')).toEqual(['plus+sign']);
    expect(await listedKeys('literal%20')).toEqual(['literal%20percent%']);
    expect(await listedKeys('', 'crlf\r\nkey')).toEqual([...KEYS].sort(utf8Order).filter((k) => utf8Order(k, 'crlf\r\nkey') > 0));
  });

  it('reports the size and ETag of a key with a CR', async () => {
    const entries = [];
    for await (const entry of items(listSource(fx.s3, BUCKET, 'crlf'))) entries.push(entry);
    expect(entries).toEqual([{ key: 'crlf\r\nkey', size: Buffer.byteLength('crlf\r\nkey'), etag: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
  });
});
