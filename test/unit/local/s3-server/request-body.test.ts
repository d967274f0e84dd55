import { Readable } from 'node:stream';
import { createdEventName } from '../../../../workflows/local/s3-server/events';
import { decodeAwsChunkedInPlace, readRequestBody } from '../../../../workflows/local/s3-server/request-body';

const stream = (...chunks: (string | Buffer)[]) => Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
const framed = (data: string[], trailer = '') =>
  data.map((d) => `${Buffer.byteLength(d).toString(16)};chunk-signature=abc\r\n${d}\r\n`).join('') + `0\r\n${trailer}\r\n`;

describe('readRequestBody', () => {
  it('reads a body of known length across chunks into one buffer', async () => {
    const { body } = await readRequestBody(stream('hel', 'lo'), { 'content-length': '5' });
    expect(body.toString()).toBe('hello');
  });

  it('removes aws-chunked framing and returns the trailers', async () => {
    const wire = framed(['hello ', 'world'], 'x-amz-checksum-crc32:AAAAAA==\r\n');
    const { body, trailers } = await readRequestBody(stream(wire.slice(0, 7), wire.slice(7)), {
      'content-length': String(wire.length),
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '11',
    });
    expect(body.toString()).toBe('hello world');
    expect(trailers).toEqual({ 'x-amz-checksum-crc32': 'AAAAAA==' });
  });

  it('reads a body of unknown length (Transfer-Encoding: chunked)', async () => {
    expect((await readRequestBody(stream('a', 'b'), {})).body.toString()).toBe('ab');
  });

  it('refuses bodies over the limit, short or long bodies and bad framing with S3 error codes', async () => {
    await expect(readRequestBody(stream(), { 'content-length': '11' }, 10)).rejects.toMatchObject({ code: 'EntityTooLarge', statusCode: 413 });
    await expect(readRequestBody(stream('abcdefghijk'), {}, 10)).rejects.toMatchObject({ code: 'EntityTooLarge' });
    await expect(
      readRequestBody(stream(), { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '11', 'content-length': '5' }, 10),
    ).rejects.toMatchObject({ code: 'EntityTooLarge' });
    await expect(readRequestBody(stream('abc'), { 'content-length': '5' })).rejects.toMatchObject({ code: 'IncompleteBody', statusCode: 400 });
    await expect(readRequestBody(stream('abcdef'), { 'content-length': '5' })).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(readRequestBody(stream(), { 'content-length': '-1' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    const wire = framed(['abc']);
    await expect(
      readRequestBody(stream(wire), { 'content-length': String(wire.length), 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '4' }),
    ).rejects.toMatchObject({ code: 'IncompleteBody' });
  });

  it('names what is malformed in aws-chunked framing', () => {
    expect(() => decodeAwsChunkedInPlace(Buffer.from('3\r\nabc'))).toThrow(/not followed by CRLF/);
    expect(() => decodeAwsChunkedInPlace(Buffer.from('zz\r\n'))).toThrow(/not hexadecimal/);
    expect(() => decodeAwsChunkedInPlace(Buffer.from('9\r\nabc\r\n'))).toThrow(/longer than the body/);
    expect(() => decodeAwsChunkedInPlace(Buffer.from('3'))).toThrow(/no CRLF/);
  });
});

describe('createdEventName', () => {
  it('names the request as S3 names its event', () => {
    expect(createdEventName({ method: 'PUT', headers: {}, query: {} })).toBe('ObjectCreated:Put');
    expect(createdEventName({ method: 'PUT', headers: { 'x-amz-copy-source': 'b/k' }, query: {} })).toBe('ObjectCreated:Copy');
    expect(createdEventName({ method: 'POST', headers: {}, query: { uploadId: 'u' } })).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(createdEventName({ method: 'POST', headers: {}, query: {} })).toBe('ObjectCreated:Post');
  });
});
