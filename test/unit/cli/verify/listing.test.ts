import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { items, listSource } from '../../../../workflows/cli/verify/listing';

const s3 = mockClient(S3Client);

async function keys(): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of items(listSource(new S3Client({ region: 'us-east-1' }), 'src', 'p/'))) out.push(entry.key);
  return out;
}

describe('listSource', () => {
  beforeEach(() => s3.reset());

  it('asks S3 to URL-encode the keys', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    await keys();
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'src', Prefix: 'p/', EncodingType: 'url' });
  });

  it('decodes URL-encoded keys exactly once: + is a space, %2B a plus, %2520 a literal %20, %0D%0A a CR LF', async () => {
    s3.on(ListObjectsV2Command).resolves({
      EncodingType: 'url',
      Contents: ['p/a+b', 'p/c%2Bd', 'p/e%2520f', 'p/g%20h', 'p/cr%0D%0Alf', 'p/%E6%97%A5'].map((Key) => ({ Key, Size: 1, ETag: '"e"' })),
    });
    expect(await keys()).toEqual(['p/a b', 'p/c+d', 'p/e%20f', 'p/g h', 'p/cr\r\nlf', 'p/日']);
  });

  it('leaves keys alone when the response does not say they were encoded', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'p/a+b%20c', Size: 1, ETag: '"e"' }] });
    expect(await keys()).toEqual(['p/a+b%20c']);
  });

  it('refuses a key that is not valid percent-encoding with InvalidInput naming the listing', async () => {
    s3.on(ListObjectsV2Command).resolves({ EncodingType: 'url', Contents: [{ Key: 'p/bad%E2%9C', Size: 1, ETag: '"e"' }] });
    await expect(keys()).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('ListObjectsV2 key') });
  });
});
