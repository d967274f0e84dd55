/**
 * `npm run bench` — throughput, memory and cost, side by side with the physical limit, the old design and rclone.
 * See `npm run bench -- --help` and docs/benchmarks.md. Not a jest test: it takes minutes and wants a quiet machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELP, parseBenchArgs } from './args';
import { DESTINATION_BUCKET, SOURCE_BUCKET, runCopyBench, runEngineTuning } from './copy-bench';
import { ensureRclone } from './rclone';
import { startBenchServers, type BenchServers } from './servers';
import { runWorkflowBench } from './workflow-bench';

const MIB = 1024 * 1024;
const TUNING_GRID = { partSizeMiB: [8, 16, 32], concurrency: [2, 4, 8] };

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const tempDir = await mkdtemp(join(tmpdir(), 's3gcs-bench-'));
  let servers: BenchServers | undefined;
  const cleanUp = async (): Promise<void> => {
    await servers?.close().catch(() => undefined);
    servers = undefined;
    await rm(tempDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  try {
    const loadBefore = loadavg();
    const methods = [...args.methods];
    const rclone = methods.includes('rclone') ? ensureRclone(args.installRclone) : undefined;
    if (rclone?.state === 'missing') methods.splice(methods.indexOf('rclone'), 1);
    log(`rclone: ${rclone ? (rclone.state === 'missing' ? rclone.reason : `${rclone.state} (${rclone.version})`) : 'not requested'}`);
    servers = await startBenchServers(join(tempDir, 'gcs'), { source: [SOURCE_BUCKET], destination: [DESTINATION_BUCKET] });
    const engineOptions = {
      ...(args.partSizeMiB !== undefined ? { partSizeBytes: args.partSizeMiB * MIB } : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    };
    const copies = await runCopyBench({ servers, sizes: args.sizes, runs: args.runs, methods, engineOptions, tempDir, onProgress: log });
    const tuning = args.tune
      ? await runEngineTuning({ servers, tempDir, onProgress: log }, Math.max(...args.sizes), TUNING_GRID)
      : undefined;
    const workflow =
      args.workflowObjects > 0
        ? await runWorkflowBench({ servers, objects: args.workflowObjects, objectBytes: 1024, concurrencies: args.workflowConcurrency, tempDir, onProgress: log })
        : [];
    const result = { loadBefore, loadAfter: loadavg(), rclone, copies, tuning, workflow };
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
