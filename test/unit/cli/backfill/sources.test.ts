import { parseCsvLine, parseManifest } from '../../../../workflows/cli/backfill/sources';

describe('S3 Inventory reading', () => {
  it('splits quoted CSV fields, with "" inside quotes and empty fields', () => {
    expect(parseCsvLine('"acme","reports/a%2Cb.pdf","12","d41d8cd9"')).toEqual(['acme', 'reports/a%2Cb.pdf', '12', 'd41d8cd9']);
    expect(parseCsvLine('"a","say ""hi""","",""')).toEqual(['a', 'say "hi"', '', '']);
    expect(parseCsvLine('"a",,"c"')).toEqual(['a', '', 'c']);
    expect(() => parseCsvLine('"open')).toThrow('unterminated');
  });

  const where = { bucket: 'inv', key: 'm/manifest.json' };
  it('accepts a CSV manifest', () => {
    const m = parseManifest(JSON.stringify({ sourceBucket: 'acme', destinationBucket: 'arn:aws:s3:::inv', fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size', files: [{ key: 'f.csv.gz' }] }), where);
    expect(m.sourceBucket).toBe('acme');
  });

  it.each([
    ['not JSON', '{', 'is not JSON'],
    ['not a manifest', '{"files":[]}', 'is not an S3 Inventory manifest'],
    ['an ORC inventory', JSON.stringify({ sourceBucket: 'a', destinationBucket: 'b', fileFormat: 'ORC', fileSchema: 'x', files: [] }), 'only CSV inventories are read'],
  ])('refuses %s with a usage error', (_what, text, message) => {
    expect(() => parseManifest(text, where)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(message) }));
  });
});
