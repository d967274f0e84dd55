import { alternativeEventKey, decodeS3EventKey, destinationObjectName, destinationUrl, gcsNameProblem, sourceKeyOf } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';

describe('decodeS3EventKey', () => {
  it.each([
    ['red+flower+c%2B%2B+%E2%9C%BF.jpg', 'red flower c++ ✿.jpg'],
    ['docs/report+Q3.pdf', 'docs/report Q3.pdf'],
    ['images/%E6%97%A5%E6%9C%AC%E8%AA%9E.png', 'images/日本語.png'],
    ['a%20b', 'a b'],
    ['100%25+sure', '100% sure'],
    ['plain/key.txt', 'plain/key.txt'],
  ])('decodes %s as %s', (encoded, decoded) => {
    expect(decodeS3EventKey(encoded)).toBe(decoded);
  });

  it('rejects malformed percent-encoding with a named error', () => {
    expect(() => decodeS3EventKey('bad%E2%9C')).toThrow(expect.objectContaining({ name: 'InvalidInput' }));
  });
});

describe('destinationObjectName', () => {
  const target = (layout?: CopyTarget['layout']): CopyTarget => ({ bucket: 'backup', prefix: 'aws/', ...(layout ? { layout } : {}) });

  it('names the source bucket by default: <prefix><source-bucket>/<key>', () => {
    expect(destinationObjectName(target(), 'invoices', 'shared/report.txt')).toBe('aws/invoices/shared/report.txt');
    expect(destinationObjectName(target(), 'media', 'shared/report.txt')).toBe('aws/media/shared/report.txt');
  });

  it("uses a bucket's own destination prefix when the stage gives one, the bucket's folder otherwise", () => {
    const t = target({ kind: 'by-source-bucket', bucketPrefixes: { invoices: 'billing/' } });
    expect(destinationObjectName(t, 'invoices', 'a.txt')).toBe('aws/billing/a.txt');
    expect(destinationObjectName(t, 'media', 'a.txt')).toBe('aws/media/a.txt');
  });

  it('keeps <prefix><key> under the legacy layout, for its one source bucket only', () => {
    const t = target({ kind: 'legacy', sourceBucket: 'invoices' });
    expect(destinationObjectName(t, 'invoices', 'a.txt')).toBe('aws/a.txt');
    expect(() => destinationObjectName(t, 'media', 'a.txt')).toThrow(expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(/s3:\/\/invoices only.*s3:\/\/media/) }));
  });

  it.each([
    ['a lone dot', '.'],
    ['two dots', '..'],
    ['a line feed', 'line\nfeed'],
    ['a carriage return', 'carriage\rreturn'],
    ['1026 bytes of UTF-8', 'é'.repeat(513)],
    ['the ACME challenge folder', '.well-known/acme-challenge/x'],
  ])('refuses %s with InvalidDestinationName (legacy layout, empty prefix)', (_label, key) => {
    const t: CopyTarget = { bucket: 'backup', prefix: '', layout: { kind: 'legacy', sourceBucket: 'b' } };
    expect(() => destinationObjectName(t, 'b', key)).toThrow(expect.objectContaining({ name: 'InvalidDestinationName' }));
  });

  it('accepts exactly 1024 bytes and refuses 1025', () => {
    expect(gcsNameProblem('a'.repeat(1024))).toBeUndefined();
    expect(gcsNameProblem('a'.repeat(1025))).toMatch(/1025 bytes/);
  });

  it('counts the prefix and the bucket folder toward the limit', () => {
    // 'aws/' + 'b/' = 6 bytes
    expect(destinationObjectName(target(), 'b', 'a'.repeat(1018))).toHaveLength(1024);
    expect(() => destinationObjectName(target(), 'b', 'a'.repeat(1019))).toThrow(/1025 bytes/);
  });
});

describe('destinationUrl', () => {
  it('is the gs:// URL of the same name, not refused when GCS cannot hold it (the copier refuses it)', () => {
    const t: CopyTarget = { bucket: 'backup', prefix: 'aws/' };
    expect(destinationUrl(t, 'invoices', 'a b.txt')).toBe(`gs://backup/${destinationObjectName(t, 'invoices', 'a b.txt')}`);
    expect(destinationUrl(t, 'invoices', 'x\ny')).toBe('gs://backup/aws/invoices/x\ny');
  });
});

describe('sourceKeyOf', () => {
  it.each<[string, CopyTarget['layout']]>([
    ['by-source-bucket', undefined],
    ['a bucket prefix', { kind: 'by-source-bucket', bucketPrefixes: { invoices: 'billing/' } }],
    ['legacy', { kind: 'legacy', sourceBucket: 'invoices' }],
  ])('maps a name back to its key (%s)', (_label, layout) => {
    const t: CopyTarget = { bucket: 'backup', prefix: 'aws/', ...(layout ? { layout } : {}) };
    expect(sourceKeyOf(t, 'invoices', destinationObjectName(t, 'invoices', 'shared/report.txt'))).toBe('shared/report.txt');
  });

  it("answers undefined for a name outside the bucket's prefix", () => {
    expect(sourceKeyOf({ bucket: 'backup', prefix: 'aws/' }, 'invoices', 'aws/media/shared/report.txt')).toBeUndefined();
  });
});

describe('alternativeEventKey', () => {
  it.each([
    ['an EventBridge key, form-decoded', 'eventbridge', 'q3+final%20v2.csv', 'q3 final v2.csv'],
    ['a notification key, percent-decoded with "+" kept', 's3-notification', 'c%2B%2B/notes+1.txt', 'c++/notes+1.txt'],
  ] as const)('reads %s', (_label, origin, eventKey, alternative) => {
    expect(alternativeEventKey(eventKey, origin)).toBe(alternative);
  });

  it.each([
    ['both readings agree', 'eventbridge', 'plain/key.txt'],
    ['a notification key without "+"', 's3-notification', 'photos/%E2%9C%BF.jpg'],
    ['the other reading is not valid percent-encoding', 'eventbridge', '100%+sure.txt'],
  ] as const)('is undefined when %s', (_label, origin, eventKey) => {
    expect(alternativeEventKey(eventKey, origin)).toBeUndefined();
  });
});
