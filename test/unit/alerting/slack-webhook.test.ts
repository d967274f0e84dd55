import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { loadSlackWebhookUrl, readSlackWebhookSettings, WEBHOOK_MAX_AGE_SECONDS } from '../../../workflows/alerting/slack-webhook';

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/SECRETSECRETSECRET';
const PARAMETER = '/s3-gcs-backup/staging/slack-webhook';
const SECRET = 's3-gcs-backup/staging/slack-webhook';

beforeEach(() => {
  ssm.reset();
  secrets.reset();
  clearCaches();
  jest.useRealTimers();
});

describe('readSlackWebhookSettings', () => {
  it('expect the SSM parameter or the secret, by name', () => {
    expect(readSlackWebhookSettings({ SLACK_WEBHOOK_PARAMETER: PARAMETER })).toEqual({ source: 'ssm', parameterName: PARAMETER });
    expect(readSlackWebhookSettings({ SLACK_WEBHOOK_SECRET: SECRET })).toEqual({ source: 'secrets-manager', secretName: SECRET });
  });

  it('expect neither or both to fail fast, naming the variables', () => {
    expect(() => readSlackWebhookSettings({})).toThrow(/SLACK_WEBHOOK_PARAMETER .* or SLACK_WEBHOOK_SECRET .* must be set/);
    expect(() => readSlackWebhookSettings({ SLACK_WEBHOOK_PARAMETER: PARAMETER, SLACK_WEBHOOK_SECRET: SECRET })).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(/only one of SLACK_WEBHOOK_PARAMETER and SLACK_WEBHOOK_SECRET/) }),
    );
  });
});

describe('loadSlackWebhookUrl', () => {
  it('expect the SecureString parameter read with decryption', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: `${WEBHOOK}\n` } });
    await expect(loadSlackWebhookUrl({ source: 'ssm', parameterName: PARAMETER })).resolves.toBe(WEBHOOK);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: PARAMETER, WithDecryption: true }]);
  });

  it('expect the secret string read from Secrets Manager', async () => {
    secrets.on(GetSecretValueCommand).resolves({ Name: SECRET, SecretString: WEBHOOK });
    await expect(loadSlackWebhookUrl({ source: 'secrets-manager', secretName: SECRET })).resolves.toBe(WEBHOOK);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET });
  });

  it(`expect the value cached for ${WEBHOOK_MAX_AGE_SECONDS} s, then read again (a rotated webhook is picked up)`, async () => {
    jest.useFakeTimers({ now: new Date('2026-11-20T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: WEBHOOK } }).resolves({ Parameter: { Value: `${WEBHOOK}-rotated` } });
    const settings = { source: 'ssm', parameterName: PARAMETER } as const;
    await loadSlackWebhookUrl(settings);
    await expect(loadSlackWebhookUrl(settings)).resolves.toBe(WEBHOOK);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    jest.setSystemTime(new Date(Date.now() + (WEBHOOK_MAX_AGE_SECONDS + 1) * 1000));
    await expect(loadSlackWebhookUrl(settings)).resolves.toBe(`${WEBHOOK}-rotated`);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('expect a value that is not an https URL refused, naming the parameter but not its value', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'http://hooks.example/SECRET-TOKEN' } });
    const result = loadSlackWebhookUrl({ source: 'ssm', parameterName: PARAMETER });
    await expect(result).rejects.toMatchObject({ name: 'ConfigurationError', message: `The SSM parameter ${PARAMETER} must hold the Slack incoming-webhook URL (https://…)` });
  });

  it('expect a missing parameter to fail the invocation (so Lambda retries), naming the parameter', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    await expect(loadSlackWebhookUrl({ source: 'ssm', parameterName: PARAMETER })).rejects.toMatchObject({
      name: 'SlackWebhookUnavailable',
      message: `Reading the Slack webhook URL from the SSM parameter ${PARAMETER} failed: not found`,
    });
  });
});
