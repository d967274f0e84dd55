import type { PreparedEvent } from '../../../workflows/backup/prepare';

type Handler = (payload: unknown) => Promise<PreparedEvent>;
type S3Module = typeof import('@aws-sdk/client-s3');
const savedEnv = { ...process.env };
afterAll(() => {
  process.env = savedEnv;
});

describe('describe-object handler', () => {
  test('describes the object of the state machine record through HeadObject', async () => {
    process.env = { ...savedEnv, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };
    let handler: Handler | undefined;
    let prepare: ((r: { input: unknown; stateMachineArn: string }, c: unknown) => PreparedEvent) | undefined;
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module instance whose S3 client is mocked */
      const s3 = require('@aws-sdk/client-s3') as S3Module;
      const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
      mockClient(s3.S3Client).on(s3.HeadObjectCommand).resolves({ ContentLength: 7, ETag: '"e7"' });
      handler = (require('../../../handlers/describe-object') as { handler: Handler }).handler;
      prepare = (require('../../../workflows/backup/prepare') as { prepareBackup: typeof prepare }).prepareBackup;
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    const record = prepare!({ input: { bucket: 'src', key: 'k' }, stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:m' }, { target: { bucket: 'b', prefix: '' }, skip: () => undefined });
    const described = await handler!(record);
    expect(described.object).toMatchObject({ size: 7, etag: 'e7' });
  });
});
