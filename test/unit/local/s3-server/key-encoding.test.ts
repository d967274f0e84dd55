import fc from 'fast-check';
import { decodeS3EventKey } from '../../../../workflows/backup/keys';
import { encodeS3Key, urlEncodeListing } from '../../../../workflows/local/s3-server/key-encoding';

describe('encodeS3Key', () => {
  it('encodes as S3 does: a space as +, + as %2B, % as %25, UTF-8 bytes, / kept', () => {
    expect(encodeS3Key('a b.txt')).toBe('a+b.txt');
    expect(encodeS3Key('a+b.txt')).toBe('a%2Bb.txt');
    expect(encodeS3Key('100%.csv')).toBe('100%25.csv');
    expect(encodeS3Key('한글/x.txt')).toBe('%ED%95%9C%EA%B8%80/x.txt');
    expect(encodeS3Key('test_file(3).png')).toBe('test_file%283%29.png');
  });

  it('is read back by the project decoder for any key', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', minLength: 1 }), (key) => expect(decodeS3EventKey(encodeS3Key(key))).toBe(key)));
  });
});

describe('urlEncodeListing', () => {
  it('encodes the names of a ListBucketResult, unescaping XML first, and says so in EncodingType', () => {
    const xml =
      '<ListBucketResult><Name>b</Name><Prefix>p q/</Prefix><StartAfter>p q/a</StartAfter><KeyCount>1</KeyCount>' +
      '<Contents><Key>p q/a&amp;b\r\n&lt;c&gt;</Key><ETag>&quot;e&quot;</ETag></Contents>' +
      '<CommonPrefixes><Prefix>p q/d+/</Prefix></CommonPrefixes><Delimiter>/</Delimiter></ListBucketResult>';
    expect(urlEncodeListing(xml)).toBe(
      '<ListBucketResult><Name>b</Name><Prefix>p+q/</Prefix><StartAfter>p+q/a</StartAfter><KeyCount>1</KeyCount>' +
        '<Contents><Key>p+q/a%26b%0D%0A%3Cc%3E</Key><ETag>&quot;e&quot;</ETag></Contents>' +
        '<CommonPrefixes><Prefix>p+q/d%2B/</Prefix></CommonPrefixes><Delimiter>/</Delimiter><EncodingType>url</EncodingType></ListBucketResult>',
    );
  });
});
