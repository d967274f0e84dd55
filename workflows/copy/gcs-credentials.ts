import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AwsClient, JWT, type AuthClient, type AwsSecurityCredentialsSupplier } from 'google-auth-library';
import { isTransient } from '../backup/classify-error';
import { ConfigurationError, TransientError } from '../backup/errors';

/**
 * How the copiers authenticate to Google Cloud Storage, from the environment the CDK stack sets
 * (infra/constructs/gcs-credentials.ts). Only NAMES travel in the environment; values are fetched at run time.
 * - GCS_AUTH_MODE=workload-identity + GCS_WIF_CONFIG_PARAMETER: SSM parameter holding the external-account
 *   configuration JSON (`gcloud iam workload-identity-pools create-cred-config … --aws`). Keyless.
 * - GCS_AUTH_MODE=service-account-key + GCS_CREDENTIALS_SECRET: Secrets Manager secret holding a service-account key JSON.
 * - GCS_AUTH_MODE unset or 'default': the Storage client's own discovery (STORAGE_EMULATOR_HOST locally, or ADC).
 */
export type GcsAuthSettings =
  | { mode: 'workload-identity'; configParameter: string }
  | { mode: 'service-account-key'; secretName: string }
  | { mode: 'default' };

/** The scope the copier needs: create, read metadata of, and (mirror policy) delete objects. */
export const GCS_SCOPES = ['https://www.googleapis.com/auth/devstorage.read_write'];
/** Seconds a fetched parameter/secret is reused before it is read again (so a rotated key is picked up). */
export const CREDENTIALS_MAX_AGE_SECONDS = 300;
const AWS_SUBJECT_TOKEN_TYPE = 'urn:ietf:params:aws:token-type:aws4_request';

/** Reads the settings once; fails fast naming the variable. */
export function readGcsAuthSettings(env: NodeJS.ProcessEnv = process.env): GcsAuthSettings {
  const mode = env['GCS_AUTH_MODE'] ?? 'default';
  switch (mode) {
    case 'workload-identity':
      return { mode, configParameter: required(env, 'GCS_WIF_CONFIG_PARAMETER', 'the SSM parameter holding the Workload Identity config') };
    case 'service-account-key':
      return { mode, secretName: required(env, 'GCS_CREDENTIALS_SECRET', 'the Secrets Manager secret holding the service-account key') };
    case 'default':
      return { mode };
    default:
      throw new ConfigurationError(
        `GCS_AUTH_MODE must be 'workload-identity', 'service-account-key' or 'default', got ${JSON.stringify(mode)}`,
      );
  }
}

/** An AWS SDK credentials provider (what fromNodeProviderChain returns). */
export type AwsCredentialsProvider = () => ReturnType<ReturnType<typeof fromNodeProviderChain>>;

export interface GcsAuthDeps {
  /** AWS credentials to sign the GCP token exchange with. (Default: the Node provider chain — Lambda env, ECS container endpoint, …) */
  awsCredentials?: AwsCredentialsProvider;
  /** (Default: AWS_REGION or AWS_DEFAULT_REGION) */
  awsRegion?: string;
}

let cached: { source: string; client: AuthClient } | undefined;

/**
 * The auth client for `new Storage({ authClient })`, or undefined for the 'default' mode. The fetched value is cached
 * by Powertools for CREDENTIALS_MAX_AGE_SECONDS and the client is reused while the value is unchanged, so its access
 * token is reused across invocations. Credential values never appear in errors or logs.
 */
export async function loadGcsAuthClient(settings: GcsAuthSettings, deps: GcsAuthDeps = {}): Promise<AuthClient | undefined> {
  if (settings.mode === 'default') return undefined;
  const source =
    settings.mode === 'workload-identity'
      ? await fetchValue(() => getParameter(settings.configParameter, { maxAge: CREDENTIALS_MAX_AGE_SECONDS }), 'SSM parameter', settings.configParameter)
      : await fetchValue(() => getSecret(settings.secretName, { maxAge: CREDENTIALS_MAX_AGE_SECONDS }), 'secret', settings.secretName);
  if (cached?.source === source) return cached.client;
  const client =
    settings.mode === 'workload-identity'
      ? workloadIdentityClient(parseJson(source, `SSM parameter ${settings.configParameter}`), deps)
      : serviceAccountClient(parseJson(source, `secret ${settings.secretName}`), settings.secretName);
  cached = { source, client };
  return client;
}

/** Forgets the cached client (tests; a rotated value is otherwise picked up on the next fetch). */
export function resetGcsAuthCache(): void {
  cached = undefined;
}

/**
 * An AwsClient that signs GCP's token exchange with whatever AWS credentials this process has. google-auth-library's
 * own AWS source reads only env variables or EC2 metadata, which a Fargate task does not have (its credentials come
 * from the ECS container endpoint), so the `credential_source` of the config is replaced by a supplier backed by the
 * AWS SDK's provider chain — the same code path in Lambda and on Fargate.
 */
function workloadIdentityClient(config: Record<string, unknown>, deps: GcsAuthDeps): AuthClient {
  const where = 'The Workload Identity configuration';
  if (config['type'] !== 'external_account') {
    throw new ConfigurationError(`${where} has type ${JSON.stringify(config['type'])}, expected "external_account"`);
  }
  if (typeof config['audience'] !== 'string' || !config['audience'].startsWith('//iam.googleapis.com/')) {
    throw new ConfigurationError(`${where} lacks an audience of the form //iam.googleapis.com/projects/…/providers/…`);
  }
  if (config['subject_token_type'] !== AWS_SUBJECT_TOKEN_TYPE) {
    throw new ConfigurationError(`${where} is not for an AWS provider (subject_token_type must be ${AWS_SUBJECT_TOKEN_TYPE})`);
  }
  const { credential_source: _ignored, ...rest } = config;
  const awsCredentials = deps.awsCredentials ?? fromNodeProviderChain();
  const supplier: AwsSecurityCredentialsSupplier = {
    getAwsRegion: async () => {
      const region = deps.awsRegion ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
      if (!region) throw new ConfigurationError('AWS_REGION is not set: needed to sign the GCP token exchange');
      return region;
    },
    getAwsSecurityCredentials: async () => {
      // The provider chain caches and refreshes before expiry, as the supplier contract asks.
      const c = await awsCredentials();
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken && { token: c.sessionToken }) };
    },
  };
  return new AwsClient({
    ...(rest as unknown as ConstructorParameters<typeof AwsClient>[0]),
    aws_security_credentials_supplier: supplier,
    scopes: GCS_SCOPES,
  });
}

function serviceAccountClient(key: Record<string, unknown>, secretName: string): AuthClient {
  const email = key['client_email'];
  const privateKey = key['private_key'];
  if (key['type'] !== 'service_account' || typeof email !== 'string' || typeof privateKey !== 'string') {
    throw new ConfigurationError(
      `Secret ${secretName} is not a service-account key JSON (needs type "service_account", client_email and private_key)`,
    );
  }
  return new JWT({ email, key: privateKey, scopes: GCS_SCOPES, ...(typeof key['private_key_id'] === 'string' && { keyId: key['private_key_id'] }) });
}

async function fetchValue(get: () => Promise<unknown>, kind: string, name: string): Promise<string> {
  let value: unknown;
  try {
    value = await get();
  } catch (err) {
    throw classifyFetchError(err, kind, name);
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigurationError(`The ${kind} ${name} is empty or not a string; store the JSON document as text`);
  }
  return value;
}

/** Not-found and access errors need a person; throttling and 5xx are retried by the state machine. */
function classifyFetchError(err: unknown, kind: string, name: string): Error {
  const cause = err instanceof GetParameterError && err.cause !== undefined ? err.cause : err;
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const errName = e.name ?? 'Error';
  if (/NotFound/.test(errName)) {
    return new ConfigurationError(`The ${kind} ${name} does not exist; create it (docs/deploy.md) or fix the stage configuration`, { cause: err });
  }
  if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|KMS/.test(errName) || status === 403) {
    return new ConfigurationError(`Not allowed to read the ${kind} ${name} (${errName}); the stack grants read on this name only`, {
      cause: err,
    });
  }
  if (isTransient(cause)) {
    return new TransientError(`Reading the ${kind} ${name} failed transiently (${errName}); retry with backoff`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** JSON.parse's own message quotes the input; this one names only the source, so a key can never reach a log. */
function parseJson(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`The ${what} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`The ${what} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`${name} is not set: ${what}`);
  return value;
}
