import { etagListMatches, readConditionFailure, writeConditionFailure } from '../../../../workflows/local/s3-server/conditions';

const obj = { etag: '"abc"', lastModified: new Date('2026-01-01T12:00:00.700Z') };

describe('writeConditionFailure', () => {
  it('If-None-Match: * fails with 412 when the key exists; other values are not implemented (501)', () => {
    expect(writeConditionFailure({ 'if-none-match': '*' }, undefined)).toBeUndefined();
    expect(writeConditionFailure({ 'if-none-match': '*' }, obj)).toMatchObject({ code: 'PreconditionFailed', statusCode: 412 });
    expect(writeConditionFailure({ 'if-none-match': '"abc"' }, undefined)).toMatchObject({ statusCode: 501 });
  });

  it('If-Match needs the object with that ETag, quoted or not: 412 for another, 404 without an object', () => {
    expect(writeConditionFailure({ 'if-match': '"abc"' }, obj)).toBeUndefined();
    expect(writeConditionFailure({ 'if-match': 'abc' }, obj)).toBeUndefined();
    expect(writeConditionFailure({ 'if-match': '"abd"' }, obj)).toMatchObject({ statusCode: 412 });
    expect(writeConditionFailure({ 'if-match': '"abc"' }, undefined)).toMatchObject({ code: 'NoSuchKey', statusCode: 404 });
  });
});

describe('readConditionFailure', () => {
  const at = (iso: string) => new Date(iso).toUTCString();
  it('follows RFC 7232 precedence as S3 documents for HeadObject', () => {
    expect(readConditionFailure({}, obj)).toBeUndefined();
    expect(readConditionFailure({ 'if-match': '"other"' }, obj)).toMatchObject({ statusCode: 412 });
    // If-Match true: If-Unmodified-Since is not evaluated.
    expect(readConditionFailure({ 'if-match': '"abc"', 'if-unmodified-since': at('2025-01-01T00:00:00Z') }, obj)).toBeUndefined();
    expect(readConditionFailure({ 'if-unmodified-since': at('2025-01-01T00:00:00Z') }, obj)).toMatchObject({ statusCode: 412 });
    expect(readConditionFailure({ 'if-none-match': 'abc' }, obj)).toMatchObject({ statusCode: 304 });
    // If-None-Match false (another ETag): If-Modified-Since is not evaluated.
    expect(readConditionFailure({ 'if-none-match': '"other"', 'if-modified-since': at('2027-01-01T00:00:00Z') }, obj)).toBeUndefined();
  });

  it('compares with the Last-Modified the client saw, in whole seconds', () => {
    expect(readConditionFailure({ 'if-modified-since': obj.lastModified.toUTCString() }, obj)).toMatchObject({ statusCode: 304 });
    expect(readConditionFailure({ 'if-unmodified-since': obj.lastModified.toUTCString() }, obj)).toBeUndefined();
  });

  it('matches lists, weak tags and *', () => {
    expect(etagListMatches('"x", W/"abc"', '"abc"')).toBe(true);
    expect(etagListMatches('*', '"abc"')).toBe(true);
    expect(etagListMatches('"x"', '"abc"')).toBe(false);
  });
});
