import { alternativeEventKey, decodeS3EventKey, destinationName, gcsNameProblem } from '../../../workflows/backup/keys';

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

describe('destinationName', () => {
  it('prepends the prefix', () => {
    expect(destinationName('backup/', 'a/b.txt')).toBe('backup/a/b.txt');
  });

  it.each([
    ['a lone dot', '.'],
    ['two dots', '..'],
    ['a line feed', 'line\nfeed'],
    ['a carriage return', 'carriage\rreturn'],
    ['1026 bytes of UTF-8', 'é'.repeat(513)],
    ['the ACME challenge folder', '.well-known/acme-challenge/x'],
  ])('refuses %s with InvalidDestinationName', (_label, key) => {
    expect(() => destinationName('', key)).toThrow(expect.objectContaining({ name: 'InvalidDestinationName' }));
  });

  it('accepts exactly 1024 bytes and refuses 1025', () => {
    expect(gcsNameProblem('a'.repeat(1024))).toBeUndefined();
    expect(gcsNameProblem('a'.repeat(1025))).toMatch(/1025 bytes/);
  });

  it('counts the prefix toward the limit', () => {
    expect(() => destinationName('p/', 'a'.repeat(1023))).toThrow(/1025 bytes/);
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
