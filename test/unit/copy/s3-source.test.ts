import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import type { SourceObject } from '../../../workflows/copy/metadata';
import { getRange, getSource, getWhole, headSource } from '../../../workflows/copy/s3-source';
import { S3_GET_FAILURES, loadRecordedErrors, rebuildError } from '../../support/recorded-errors';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });

/** GetObject's Body as the SDK hands it over: a Node stream (the engine only iterates it). */
function body(...chunks: Buffer[]) {
  return Readable.from(chunks) as never;
}
function s3Error(name: string, status: number) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** How S3 describes a version, in a HEAD or a GET answer: every field the engine maps. */
const DESCRIBED = {
  ETag: '"e"',
  LastModified: new Date('2026-01-01T00:00:00Z'),
  ContentType: 'text/plain',
  ContentEncoding: 'gzip',
  ContentDisposition: 'inline',
  ContentLanguage: 'en',
  CacheControl: 'no-cache',
  Metadata: { a: '1' },
  ChecksumCRC32C: 'yZRlqg==',
  ChecksumType: 'FULL_OBJECT' as const,
  StorageClass: 'GLACIER' as const,
  Restore: 'ongoing-request="false"',
  ServerSideEncryption: 'aws:kms' as const,
};

beforeEach(() => s3Mock.reset());

describe('headSource', () => {
  it('pins by VersionId when known and asks for the stored checksum', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 3, ETag: '"abc"', VersionId: 'v1' });
    const src = await headSource(s3, { bucket: 'b', key: 'k', versionId: 'v1', etag: 'abc' });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'b', Key: 'k', VersionId: 'v1', ChecksumMode: 'ENABLED' });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]!.args[0].input).not.toHaveProperty('IfMatch');
    expect(src).toMatchObject({ size: 3, etag: 'abc', versionId: 'v1' });
  });

  it('pins by a quoted If-Match on the ETag when there is no version', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 3, ETag: '"abc"' });
    await headSource(s3, { bucket: 'b', key: 'k', etag: 'abc' });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { IfMatch: '"abc"' });
  });

  describe('a HEAD 404 (S3 sends no body, so no NoSuchBucket): HeadBucket tells a missing key from a missing bucket', () => {
    const recorded = new Map(loadRecordedErrors('s3.json').map((r) => [r.id, r.error]));
    const replay = (id: string) => rebuildError(recorded.get(id)!);

    it('is SourceNotFound when the bucket exists', async () => {
      s3Mock.on(HeadObjectCommand).rejects(replay('s3-head-missing-key'));
      s3Mock.on(HeadBucketCommand).resolves({});
      await expect(headSource(s3, { bucket: 'b', key: 'k' })).rejects.toMatchObject({ name: 'SourceNotFound' });
      expect(s3Mock).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: 'b' });
    });

    it('is ConfigurationError when the bucket does not exist', async () => {
      s3Mock.on(HeadObjectCommand).rejects(replay('s3-head-missing-bucket'));
      s3Mock.on(HeadBucketCommand).rejects(replay('s3-head-bucket-missing'));
      const err = (await headSource(s3, { bucket: 'b', key: 'k' }).catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ name: 'ConfigurationError' });
      expect(err.message).toMatch(/HeadObject on s3:\/\/b\/k: the source bucket b does not exist/);
    });

    it('is TransientError when HeadBucket itself fails transiently (decided on the retry)', async () => {
      s3Mock.on(HeadObjectCommand).rejects(replay('s3-head-missing-key'));
      s3Mock.on(HeadBucketCommand).rejects(replay('s3-head-slow-down'));
      await expect(headSource(s3, { bucket: 'b', key: 'k' })).rejects.toMatchObject({ name: 'TransientError' });
    });

    it('is ConfigurationError when the bucket refuses HeadBucket (403: not ours, or no s3:ListBucket)', async () => {
      s3Mock.on(HeadObjectCommand).rejects(replay('s3-head-missing-key'));
      s3Mock.on(HeadBucketCommand).rejects(replay('s3-get-403-access-denied'));
      await expect(headSource(s3, { bucket: 'b', key: 'k' })).rejects.toMatchObject({ name: 'ConfigurationError' });
    });

    it('asks nothing more for other HEAD failures', async () => {
      s3Mock.on(HeadObjectCommand).rejects(replay('s3-head-slow-down'));
      await expect(headSource(s3, { bucket: 'b', key: 'k' })).rejects.toMatchObject({ name: 'TransientError' });
      expect(s3Mock.commandCalls(HeadBucketCommand)).toHaveLength(0);
    });
  });

  it('maps every field the engine needs', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ...DESCRIBED, ContentLength: 10, VersionId: 'null' });
    const src = await headSource(s3, { bucket: 'b', key: 'k' });
    expect(src).toEqual({
      bucket: 'b',
      key: 'k',
      size: 10,
      etag: 'e',
      versionId: undefined, // 'null' is S3's name for "unversioned"
      lastModified: new Date('2026-01-01T00:00:00Z'),
      contentType: 'text/plain',
      contentEncoding: 'gzip',
      contentDisposition: 'inline',
      contentLanguage: 'en',
      cacheControl: 'no-cache',
      userMetadata: { a: '1' },
      checksumCrc32c: 'yZRlqg==',
      checksumType: 'FULL_OBJECT',
      storageClass: 'GLACIER',
      restore: 'ongoing-request="false"',
      serverSideEncryption: 'aws:kms',
      sseCustomerAlgorithm: undefined,
    });
  });

  it.each([
    ['NotFound', 404, 'SourceNotFound'],
    ['PreconditionFailed', 412, 'SourceChanged'],
    ['Forbidden', 403, 'SourceNotReadable'],
  ])('classifies %s', async (name, status, expected) => {
    s3Mock.on(HeadObjectCommand).rejects(s3Error(name, status));
    await expect(headSource(s3, { bucket: 'b', key: 'k' })).rejects.toMatchObject({ name: expected });
  });
});

describe('getWhole / getRange', () => {
  it('reads a ranged part into one buffer, pinned by If-Match', async () => {
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 6, Body: body(Buffer.from('abc'), Buffer.from('def')) });
    const part = await getRange(s3, { bucket: 'b', key: 'k', etag: 'e' }, 8, 13);
    expect(part.toString()).toBe('abcdef');
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'b', Key: 'k', Range: 'bytes=8-13', IfMatch: '"e"' });
  });

  it('reads the whole object pinned by VersionId', async () => {
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 2, Body: body(Buffer.from('hi')) });
    await expect(getWhole(s3, { bucket: 'b', key: 'k', versionId: 'v9', etag: 'e' }, 2)).resolves.toEqual(Buffer.from('hi'));
    const input = s3Mock.commandCalls(GetObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ VersionId: 'v9' });
    expect(input).not.toHaveProperty('IfMatch');
    expect(input.Range).toBeUndefined();
  });

  it('treats a body cut short as transient', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Buffer.from('abc')) });
    await expect(getWhole(s3, { bucket: 'b', key: 'k' }, 5)).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('treats a body longer than announced as an integrity failure', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Buffer.from('abcdef')) });
    await expect(getWhole(s3, { bucket: 'b', key: 'k' }, 5)).rejects.toMatchObject({ name: 'IntegrityError' });
  });

  it('rejects a response whose Content-Length disagrees with the range', async () => {
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 4, Body: body(Buffer.from('abcd')) });
    await expect(getRange(s3, { bucket: 'b', key: 'k' }, 0, 9)).rejects.toMatchObject({ name: 'IntegrityError' });
  });

  it.each([
    ['PreconditionFailed', 412, 'SourceChanged'],
    ['NoSuchKey', 404, 'SourceNotFound'],
    ['InvalidObjectState', 403, 'SourceNotReadable'],
    ['SlowDown', 503, 'TransientError'],
  ])('classifies %s', async (name, status, expected) => {
    s3Mock.on(GetObjectCommand).rejects(s3Error(name, status));
    await expect(getRange(s3, { bucket: 'b', key: 'k', etag: 'e' }, 0, 1)).rejects.toMatchObject({ name: expected });
  });

  it('classifies a connection reset while reading the body', async () => {
    const broken = new Readable({
      read() {
        this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      },
    });
    s3Mock.on(GetObjectCommand).resolves({ Body: broken as never });
    await expect(getWhole(s3, { bucket: 'b', key: 'k' }, 5)).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('getSource (one GET in place of HEAD + GET)', () => {
  const recorded = new Map(loadRecordedErrors('s3.json').map((r) => [r.id, r.error]));
  const replay = (id: string) => rebuildError(recorded.get(id)!);
  const ok = () => undefined;

  it('pins by VersionId, asks for the stored checksum, and returns the same description as HeadObject with the bytes', async () => {
    const described = { ...DESCRIBED, ContentLength: 2, VersionId: 'v9' };
    s3Mock.on(HeadObjectCommand).resolves(described);
    s3Mock.on(GetObjectCommand).resolves({ ...described, Body: body(Buffer.from('hi')) });
    const read = await getSource(s3, { bucket: 'b', key: 'k', versionId: 'v9', etag: 'e' }, 2, ok);
    expect(read.body).toEqual(Buffer.from('hi'));
    expect(read.source).toEqual(await headSource(s3, { bucket: 'b', key: 'k', versionId: 'v9' }));
    const input = s3Mock.commandCalls(GetObjectCommand)[0]!.args[0].input;
    expect(input).toEqual({ Bucket: 'b', Key: 'k', VersionId: 'v9', ChecksumMode: 'ENABLED' });
  });

  it('pins by a quoted If-Match on the event ETag when there is no version', async () => {
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 2, ETag: '"e"', Body: body(Buffer.from('hi')) });
    await getSource(s3, { bucket: 'b', key: 'k', etag: 'e' }, 2, ok);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { IfMatch: '"e"', ChecksumMode: 'ENABLED' });
  });

  it('lets the caller refuse the version before a byte of the body is read, and frees the connection', async () => {
    const stream = body(Buffer.from('hi')) as unknown as Readable;
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 2, ETag: '"other"', Body: stream as never });
    const refuse = (s: SourceObject) => {
      throw Object.assign(new Error(`etag ${s.etag}`), { name: 'SourceChanged' });
    };
    await expect(getSource(s3, { bucket: 'b', key: 'k', versionId: 'v1' }, 2, refuse)).rejects.toMatchObject({ name: 'SourceChanged', message: 'etag other' });
    expect(stream.destroyed).toBe(true);
  });

  it("reads S3's size, as HeadObject's governed: whole up to maxBytes, else the body is left unread for ranged GETs", async () => {
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 3, ETag: '"e"', Body: body(Buffer.from('hi!')) });
    await expect(getSource(s3, { bucket: 'b', key: 'k', etag: 'e' }, 3, ok)).resolves.toMatchObject({ source: { size: 3 }, body: Buffer.from('hi!') });
    const stream = body(Buffer.from('hi!')) as unknown as Readable;
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 3, ETag: '"e"', Body: stream as never });
    const read = await getSource(s3, { bucket: 'b', key: 'k', etag: 'e' }, 2, ok);
    expect(read).toEqual({ source: expect.objectContaining({ size: 3 }) });
    expect(stream.destroyed).toBe(true);
  });

  it("is an IntegrityError when the SDK finds the body does not match S3's stored checksum", async () => {
    const mismatch = new Readable({
      read() {
        // @smithy/core ChecksumStream's own message when the bytes hash differently from x-amz-checksum-*.
        this.destroy(new Error('Checksum mismatch: expected "AAAAAA==" but received "yZRlqg==" in response header "x-amz-checksum-crc32c".'));
      },
    });
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 2, ETag: '"e"', Body: mismatch as never });
    await expect(getSource(s3, { bucket: 'b', key: 'k', etag: 'e' }, 2, ok)).rejects.toMatchObject({ name: 'IntegrityError' });
  });

  // Errors the SDK really threw for GETs (test/fixtures/errors/s3.json). A GET error has a body, so S3's code tells a
  // missing bucket from a missing key without HeadBucket.
  it.each([...S3_GET_FAILURES, ['s3-get-slow-down', 'TransientError'] as const])('classifies %s as %s, asking nothing more', async (id, expected) => {
    s3Mock.on(GetObjectCommand).rejects(replay(id));
    await expect(getSource(s3, { bucket: 'b', key: 'k', etag: 'e' }, 2, ok)).rejects.toMatchObject({ name: expected });
    expect(s3Mock.calls()).toHaveLength(1);
  });
});
