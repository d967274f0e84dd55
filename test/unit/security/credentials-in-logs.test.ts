/**
 * No secret value reaches a log line or an alert while a GCS credential is in use. The copier loads a service-account
 * key from Secrets Manager (or a Workload Identity config from SSM, signing with AWS credentials) through Powertools
 * parameters, then a backup runs through the local state machine and fails at GCS's token endpoint. Every byte the
 * Powertools logger writes (DEBUG level) and every alert is searched for each secret: the private key, its id, the
 * signed JWT assertion, the AWS secret key, session token and request signature.
 *
 * No network: AWS clients are mocked (aws-sdk-client-mock); Google's token and STS endpoints are answered in-process
 * through the auth client's own transport (gaxios' fetchImplementation).
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { AuthClient } from 'google-auth-library';
import { generateKeyPairSync } from 'node:crypto';
import { destinationStorage } from '../../../workflows/backup/clients';
import { CREDENTIALS_MAX_AGE_SECONDS, loadGcsAuthClient, readGcsAuthSettings, resetGcsAuthCache } from '../../../workflows/copy/gcs-credentials';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { runBackupExecution } from '../../../workflows/local/runner';
import { logger } from '../../../workflows/logger';

const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);

const SECRET_NAME = 's3-gcs-backup/prod/gcs-key';
const PARAMETER_NAME = '/s3-gcs-backup/prod/gcp-wif-config';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PRIVATE_KEY_ID = 'f3c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4';
const SERVICE_ACCOUNT_KEY = {
  type: 'service_account',
  project_id: 'backup-project',
  private_key_id: PRIVATE_KEY_ID,
  private_key: PRIVATE_KEY_PEM,
  client_email: 'backup@backup-project.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
};
const WIF_CONFIG = {
  type: 'external_account',
  audience: '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/aws/providers/backup',
  subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
  token_url: 'https://sts.googleapis.com/v1/token',
  credential_source: { environment_id: 'aws1', regional_cred_verification_url: 'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15' },
};
const AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEYVALUE';
const AWS_SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENVALUE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD';

/** Every line written to stdout/stderr while a test runs (the Powertools logger writes there). */
let written: string[] = [];
/** The request bodies Google's endpoints received: they carry the signed assertion / subject token. */
let sentToGoogle: string[] = [];

beforeAll(() => logger.setLogLevel('DEBUG'));
afterAll(() => logger.setLogLevel('SILENT'));

beforeEach(() => {
  secrets.reset();
  ssm.reset();
  s3.reset();
  clearCaches();
  resetGcsAuthCache();
  written = [];
  sentToGoogle = [];
  const capture = (chunk: unknown): boolean => {
    written.push(String(chunk));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  s3.on(HeadObjectCommand).resolves({ ContentLength: 11, ETag: '"5eb63bbbe01eeed093cb22bb8f5acdc3"' });
});

afterEach(() => jest.restoreAllMocks());

/** Google's token endpoints refuse, as they do for a revoked key or an unmapped AWS role. */
function answerGoogleInProcess(client: AuthClient): void {
  // The client's own transport, and the one its STS token exchange keeps (external-account clients).
  type WithTransport = { transporter?: { defaults: Record<string, unknown> } };
  const c = client as unknown as WithTransport & { stsCredential?: WithTransport };
  const transports = [c.transporter, c.stsCredential?.transporter].filter((t) => t !== undefined);
  for (const transporter of transports) transporter.defaults['fetchImplementation'] = fakeGoogle;
}

async function fakeGoogle(_url: unknown, init: { body?: unknown }): Promise<Response> {
  {
    sentToGoogle.push(typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : String(init.body));
    return new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }), {
      status: 400,
      headers: { 'content-type': 'application/json' },
    });
  }
}

function record(key: string): Record<string, unknown> {
  return {
    eventSource: 'aws:s3',
    eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: 'source-bucket' }, object: { key, size: 11, eTag: '5eb63bbbe01eeed093cb22bb8f5acdc3', sequencer: '00A1' } },
  };
}

async function backUpWith(env: NodeJS.ProcessEnv) {
  const storage = await destinationStorage(env);
  answerGoogleInProcess((await loadGcsAuthClient(readGcsAuthSettings(env)))!);
  const alerts = new LocalAlertSink();
  const result = await runBackupExecution(record('reports/q3.pdf'), {
    s3: new S3Client({ region: 'eu-west-1' }),
    storage,
    target: { bucket: 'backup', prefix: '' },
    alerts,
    retryIntervalMs: 0,
  });
  return { result, alerts: alerts.alerts.map((a) => a.message) };
}

/** The distinctive middle of a PEM key: any of these lines in a log is a leak. */
function pemLines(pem: string): string[] {
  return pem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
}

function expectNoneOf(secretsList: string[], where: string[]): void {
  const text = where.join('\n');
  expect(secretsList.filter((s) => text.includes(s))).toEqual([]);
}

describe('service-account key from Secrets Manager', () => {
  const env = { GCS_AUTH_MODE: 'service-account-key', GCS_CREDENTIALS_SECRET: SECRET_NAME };

  test('expect a failing copy to log and alert without the key, its id or the signed assertion', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_NAME }).resolves({ SecretString: JSON.stringify(SERVICE_ACCOUNT_KEY) });
    const { result, alerts } = await backUpWith(env);

    expect(result.status).toBe('FAILED');
    // A refused token is a credentials problem, and the alert says so.
    expect(result.error).toBe('DestinationAccessDenied');
    expect(result.cause).toMatch(/GCS refused our credentials/);
    expect(sentToGoogle.join()).toMatch(/assertion=/); // the key was used: a signed JWT went to the token endpoint
    expect(written.join('')).toMatch(/copy failed/); // and the failure was logged
    const assertion = /assertion=([^&]+)/.exec(sentToGoogle[0]!)![1]!;
    const secretsList = [...pemLines(PRIVATE_KEY_PEM), PRIVATE_KEY_ID, decodeURIComponent(assertion), assertion.split('.')[2]!];
    expectNoneOf(secretsList, written);
    expectNoneOf(secretsList, alerts);
    expectNoneOf(secretsList, [result.cause ?? '', JSON.stringify(result.timeline)]);
  });

  test('expect a secret that is not a key to be refused naming only the secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `{"type":"authorized_user","refresh_token":"1//SECRET-REFRESH-TOKEN"}` });
    await expect(destinationStorage(env)).rejects.toThrow(`Secret ${SECRET_NAME} is not a service-account key JSON`);
    const broken = `{"private_key": "${PRIVATE_KEY_ID}`; // not JSON: the parser's message would quote it
    clearCaches();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: broken });
    const error = (await destinationStorage(env).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`The secret ${SECRET_NAME} is not valid JSON`);
    expectNoneOf(['1//SECRET-REFRESH-TOKEN', PRIVATE_KEY_ID], [...written, error.message, String(error.stack)]);
  });

  test('expect the secret read once through the Powertools cache, and again once it is older than the max age', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(SERVICE_ACCOUNT_KEY) });
    const settings = readGcsAuthSettings(env);
    const first = await loadGcsAuthClient(settings);
    const second = await loadGcsAuthClient(settings);
    expect(second).toBe(first);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);

    const later = Date.now() + (CREDENTIALS_MAX_AGE_SECONDS + 1) * 1000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    const third = await loadGcsAuthClient(settings);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(third).toBe(first); // same value: the client (and its access token) is kept
  });
});

describe('Workload Identity config from SSM, signed with AWS credentials', () => {
  const env = {
    GCS_AUTH_MODE: 'workload-identity',
    GCS_WIF_CONFIG_PARAMETER: PARAMETER_NAME,
  };
  const saved: Record<string, string | undefined> = {};
  const awsEnv = { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEACCESSKEY', AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION: 'eu-west-1' };
  beforeEach(() => {
    for (const [k, v] of Object.entries(awsEnv)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('expect a failing copy to log and alert without the AWS secret key, session token or signature', async () => {
    ssm.on(GetParameterCommand, { Name: PARAMETER_NAME }).resolves({ Parameter: { Value: JSON.stringify(WIF_CONFIG) } });
    const { result, alerts } = await backUpWith(env);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DestinationAccessDenied');
    expect(written.join('')).toMatch(/copy failed/);
    // The subject token GCP's STS receives (URL-encoded JSON): a signed GetCallerIdentity request, session token included.
    const subject = JSON.parse(decodeURIComponent(new URLSearchParams(sentToGoogle[0]!).get('subject_token')!)) as { headers: { key: string; value: string }[] };
    const header = (name: string): string => subject.headers.find((h) => h.key === name)!.value;
    expect(header('authorization')).toContain('Credential=ASIAEXAMPLEACCESSKEY/');
    expect(header('x-amz-security-token')).toBe(AWS_SESSION_TOKEN);
    const signature = /Signature=([0-9a-f]{64})/.exec(header('authorization'))![1]!;
    const secretsList = [AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, signature];
    expectNoneOf(secretsList, written);
    expectNoneOf(secretsList, alerts);
    expectNoneOf(secretsList, [result.cause ?? '']);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1); // loaded once for the whole execution
  });
});
