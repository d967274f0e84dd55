import type { SNSEvent } from 'aws-lambda';

type Handler = (event: SNSEvent) => Promise<{ posted: number }>;
type SsmModule = typeof import('@aws-sdk/client-ssm');

const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/SECRETSECRETSECRET';
const PARAMETER = '/s3-gcs-backup/staging/slack-webhook';
const savedEnv = { ...process.env };
afterAll(() => {
  process.env = savedEnv;
});

let fetchSpy: jest.SpiedFunction<typeof fetch>;
let stdout: jest.SpiedFunction<typeof process.stdout.write>;
beforeEach(() => {
  fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok', { status: 200 }));
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  fetchSpy.mockRestore();
  stdout.mockRestore();
});

/** Loads the handler afresh with `env`, SSM answering with the webhook URL. */
function load(env: Record<string, string>) {
  process.env = { ...savedEnv, POWERTOOLS_LOG_LEVEL: 'DEBUG', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...env };
  let loaded: { handler: Handler; ssm: ReturnType<typeof import('aws-sdk-client-mock').mockClient>; GetParameterCommand: SsmModule['GetParameterCommand'] } | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module instance per test needs require */
    const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm') as SsmModule;
    const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
    const ssm = mockClient(SSMClient);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: WEBHOOK } });
    loaded = { handler: (require('../../../handlers/slack-notifier') as { handler: Handler }).handler, ssm, GetParameterCommand };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return loaded!;
}

const snsEvent = (...messages: { subject?: string; message: string }[]): SNSEvent => ({
  Records: messages.map((m, i) => ({
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:alerts:sub',
    Sns: {
      Type: 'Notification',
      MessageId: `m-${i}`,
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts',
      Subject: m.subject ?? 'S3 to GCS backup failed',
      Message: m.message,
      Timestamp: '2026-11-20T10:00:00.000Z',
      SignatureVersion: '1',
      Signature: '',
      SigningCertUrl: '',
      UnsubscribeUrl: '',
      MessageAttributes: {},
    },
  })),
});

describe('slack-notifier handler', () => {
  test('posts each alert to the webhook URL read (decrypted) from the SSM parameter named in its environment', async () => {
    const { handler, ssm, GetParameterCommand } = load({ SLACK_WEBHOOK_PARAMETER: PARAMETER });
    await expect(handler(snsEvent({ subject: 'Manual test', message: 'hello' }))).resolves.toEqual({ posted: 1 });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: PARAMETER, WithDecryption: true });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(url).toBe(WEBHOOK);
    expect(JSON.parse(String(init?.body))).toMatchObject({ text: 'Manual test' });
  });

  test('a refused post fails the invocation, so Lambda retries it', async () => {
    const { handler } = load({ SLACK_WEBHOOK_PARAMETER: PARAMETER });
    fetchSpy.mockImplementation(async () => new Response('rate_limited', { status: 429 }));
    await expect(handler(snsEvent({ message: 'hello' }))).rejects.toMatchObject({ name: 'SlackWebhookError', status: 429 });
  });

  test('never writes the webhook URL to its logs, even at DEBUG and on failure', async () => {
    const { handler } = load({ SLACK_WEBHOOK_PARAMETER: PARAMETER });
    await handler(snsEvent({ message: 'one' }, { message: 'two' }));
    fetchSpy.mockImplementation(async () => new Response(`unknown hook ${WEBHOOK}`, { status: 404 }));
    const failure = await handler(snsEvent({ message: 'three' })).catch((err: Error) => err);
    const logged = stdout.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(logged).toContain('Alert posted to Slack');
    expect(logged).not.toContain('SECRETSECRETSECRET');
    expect(String((failure as Error).message)).not.toContain('SECRETSECRETSECRET');
  });

  test('a missing setting fails at cold start, naming the variables', () => {
    expect(() => load({})).toThrow(/SLACK_WEBHOOK_PARAMETER .* or SLACK_WEBHOOK_SECRET .* must be set/);
  });
});
