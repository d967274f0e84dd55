/**
 * `npm run soak`: the fault-injection soak. 1,000 objects (0 B to 64 MiB) through the local end-to-end path under
 * injected faults, then an independent verification, replays of what alerted, and a summary.
 *
 *   npm run soak [-- --seed N] [--short] [--objects N] [--json] [--keep]
 *
 * Exit codes: 0 passed; 1 loss, corruption or an unfixed replay; 2 usage error; 3 the soak itself failed or timed out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL_PROFILE, SHORT_PROFILE } from './profile';
import { formatReport } from './report';
import { runSoak } from './soak';

/**
 * The verification downloads every backup with @google-cloud/storage, whose teeny-request transport makes Node warn
 * "MaxListenersExceededWarning … [PassThrough]" hundreds of times on large downloads (harness only: the copiers never
 * download). Say it once; print any other warning as usual.
 */
function quietenDownloadWarnings(): void {
  let told = false;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'MaxListenersExceededWarning' && warning.message.includes('[PassThrough]')) {
      if (!told) process.stderr.write('  (note: the GCS client warns about listeners on its download streams; shown once)\n');
      told = true;
      return;
    }
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

async function main(argv: string[]): Promise<number> {
  quietenDownloadWarnings();
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        seed: { type: 'string' },
        short: { type: 'boolean', default: false },
        objects: { type: 'string' },
        json: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`soak: ${(err as Error).message}\nusage: npm run soak -- [--seed N] [--short] [--objects N] [--json] [--keep]`);
    return 2;
  }
  const base = args.short ? SHORT_PROFILE : FULL_PROFILE;
  const objects = args.objects !== undefined ? Number(args.objects) : base.objects;
  if (!Number.isSafeInteger(objects) || objects < 2) {
    console.error(`soak: --objects must be an integer of at least 2, got ${JSON.stringify(args.objects)}`);
    return 2;
  }
  const seed = args.seed ?? String(Date.now() % 1_000_000);
  const dataDir = mkdtempSync(join(tmpdir(), `s3gcs-soak-${seed}-`));
  // Should the process die (e.g. out of memory), a diagnostic report with the JavaScript stack is left beside the data.
  process.report.reportOnFatalError = true;
  process.report.directory = dataDir;
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    const report = await runSoak({ profile: { ...base, objects }, seed, dataDir, progress });
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `\n${formatReport(report)}\n`);
    if (report.passed && !args.keep) rmSync(dataDir, { recursive: true, force: true });
    return report.passed ? 0 : 1;
  } catch (err) {
    console.error(`soak: the soak itself failed (seed ${seed}, data kept in ${dataDir}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 3;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Servers are closed; anything left (a zombie upload's timer) must not keep the process alive.
    process.exit(code);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(3);
  },
);
