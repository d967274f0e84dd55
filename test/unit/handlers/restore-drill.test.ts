import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Storage } from '@google-cloud/storage';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readDrillSettings, restoreDrillHandler } from '../../../workflows/handlers/restore-drill';

const snsMock = mockClient(SNSClient);
const ENV = { DEST_BUCKET: 'backup', DEST_PREFIX: 'aws/', DRILL_SCRATCH_BUCKET: 'scratch', DRILL_SAMPLE: '5', ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts', STAGE: 'prod' };
const logger = new Logger({ logLevel: 'SILENT' });
/** A Storage whose listing answers `files` (or fails). */
const storageListing = (answer: () => Promise<unknown>) => async () => ({ bucket: () => ({ getFiles: answer }) }) as unknown as Storage;

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
});

describe('readDrillSettings', () => {
  it('reads the environment and names a missing or bad variable', () => {
    expect(readDrillSettings(ENV)).toMatchObject({ gcsBucket: 'backup', gcsPrefix: 'aws/', scratchBucket: 'scratch', sample: 5 });
    expect(() => readDrillSettings({ ...ENV, DRILL_SCRATCH_BUCKET: '' })).toThrow('DRILL_SCRATCH_BUCKET is not set');
    expect(() => readDrillSettings({ ...ENV, DRILL_SAMPLE: '0' })).toThrow('DRILL_SAMPLE must be a positive integer');
  });
});

describe('restoreDrillHandler', () => {
  const handler = (storage: () => Promise<Storage>) => restoreDrillHandler({ settings: readDrillSettings(ENV), s3: new S3Client({ region: 'eu-west-1' }), storage, sns: new SNSClient({}), logger });

  it('alerts and fails when the drill cannot run', async () => {
    await expect(handler(storageListing(() => Promise.reject(Object.assign(new Error('denied'), { code: 403 }))))()).rejects.toThrow();
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: ENV.ALERT_TOPIC_ARN, Subject: 'Restore drill FAILED to run (prod)' });
  });

  it('alerts when there was nothing to sample: a drill that proves nothing is not a pass', async () => {
    const report = await handler(storageListing(async () => [[], null]))();
    expect(report).toMatchObject({ population: 0, proven: 0 });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { Subject: 'Restore drill found differences (prod)' });
  });
});
