import type { Metrics } from '@aws-lambda-powertools/metrics';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describeObject, parsePreparedEvent } from '../../../workflows/backup/describe';
import { InvalidInput, SourceChanged, SourceNotFound } from '../../../workflows/backup/errors';
import { destinationUrl } from '../../../workflows/backup/keys';
import { prepareBackup, type PrepareConfig } from '../../../workflows/backup/prepare';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(s3);
const config = { target: { bucket: 'backup', prefix: '' }, skip: () => undefined };
const ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:backup';
const prepare = (input: unknown, c: PrepareConfig) => prepareBackup({ input, stateMachineArn: ARN }, c);
afterEach(() => mock.reset());

describe('describeObject', () => {
  test('fills in size, unquoted ETag and version from HeadObject, and refreshes the derived fields', async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 42, ETag: '"abc"', VersionId: 'v2' });
    const described = await describeObject(prepare({ bucket: 'src', key: 'k' }, config), s3);
    expect(described.object).toEqual({ action: 'copy', bucket: 'src', key: 'k', origin: 'manual', size: 42, etag: 'abc', versionId: 'v2' });
    expect(JSON.parse(described.objectJson)).toEqual(described.object);
    expect(described.report.version).toBe('v2');
    expect(mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'src', Key: 'k' });
  });

  test('asks for the pinned version when the input names one', async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v1' });
    await describeObject(prepare({ bucket: 'src', key: 'k', versionId: 'v1' }, config), s3);
    expect(mock).toHaveReceivedCommandWith(HeadObjectCommand, { VersionId: 'v1' });
  });

  test('an ETag different from the event is SourceChanged, counted as Superseded by bucket and origin', async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"new"' });
    const prepared = prepare({ bucket: 'src', key: 'k' }, config);
    const metrics = { addDimension: jest.fn(), addMetric: jest.fn(), publishStoredMetrics: jest.fn() };
    await expect(describeObject({ ...prepared, object: { ...prepared.object, etag: 'old' } }, s3, metrics)).rejects.toBeInstanceOf(SourceChanged);
    expect(metrics.addDimension.mock.calls).toEqual([
      ['bucket', 'src'],
      ['origin', 'manual'],
    ]);
    expect(metrics.addMetric).toHaveBeenCalledWith('Superseded', 'Count', 1);
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });

  test('a missing object is SourceNotFound', async () => {
    mock.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    await expect(describeObject(prepare({ bucket: 'src', key: 'k' }, config), s3)).rejects.toBeInstanceOf(SourceNotFound);
  });
});

/** "Describe the object" resolves an event key S3 does not have through the same function as the copier (resolve-key.ts). */
describe('describeObject — an event key read the other way', () => {
  const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
  const sink = () => ({ addDimension: jest.fn(), addMetric: jest.fn(), publishStoredMetrics: jest.fn() });
  /** An EventBridge event without a size, so the state machine describes it. */
  const eventBridge = (key: string, etag = 'abc') => ({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: 'src' }, object: { key, etag, sequencer: '0064D3901D00059300' } },
  });

  function s3Has(key: string, etag: string) {
    mock.on(HeadObjectCommand).rejects(notFound());
    mock.on(HeadObjectCommand, { Key: key }).resolves({ ContentLength: 7, ETag: `"${etag}"` });
  }

  it('resolves an EventBridge key whose "+" meant a space, and names the destination after the key S3 has', async () => {
    s3Has('a b.txt', 'abc');
    const target = { bucket: 'backup', prefix: 'p/' };
    const described = await describeObject(prepare(eventBridge('a+b.txt'), { ...config, target }), s3);
    expect(described.object).toMatchObject({ key: 'a b.txt', size: 7, etag: 'abc' });
    expect(described.object).not.toHaveProperty('keyAlternative');
    expect(described.destination).toBe(destinationUrl(target, 'src', 'a b.txt'));
    expect(JSON.parse(described.objectJson)).toEqual(described.object);
  });

  it('resolves a notification key whose other reading is the object S3 has', async () => {
    s3Has('c+d.txt', 'abc');
    const record = { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'src' }, object: { key: 'c+d.txt', eTag: 'abc' } } };
    const described = await describeObject(prepare(record, config), s3);
    expect(described.object.key).toBe('c+d.txt');
    expect(described.destination).toBe(destinationUrl(config.target, 'src', 'c+d.txt'));
  });

  it('stays SourceNotFound when the other reading holds another object (ETag differs), and counts SourceGone by origin', async () => {
    s3Has('a b.txt', 'other');
    const metrics = sink();
    await expect(describeObject(prepare(eventBridge('a+b.txt'), config), s3, metrics as unknown as Metrics)).rejects.toBeInstanceOf(SourceNotFound);
    expect(metrics.addDimension).toHaveBeenCalledWith('origin', 'eventbridge');
    expect(metrics.addMetric).toHaveBeenCalledWith('SourceGone', 'Count', 1);
  });

  it('stays SourceNotFound when the key has no other reading', async () => {
    s3Has('elsewhere', 'abc');
    const metrics = sink();
    await expect(describeObject(prepare(eventBridge('a_b.txt'), config), s3, metrics as unknown as Metrics)).rejects.toBeInstanceOf(SourceNotFound);
    expect(mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });
});

test('parsePreparedEvent refuses anything but the state machine record', () => {
  expect(() => parsePreparedEvent({ bucket: 'b', key: 'k' })).toThrow(InvalidInput);
});
