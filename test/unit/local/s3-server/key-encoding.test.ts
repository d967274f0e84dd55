import fc from 'fast-check';
import { decodeS3EventKey } from '../../../../workflows/backup/keys';
import { encodeS3Key } from '../../../../workflows/local/s3-server/key-encoding';

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
