import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClient, JWT } from 'google-auth-library';
import { ConfigurationError, TransientError } from '../../../workflows/backup/errors';
import {
  GCS_SCOPES,
  loadGcsAuthClient,
  readGcsAuthSettings,
  resetGcsAuthCache,
} from '../../../workflows/copy/gcs-credentials';

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);

const WIF_PARAMETER = '/s3-gcs-backup/test/gcp-wif-config';
const KEY_SECRET = 's3-gcs-backup/test/gcs-key';
/** What `gcloud iam workload-identity-pools create-cred-config --aws` writes (credential_source points at EC2 metadata). */
const WIF_CONFIG = {
  universe_domain: 'googleapis.com',
  type: 'external_account',
  audience: '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/aws/providers/backup',
  subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
  service_account_impersonation_url:
    'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/backup@example.iam.gserviceaccount.com:generateAccessToken',
  token_url: 'https://sts.googleapis.com/v1/token',
  credential_source: {
    environment_id: 'aws1',
    region_url: 'http://169.254.169.254/latest/meta-data/placement/availability-zone',
    url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials',
    regional_cred_verification_url: 'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15',
  },
};
const SECRET_MARKER = 'PRIVATE-KEY-MATERIAL-MUST-NOT-LEAK';
const SERVICE_ACCOUNT_KEY = {
  type: 'service_account',
  project_id: 'backup-project',
  private_key_id: 'abc123',
  private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET_MARKER}\n-----END PRIVATE KEY-----\n`,
  client_email: 'backup@backup-project.iam.gserviceaccount.com',
};
const awsCredentials = async () => ({ accessKeyId: 'ASIAFARGATETASKROLE', secretAccessKey: 'secret', sessionToken: 'task-session' });

beforeEach(() => {
  ssm.reset();
  secrets.reset();
  clearCaches();
  resetGcsAuthCache();
});

describe('readGcsAuthSettings', () => {
  it('expect workload identity to need the parameter name', () => {
    expect(readGcsAuthSettings({ GCS_AUTH_MODE: 'workload-identity', GCS_WIF_CONFIG_PARAMETER: WIF_PARAMETER })).toEqual({
      mode: 'workload-identity',
      configParameter: WIF_PARAMETER,
    });
    expect(() => readGcsAuthSettings({ GCS_AUTH_MODE: 'workload-identity' })).toThrow(/GCS_WIF_CONFIG_PARAMETER is not set/);
  });

  it('expect a service-account key to need the secret name', () => {
    expect(readGcsAuthSettings({ GCS_AUTH_MODE: 'service-account-key', GCS_CREDENTIALS_SECRET: KEY_SECRET })).toEqual({
      mode: 'service-account-key',
      secretName: KEY_SECRET,
    });
    expect(() => readGcsAuthSettings({ GCS_AUTH_MODE: 'service-account-key' })).toThrow(/GCS_CREDENTIALS_SECRET is not set/);
  });

  it('expect no mode to mean the client default and an unknown mode to fail naming the variable', () => {
    expect(readGcsAuthSettings({})).toEqual({ mode: 'default' });
    expect(() => readGcsAuthSettings({ GCS_AUTH_MODE: 'oauth' })).toThrow(ConfigurationError);
    expect(() => readGcsAuthSettings({ GCS_AUTH_MODE: 'oauth' })).toThrow(/GCS_AUTH_MODE/);
  });
});

describe('loadGcsAuthClient — workload identity', () => {
  const settings = { mode: 'workload-identity', configParameter: WIF_PARAMETER } as const;

  it('expect the token exchange to be signed with the SDK provider chain credentials, not EC2 metadata', async () => {
    ssm.on(GetParameterCommand, { Name: WIF_PARAMETER }).resolves({ Parameter: { Value: JSON.stringify(WIF_CONFIG) } });
    const client = await loadGcsAuthClient(settings, { awsCredentials, awsRegion: 'eu-west-1' });
    expect(client).toBeInstanceOf(AwsClient);
    // Builds the signed GetCallerIdentity request GCP's STS verifies; no network is involved.
    const subjectToken = decodeURIComponent(await (client as AwsClient).retrieveSubjectToken());
    expect(subjectToken).toContain('Credential=ASIAFARGATETASKROLE/');
    expect(subjectToken).toContain('task-session');
    expect(subjectToken).toContain('sts.eu-west-1.amazonaws.com');
  });

  it('expect the parameter to be read once while cached and the client reused', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(WIF_CONFIG) } });
    const first = await loadGcsAuthClient(settings, { awsCredentials });
    const second = await loadGcsAuthClient(settings, { awsCredentials });
    expect(second).toBe(first);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('expect a config for another provider type to be refused', async () => {
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Value: JSON.stringify({ ...WIF_CONFIG, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' }) },
    });
    await expect(loadGcsAuthClient(settings, { awsCredentials })).rejects.toThrow(/not for an AWS provider/);
  });

  it('expect a missing parameter to be a ConfigurationError naming it', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: { httpStatusCode: 400 } }));
    const error = await loadGcsAuthClient(settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(WIF_PARAMETER);
  });

  it('expect throttling to be a TransientError the state machine retries', async () => {
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    );
    await expect(loadGcsAuthClient(settings)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('loadGcsAuthClient — service-account key', () => {
  const settings = { mode: 'service-account-key', secretName: KEY_SECRET } as const;

  it('expect a JWT client for the key with the storage scope', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: KEY_SECRET }).resolves({ SecretString: JSON.stringify(SERVICE_ACCOUNT_KEY) });
    const client = await loadGcsAuthClient(settings);
    expect(client).toBeInstanceOf(JWT);
    expect((client as JWT).email).toBe(SERVICE_ACCOUNT_KEY.client_email);
    expect((client as JWT).scopes).toEqual(GCS_SCOPES);
  });

  it('expect a malformed secret to fail without quoting its value', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `{"private_key": "${SECRET_MARKER}", oops` });
    const error = (await loadGcsAuthClient(settings).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(KEY_SECRET);
    expect(JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) })).not.toContain(SECRET_MARKER);
  });

  it('expect a key of the wrong type to fail without quoting it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...SERVICE_ACCOUNT_KEY, type: 'authorized_user' }) });
    const error = (await loadGcsAuthClient(settings).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).not.toContain(SECRET_MARKER);
  });

  it('expect a missing secret to be a ConfigurationError naming it', async () => {
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: { httpStatusCode: 400 } }));
    const error = await loadGcsAuthClient(settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(KEY_SECRET);
  });
});

describe('loadGcsAuthClient — default', () => {
  it('expect no client and no AWS call, so the Storage client uses its own discovery (emulator, ADC)', async () => {
    await expect(loadGcsAuthClient({ mode: 'default' })).resolves.toBeUndefined();
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });
});
