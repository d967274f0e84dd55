import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PreparedEvent } from '../../../workflows/backup/prepare';

type Handler = (input: unknown) => Promise<PreparedEvent>;
const savedEnv = { ...process.env };

function load(env: Record<string, string>): Handler {
  process.env = { ...savedEnv, ...env };
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per test needs require
    handler = (require('../../../handlers/prepare-backup') as { handler: Handler }).handler;
  });
  return handler!;
}
afterAll(() => {
  process.env = savedEnv;
});

const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/events', name), 'utf8'));
const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:m';
/** The payload "Normalize the event" sends: the execution input and $$.StateMachine.Id. */
const request = (input: unknown) => ({ input, stateMachineArn: ARN });

describe('prepare-backup handler', () => {
  test('normalizes an EventBridge event and names its GCS object from the environment', async () => {
    const handler = load({ DEST_BUCKET: 'backup', DEST_PREFIX: 'copy/', SKIP_PATTERNS: '["**/*.tmp"]' });
    const prepared = await handler(request(fixture('eventbridge-object-created.json')));
    expect(prepared.destination).toBe('gs://backup/copy/source-bucket/raw/health-check/2026-11-20T10:15:30.zip');
    expect(prepared.skippedBy).toBeNull();
    expect(prepared.object).toMatchObject({ origin: 'eventbridge', size: 198524144, versionId: 'uhggCJ2_B6gU2JaXWXebnXFDstO0ID6G' });
  });

  test('the S3 test event is InvalidInput, with the reason', async () => {
    const handler = load({ DEST_BUCKET: 'backup' });
    await expect(handler(request(fixture('s3-test-event.json')))).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringMatching(/TestEvent/) });
  });

  test('the replay command starts the state machine that sent the record', async () => {
    const prepared = await load({ DEST_BUCKET: 'backup' })(request({ bucket: 'src', key: 'k' }));
    expect(prepared.report.replayCommand).toBe(`aws stepfunctions start-execution --state-machine-arn '${ARN}' --input '{"bucket":"src","key":"k"}'`);
  });

  test('a payload without the state machine ARN is a ConfigurationError (the ASL builds it)', async () => {
    await expect(load({ DEST_BUCKET: 'backup' })({ bucket: 'src', key: 'k' })).rejects.toMatchObject({ name: 'ConfigurationError' });
  });

  test('fails at cold start without DEST_BUCKET', () => {
    expect(() => load({ DEST_BUCKET: '' })).toThrow(/DEST_BUCKET is not set/);
  });
});
