import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3Fixture, type S3Fixture } from '../../support/s3-server';

/** Where the local S3 server goes beyond fauxqs to answer as S3 does (its other features: test/integration/copy/s3-server.test.ts). */
let fx: S3Fixture;

beforeAll(async () => {
  fx = await startS3Fixture();
  await fx.createBucket('encoded');
  for (const Key of ['a b/c+d\r\n', 'a b/100%']) await fx.s3.send(new PutObjectCommand({ Bucket: 'encoded', Key, Body: 'x' }));
});
afterAll(async () => {
  await fx?.server.close();
});

describe('local S3 server listings', () => {
  it('URL-encodes names and says so when asked with encoding-type=url, as S3 does', async () => {
    const res = await fetch(`${fx.server.endpoint}/encoded?list-type=2&encoding-type=url&prefix=a%20b%2F&delimiter=%2F&start-after=a%20b%2F`);
    const xml = await res.text();
    expect(res.status).toBe(200);
    expect(xml).toContain('<EncodingType>url</EncodingType>');
    expect(xml).toContain('<Prefix>a+b/</Prefix>');
    expect(xml).toContain('<StartAfter>a+b/</StartAfter>');
    expect([...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])).toEqual(['a+b/100%25', 'a+b/c%2Bd%0D%0A']);
  });

  it('sends plain names when not asked', async () => {
    const xml = await (await fetch(`${fx.server.endpoint}/encoded?list-type=2`)).text();
    expect(xml).not.toContain('EncodingType');
    expect(xml).toContain('<Key>a b/100%</Key>');
  });
});
