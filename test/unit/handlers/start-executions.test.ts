import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const FIXTURES = path.join(__dirname, '../../fixtures/events');
const batch = (name: string): SQSEvent => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as SQSEvent;
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:backup-object';
const context = {
  functionName: 'start-executions',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:start-executions',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

type SfnModule = typeof import('@aws-sdk/client-sfn');
const savedEnv = { ...process.env };
let sfnMock: AwsClientStub<InstanceType<SfnModule['SFNClient']>>;
let sfn: SfnModule;

/**
 * Loads the handler module afresh, so its module-scope config is read from `env`. The isolated module registry has
 * its own copy of the SFN client, so the mock is attached to that copy before the handler builds its client.
 */
function loadHandler(env: Record<string, string>): Handler {
  process.env = { ...savedEnv, POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1', ...env };
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per test needs require
    sfn = require('@aws-sdk/client-sfn') as SfnModule;
    sfnMock = mockClient(sfn.SFNClient);
    sfnMock.on(sfn.StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:111122223333:execution:backup-object:x' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    handler = (require('../../../handlers/start-executions') as { handler: Handler }).handler;
  });
  return handler!;
}

afterEach(() => {
  sfnMock?.restore();
});
afterAll(() => {
  process.env = savedEnv;
});

describe('start-executions handler', () => {
  it('starts executions on the configured state machine and reports partial failures', async () => {
    const handler = loadHandler({ STATE_MACHINE_ARN });
    const result = await handler(batch('sqs-batch-s3-direct.json'), context);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a1b2c3d4-0000-4000-8000-000000000003' }] });
    expect(sfnMock).toHaveReceivedCommandTimes(sfn.StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(sfn.StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: expect.stringMatching(/^copy-docs-report-Q3-pdf-[a-z2-7]{26}$/),
    });
  });

  it('applies SKIP_PATTERNS from the environment', async () => {
    const handler = loadHandler({ STATE_MACHINE_ARN, SKIP_PATTERNS: '["images/**"]' });
    const result = await handler(batch('sqs-batch-s3-via-sns.json'), context);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sfnMock).toHaveReceivedCommandTimes(sfn.StartExecutionCommand, 0);
  });

  it('fails at cold start without STATE_MACHINE_ARN, naming it', () => {
    expect(() => loadHandler({ STATE_MACHINE_ARN: '' })).toThrow(/STATE_MACHINE_ARN is not set/);
  });

  it('fails at cold start with a malformed SKIP_PATTERNS, naming it', () => {
    expect(() => loadHandler({ STATE_MACHINE_ARN, SKIP_PATTERNS: '*.tmp' })).toThrow(/SKIP_PATTERNS must be a JSON array/);
  });
});
