/**
 * `npm run bench` — throughput, memory and cost, side by side with the physical limit, the old design and rclone.
 * See `npm run bench -- --help` and docs/benchmarks.md. Not a jest test: it takes minutes and wants a quiet machine.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ASSUMPTIONS } from '../../workflows/cost/model';
import { loadPrices } from '../../workflows/cost/prices';
import { costMarkdown } from '../../workflows/cost/report';
import { pathCosts, runScenarios } from '../../workflows/cost/scenarios';
import { synthStageSettings } from '../../workflows/cost/synth-stage';
import { HELP, parseBenchArgs } from './args';
import { copyChartSvg } from './chart';
import { DESTINATION_BUCKET, SOURCE_BUCKET, runCopyBench, runEngineTuning } from './copy-bench';
import { ensureRclone } from './rclone';
import { benchMarkdown, measuredForCost, mergeIntoDocument, type BenchRun } from './report';
import { checkTargets } from './targets';
import { startBenchServers, type BenchServers } from './servers';
import { runWorkflowBench } from './workflow-bench';
import { runTierRss, tierRssCases } from './tier-rss';
import { STAGES } from '../../infra/config/stages';
import { countSmallCopyRequests } from './request-count';
import { localS3Client } from '../../workflows/local/s3-server';
import { Storage } from '@google-cloud/storage';

const MIB = 1024 * 1024;
const TUNING_GRID = { partSizeMiB: [8, 16, 32], concurrency: [2, 4, 8] };
const DOCS = join(__dirname, '..', '..', 'docs');
const SKELETON = `# Benchmarks

How fast, how lean and how costly the copy is, next to this machine's limit, the design it replaces and rclone.
Reproduce with \`npm run bench\` (about 10 minutes on 2 cores; \`npm run bench -- --help\`); \`npm run cost\` prints the cost part alone.

{{generated}}
`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv);
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
    const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const loadBefore = loadavg();
    const methods = [...args.methods];
    const rclone = methods.includes('rclone') ? ensureRclone(args.installRclone) : undefined;
    if (rclone?.state === 'missing') methods.splice(methods.indexOf('rclone'), 1);
    log(`rclone: ${rclone ? (rclone.state === 'missing' ? rclone.reason : `${rclone.state} (${rclone.version})`) : 'not requested'}`);
    servers = await startBenchServers(join(tempDir, 'gcs'), { source: [SOURCE_BUCKET], destination: [DESTINATION_BUCKET] });
    const engineOptions = {
      ...(args.partSizeMiB !== undefined ? { partSizeBytes: args.partSizeMiB * MIB } : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.uploadChunkMiB !== undefined ? { uploadChunkBytes: args.uploadChunkMiB * MIB } : {}),
    };
    const copies = await runCopyBench({ servers, sizes: args.sizes, runs: args.runs, methods, engineOptions, tempDir, onProgress: log });
    const requests = await countSmallCopyRequests({
      s3: localS3Client(servers.s3Endpoint),
      storage: new Storage({ apiEndpoint: servers.gcsEndpoint, projectId: 'bench' }),
      s3Endpoint: servers.s3Endpoint,
      gcsEndpoint: servers.gcsEndpoint,
      sourceBucket: SOURCE_BUCKET,
      destinationBucket: DESTINATION_BUCKET,
      bytes: 1024,
    });
    log(`requests per 1 KiB copy: ${requests.map((r) => `${r.kind} ${r.count}`).join(', ')}`);
    const stageConfig = STAGES[args.stage as keyof typeof STAGES];
    const tierRss =
      methods.includes('engine') && stageConfig
        ? { stage: args.stage, results: await runTierRss({ servers, runs: args.runs, tempDir, onProgress: log }, tierRssCases(stageConfig, args.sizes)) }
        : undefined;
    const tuning = args.tune ? await runEngineTuning({ servers, tempDir, onProgress: log }, Math.max(...args.sizes), TUNING_GRID) : undefined;
    const workflow =
      args.workflowObjects > 0
        ? await runWorkflowBench({ servers, objects: args.workflowObjects, objectBytes: 1024, concurrencies: args.workflowConcurrency, tempDir, onProgress: log })
        : [];
    await servers.close();
    servers = undefined;

    const measured = measuredForCost(copies, workflow);
    let cost: string | undefined;
    let costResults: BenchRun['cost'];
    if (measured) {
      log(`cost: synthesizing stage ${args.stage}`);
      const settings = synthStageSettings(args.stage);
      const prices = loadPrices();
      const inputs = { settings, prices, measured, assumptions: DEFAULT_ASSUMPTIONS };
      costResults = { stage: args.stage, results: runScenarios(inputs) };
      cost = costMarkdown({
        settings,
        prices,
        measured,
        measuredFrom: 'this run',
        assumptions: DEFAULT_ASSUMPTIONS,
        results: costResults.results,
        paths: pathCosts(inputs),
      });
    }
    const run: BenchRun = {
      startedAt,
      command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`,
      loadBefore,
      loadAfter: loadavg(),
      ...(rclone ? { rclone } : {}),
      engineOptions,
      copies,
      requests,
      ...(tierRss ? { tierRss } : {}),
      ...(tuning ? { tuning } : {}),
      workflow,
      ...(measured ? { measured } : {}),
      ...(costResults ? { cost: costResults } : {}),
      ...(cost ? { costMarkdown: cost } : {}),
    };
    const markdown = benchMarkdown(run);
    process.stdout.write(`${markdown}\n`);
    if (args.write) {
      const path = join(DOCS, 'benchmarks.md');
      const existing = existsSync(path) ? await readFile(path, 'utf8') : undefined;
      await writeFile(path, mergeIntoDocument(existing, markdown, SKELETON));
      if (copies.length) await writeFile(join(DOCS, 'benchmarks.svg'), `${copyChartSvg(copies, `${run.machine}; load ${loadBefore[0]!.toFixed(1)} at start; ${run.command}`)}\n`);
      log('wrote docs/benchmarks.md and docs/benchmarks.svg');
    } else {
      log('docs not written (a partial or variant run; --write writes them anyway)');
    }
    if (args.json) {
      const json = `${JSON.stringify(run, null, 2)}\n`;
      if (args.json === '-') process.stdout.write(json);
      else await writeFile(args.json, json);
    }
    for (const t of checkTargets(run).filter((c) => c.verdict !== 'met')) log(`target ${t.verdict}: ${t.target}: ${t.detail}`);
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
