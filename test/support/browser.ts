import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download: npm reaches no browser builds here). Installed
 * with apt-get when missing and this process is root; where that cannot be done the browser tests are skipped with a
 * message saying why — except under CI, which installs it first (.ci/run), where a missing browser fails them.
 */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): { path: string } | { missing: string } {
  const found = (): string | undefined => CANDIDATES.find((p) => existsSync(p));
  if (found()) return { path: found()! };
  if (process.getuid?.() !== 0) return { missing: 'Chromium is not installed (/usr/bin/chromium) and this is not root: apt-get install -y chromium' };
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    return { missing: `apt-get install -y chromium failed (${(err as Error).message.split('\n')[0]}); run apt-get update first` };
  }
  return found() ? { path: found()! } : { missing: 'apt-get installed chromium but /usr/bin/chromium is absent' };
}

/** The browser, or undefined after printing why the browser tests are skipped. Throws under CI. */
export async function launchChromium(): Promise<Browser | undefined> {
  const where = chromiumPath();
  if ('missing' in where) {
    if (process.env['CI']) throw new Error(`browser tests need Chromium under CI: ${where.missing}`);
    console.warn(`SKIPPED the console's browser tests: ${where.missing}`);
    return undefined;
  }
  return chromium.launch({ executablePath: where.path, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}
