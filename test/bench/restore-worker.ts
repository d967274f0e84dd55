/**
 * Runs one `s3gcs` command in this process and then prints its peak RSS as the last stderr line, so a benchmark
 * measures the restorer alone (the servers run in their own processes).
 */
import { main } from '../../workflows/cli/main';
import { peakRssBytes } from './peak-rss';

main(['node', 's3gcs', ...process.argv.slice(2)]).then(
  (code) => {
    process.stderr.write(`${JSON.stringify({ peakRssBytes: peakRssBytes(), exitCode: code })}\n`);
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 70;
  },
);
