import fc from 'fast-check';
import {
  compareUtf8,
  decodeContinuationToken,
  encodeContinuationToken,
  listBucketResult,
  listPage,
  type ListedObject,
} from '../../../../workflows/local/s3-server/listing';

const bytes = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
const obj = (key: string): ListedObject => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) });
/** Well-formed strings only: S3 keys are UTF-8, so they hold no lone surrogates. */
const key = fc.string({ unit: 'grapheme', maxLength: 6 });
const keyOrSlash = fc.array(fc.oneof(fc.constantFrom('/', 'a', 'B', '\uFF5A', '\u{1F600}', 'e\u0301', '\u00e9')), { maxLength: 5 }).map((p) => p.join(''));

describe('compareUtf8', () => {
  it('orders like the UTF-8 bytes (S3 lists in UTF-8 binary order)', () => {
    fc.assert(fc.property(key, key, (a, b) => expect(Math.sign(compareUtf8(a, b))).toBe(bytes(a, b))));
    expect(compareUtf8('\u{1F600}', '\uFF5A')).toBeGreaterThan(0); // UTF-16 code units order them the other way
  });
});

describe('listPage', () => {
  it('walks any key set in pages of any size with nothing dropped or repeated', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyOrSlash, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (keys, maxKeys, withDelimiter) => {
        const delimiter = withDelimiter ? '/' : undefined;
        const expected: string[] = [];
        for (const k of [...keys].sort(bytes)) {
          const cut = delimiter ? k.indexOf('/') : -1;
          const entry = cut >= 0 ? k.slice(0, cut + 1) : k;
          if (expected.at(-1) !== entry) expected.push(entry);
        }
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages <= keys.length + 1; pages++) {
          const page = listPage(keys.map(obj), { prefix: '', delimiter, maxKeys, after });
          const entries = [...page.objects.map((o) => o.key), ...page.commonPrefixes].sort(bytes);
          seen.push(...entries);
          if (!page.isTruncated) break;
          expect(entries).toHaveLength(maxKeys);
          after = page.last;
        }
        expect(seen).toEqual(expected);
      }),
    );
  });
});

describe('listBucketResult', () => {
  const objects = ['a b/1', 'a b/2', 'c'].map(obj);

  it('V1: echoes Marker, sends NextMarker only with a delimiter, URL-encodes names under encoding-type=url', () => {
    const xml = listBucketResult('b', objects, { 'max-keys': '1', delimiter: '/', 'encoding-type': 'url' });
    expect(xml).toContain('<Marker></Marker>');
    expect(xml).toContain('<NextMarker>a+b/</NextMarker>');
    expect(xml).toContain('<CommonPrefixes><Prefix>a+b/</Prefix></CommonPrefixes>');
    expect(xml).toContain('<EncodingType>url</EncodingType>');
    expect(listBucketResult('b', objects, { 'max-keys': '1' })).not.toContain('NextMarker');
  });

  it('V2: a continuation token that resumes after the last entry, KeyCount, escaped XML', () => {
    const xml = listBucketResult('b', [obj('x&<y>')], { 'list-type': '2', 'start-after': 'x' });
    expect(xml).toContain('<Key>x&amp;&lt;y&gt;</Key>');
    expect(xml).toContain('<KeyCount>1</KeyCount>');
    expect(xml).toContain('<StartAfter>x</StartAfter>');
    const token = /<NextContinuationToken>([^<]*)</.exec(listBucketResult('b', objects, { 'list-type': '2', 'max-keys': '2' }))![1]!;
    expect(decodeContinuationToken(token)).toBe('a b/2');
    expect(decodeContinuationToken(encodeContinuationToken('k'))).toBe('k');
  });

  it('refuses what S3 refuses', () => {
    expect(() => listBucketResult('b', objects, { 'max-keys': '-1' })).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => listBucketResult('b', objects, { 'list-type': '3' })).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => listBucketResult('b', objects, { 'encoding-type': 'base64' })).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => listBucketResult('b', objects, { 'list-type': '2', 'continuation-token': 'Zm9v' })).toThrow(/continuation token/);
  });
});
