import { S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import type { AuthClient } from 'google-auth-library';
import { loadGcsAuthClient, readGcsAuthSettings } from '../copy/gcs-credentials';

/**
 * The one place the workflow's handlers build their S3 and GCS clients. Handlers call these at module scope (S3) or
 * per invocation (GCS: the credentials behind it are fetched by name and may rotate; the Storage client is reused
 * while they do not).
 *
 * Local runs point them at the local servers: S3_ENDPOINT (path-style), and GCS_API_ENDPOINT or the Storage client's
 * own STORAGE_EMULATOR_HOST.
 */
/**
 * Without these the SDK waits forever (its defaults are 0 = no timeout): a stalled connection would hold a copier until
 * the tier's time budget and escalate, instead of failing fast as a TimeoutError that classifyError calls transient.
 * socketTimeout is an idle timeout, not a total one, so a long streamed GET is fine while bytes keep flowing; 60 s of
 * silence outlasts any GCS upload back-pressure we have measured.
 */
export const S3_CLIENT_TIMEOUTS = { connectionTimeout: 5_000, socketTimeout: 60_000 } as const;

export function sourceS3Client(
  env: NodeJS.ProcessEnv = process.env,
  timeouts: { connectionTimeout: number; socketTimeout: number } = S3_CLIENT_TIMEOUTS,
): S3Client {
  const endpoint = env['S3_ENDPOINT'] || undefined;
  return new S3Client({
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    requestHandler: { ...timeouts },
    // The engine computes CRC32C/MD5 itself; the SDK's default response validation would hash every GET twice.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

let storage: { auth: AuthClient | undefined; client: Storage } | undefined;

export async function destinationStorage(env: NodeJS.ProcessEnv = process.env): Promise<Storage> {
  const auth = await loadGcsAuthClient(readGcsAuthSettings(env));
  if (storage && storage.auth === auth) return storage.client;
  const apiEndpoint = env['GCS_API_ENDPOINT'] || undefined;
  const client = new Storage({
    ...(auth ? { authClient: auth } : {}),
    ...(apiEndpoint ? { apiEndpoint, projectId: env['GCS_PROJECT_ID'] ?? 'local' } : {}),
  });
  storage = { auth, client };
  return client;
}
