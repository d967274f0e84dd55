import { execFileSync, spawnSync } from 'node:child_process';

/** rclone comes from Debian; install it when missing so the rclone conformance test never skips (we run as root). */
export function ensureRclone(): string {
  if (!hasRclone()) {
    execFileSync('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y rclone'], {
      stdio: 'pipe',
      timeout: 280_000,
    });
  }
  if (!hasRclone()) throw new Error('rclone is still missing after apt-get install -y rclone');
  return 'rclone';
}

function hasRclone(): boolean {
  return spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
}
