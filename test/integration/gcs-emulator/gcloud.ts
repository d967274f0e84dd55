import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The gcloud CLI on PATH, or undefined (it is not on npm or in Debian's archive, so a test cannot install it). */
export function findGcloud(): string | undefined {
  return spawnSync('gcloud', ['--version'], { stdio: 'ignore', timeout: 60_000 }).status === 0 ? 'gcloud' : undefined;
}

/**
 * Runs `gcloud storage …` against the emulator at `endpoint`: its own configuration directory (nothing of the user's is
 * read or changed), no credentials, the storage API endpoint overridden, no prompts and no retries hiding an error.
 */
export async function gcloudStorage(gcloud: string, endpoint: string, configDir: string, args: string[]): Promise<string> {
  const env = {
    ...process.env,
    CLOUDSDK_CONFIG: configDir,
    CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true',
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${endpoint}/`,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_STORAGE_MAX_RETRIES: '0',
  };
  const { stdout, stderr } = await run(gcloud, ['storage', ...args], { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return stdout + stderr;
}
