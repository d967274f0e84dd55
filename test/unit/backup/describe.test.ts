import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describeObject, parsePreparedEvent } from '../../../workflows/backup/describe';
import { InvalidInput, SourceChanged, SourceNotFound } from '../../../workflows/backup/errors';
import { prepareBackup } from '../../../workflows/backup/prepare';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(s3);
const config = { target: { bucket: 'backup', prefix: '' }, skip: () => undefined };
afterEach(() => mock.reset());

describe('describeObject', () => {
  test('fills in size, unquoted ETag and version from HeadObject, and refreshes the derived fields', async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 42, ETag: '"abc"', VersionId: 'v2' });
    const described = await describeObject(prepareBackup({ bucket: 'src', key: 'k' }, config), s3);
    expect(described.object).toEqual({ action: 'copy', bucket: 'src', key: 'k', origin: 'manual', size: 42, etag: 'abc', versionId: 'v2' });
    expect(JSON.parse(described.objectJson)).toEqual(described.object);
    expect(described.report.version).toBe('v2');
    expect(mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'src', Key: 'k' });
  });

  test('asks for the pinned version when the input names one', async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v1' });
    await describeObject(prepareBackup({ bucket: 'src', key: 'k', versionId: 'v1' }, config), s3);
    expect(mock).toHaveReceivedCommandWith(HeadObjectCommand, { VersionId: 'v1' });
  });

  test('an ETag different from the event is SourceChanged', async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"new"' });
    const prepared = prepareBackup({ bucket: 'src', key: 'k' }, config);
    await expect(describeObject({ ...prepared, object: { ...prepared.object, etag: 'old' } }, s3)).rejects.toBeInstanceOf(SourceChanged);
  });

  test('a missing object is SourceNotFound', async () => {
    mock.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    await expect(describeObject(prepareBackup({ bucket: 'src', key: 'k' }, config), s3)).rejects.toBeInstanceOf(SourceNotFound);
  });
});

test('parsePreparedEvent refuses anything but the state machine record', () => {
  expect(() => parsePreparedEvent({ bucket: 'b', key: 'k' })).toThrow(InvalidInput);
});
