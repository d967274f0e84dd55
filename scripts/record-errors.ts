/**
 * Records the errors the real clients throw — @aws-sdk/client-s3 and @aws-sdk/client-sfn, @google-cloud/storage and
 * Node's network stack — against the local servers and their fault injection, as JSON under test/fixtures/errors/
 * (one file per client). The classifier's unit tests rebuild them (test/unit/backup/classify-error.test.ts).
 * Re-run after upgrading a client: `npm run record-errors [-- <id-prefix>]`; the integration test
 * test/integration/backup/recorded-errors.test.ts fails when a live error no longer matches its recording.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecordingEnvironment } from '../test/support/error-recording/environment';
import { ERROR_PRODUCERS } from '../test/support/error-recording/producers';
import { FIXTURE_DIR, snapshotError, type RecordedError } from '../test/support/recorded-errors';

const CLIENTS = {
  s3: `@aws-sdk/client-s3 ${versionOf('@aws-sdk/client-s3')}`,
  sfn: `@aws-sdk/client-sfn ${versionOf('@aws-sdk/client-sfn')}`,
  gcs: `@google-cloud/storage ${versionOf('@google-cloud/storage')}`,
  node: `node ${process.versions.node}`,
} as const;

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const env = await startRecordingEnvironment();
  const byClient = new Map<string, RecordedError[]>();
  try {
    for (const producer of ERROR_PRODUCERS) {
      if (only && !producer.id.startsWith(only)) continue;
      const err = await producer.produce(env);
      const recorded: RecordedError = { id: producer.id, how: producer.how, client: CLIENTS[producer.client], error: snapshotError(err) };
      byClient.set(producer.client, [...(byClient.get(producer.client) ?? []), recorded]);
      process.stdout.write(`${producer.id.padEnd(40)} ${recorded.error.constructorName} ${recorded.error.name ?? ''}: ${(recorded.error.message ?? '').slice(0, 80)}\n`);
    }
  } finally {
    await env.close();
  }
  mkdirSync(FIXTURE_DIR, { recursive: true });
  for (const [client, records] of byClient) {
    const file = join(FIXTURE_DIR, `${client}.json`);
    const kept = only ? (JSON.parse(readFileSync(file, 'utf8')) as RecordedError[]).filter((r) => !records.some((n) => n.id === r.id)) : [];
    writeFileSync(file, `${JSON.stringify([...kept, ...records], null, 2)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
