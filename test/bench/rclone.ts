import { execFileSync, spawnSync } from 'node:child_process';

/** How rclone came to be available for this run (the report says which). */
export type RcloneStatus = { state: 'detected' | 'installed'; version: string } | { state: 'missing'; reason: string };

/** Finds rclone (Debian package); when missing and `install` is set, runs `apt-get install -y rclone` (we run as root). */
export function ensureRclone(install: boolean): RcloneStatus {
  const found = rcloneVersion();
  if (found) return { state: 'detected', version: found };
  if (!install) return { state: 'missing', reason: 'not installed (--no-install)' };
  try {
    execFileSync('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y rclone'], { stdio: 'pipe', timeout: 300_000 });
  } catch (err) {
    return { state: 'missing', reason: `apt-get install -y rclone failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const installed = rcloneVersion();
  return installed ? { state: 'installed', version: installed } : { state: 'missing', reason: 'still missing after apt-get install' };
}

function rcloneVersion(): string | undefined {
  const res = spawnSync('rclone', ['version'], { encoding: 'utf8' });
  if (res.status !== 0) return undefined;
  return res.stdout.split('\n')[0]?.trim();
}

/**
 * `rclone copyto` from the local S3 server to the GCS emulator, with no config file and connection-string remotes
 * (flags from FACTS.md). rclone streams one GET into a chunked resumable upload and checks the MD5 when S3 has one.
 */
export function rcloneCopyArgs(o: { s3Endpoint: string; gcsEndpoint: string; source: { bucket: string; key: string }; destination: { bucket: string; name: string } }): string[] {
  return [
    'copyto',
    `:s3:${o.source.bucket}/${o.source.key}`,
    `:gcs:${o.destination.bucket}/${o.destination.name}`,
    '--config', '/dev/null',
    '--s3-provider', 'Other',
    '--s3-endpoint', o.s3Endpoint,
    '--s3-force-path-style',
    '--s3-region', 'us-east-1',
    '--s3-access-key-id', 'local',
    '--s3-secret-access-key', 'local',
    '--gcs-endpoint', `${o.gcsEndpoint}/storage/v1/`,
    '--gcs-anonymous',
    '--gcs-no-check-bucket',
    // One attempt: a failure must fail the bench, not be retried into a slower figure.
    '--retries', '1',
    '--low-level-retries', '1',
  ];
}
