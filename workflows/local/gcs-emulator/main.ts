/**
 * Runs the GCS emulator as its own process (benchmarks keep its memory apart from the copy engine's):
 *   npx tsx workflows/local/gcs-emulator/main.ts [--port 0] [--host 127.0.0.1] [--data-dir DIR] [--bucket NAME ...]
 * Prints one JSON line `{"gcsEndpoint":"http://127.0.0.1:P"}` when ready; serves until SIGTERM/SIGINT.
 * Faults: POST /_emulator/faults {"operation":"storage.objects.insert","fault":"return-503"} or POST /retry_test.
 */
import { parseArgs } from 'node:util';
import { startGcsEmulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      bucket: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got '${values.port}'`);
  const emulator = await startGcsEmulator({ port, host: values.host, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) });
  for (const name of values.bucket) emulator.createBucket(name);
  process.stdout.write(`${JSON.stringify({ gcsEndpoint: emulator.url })}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
