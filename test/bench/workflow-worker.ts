/**
 * The whole local workflow for many objects, in a process of its own (spawned by workflow-bench.ts): each input runs
 * asl/backup-object.asl.json through runBackupExecution with the real engine, `concurrency` executions at a time.
 * Argument: one JSON WorkflowWorkerInput. Prints one JSON WorkflowWorkerResult line.
 */
import { Storage } from '@google-cloud/storage';
import { readFile } from 'node:fs/promises';
import { localS3Client } from '../../workflows/local/s3-server';
import { resolve } from 'node:path';
import { runBackupExecution as defaultRunner } from '../../workflows/local/runner';
import type { LocalEnvironment } from '../../workflows/local/deployment';
import { logger } from '../../workflows/logger';
import { peakRssBytes } from './peak-rss';

export interface WorkflowWorkerInput {
  s3Endpoint: string;
  gcsEndpoint: string;
  /** JSON file: an array of execution inputs (S3 notification records). */
  inputsFile: string;
  concurrency: number;
  bucket: string;
  prefix: string;
  /** Executions run first, to a different prefix, and not measured (module loading, JIT, connections). */
  warmup: number;
}

export interface WorkflowWorkerResult {
  seconds: number;
  /** Per execution, from its start (the event handed to the state machine) to its end (copy verified), ms. */
  latenciesMs: number[];
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  /** StateEntered events per execution (Step Functions bills one transition per state entered, retries included). */
  transitions: number[];
  retries: number;
  /** Mean bytes of the execution's event log as JSON: what logging level ALL ships to CloudWatch Logs. */
  meanEventLogBytes: number;
  /** Mean duration of each Task state, ms (what its Lambda runs for, minus cloud latency). */
  meanTaskMs: Record<string, number>;
  cpuSeconds: number;
  peakRssBytes: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as WorkflowWorkerInput;
  logger.setLogLevel('SILENT');
  // BENCH_RUNNER_MODULE: measure a variant of the local runner (a path exporting runBackupExecution).
  const variant = process.env.BENCH_RUNNER_MODULE;
  const runBackupExecution = variant
    ? ((await import(resolve(variant))) as { runBackupExecution: typeof defaultRunner }).runBackupExecution
    : defaultRunner;
  const inputs = JSON.parse(await readFile(input.inputsFile, 'utf8')) as unknown[];
  const env: LocalEnvironment = {
    s3: localS3Client(input.s3Endpoint),
    storage: new Storage({ apiEndpoint: input.gcsEndpoint, projectId: 'bench' }),
    target: { bucket: input.bucket, prefix: input.prefix },
    retryIntervalMs: 100,
  };
  for (const warm of inputs.slice(0, input.warmup)) {
    await runBackupExecution(warm, { ...env, target: { bucket: input.bucket, prefix: `${input.prefix}warmup/` } });
  }

  const result: WorkflowWorkerResult = {
    seconds: 0,
    latenciesMs: [],
    statuses: {},
    outcomes: {},
    transitions: [],
    retries: 0,
    meanEventLogBytes: 0,
    meanTaskMs: {},
    cpuSeconds: 0,
    peakRssBytes: 0,
  };
  const taskMs = new Map<string, number[]>();
  let logBytes = 0;
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < inputs.length) {
      const item = inputs[next++];
      let entered = 0;
      const started = performance.now();
      const run = await runBackupExecution(item, env, {
        onEvent: (event) => {
          logBytes += JSON.stringify(event).length;
          if (event.type === 'StateEntered') entered++;
          if (event.type === 'StateRetried') result.retries++;
        },
      });
      result.latenciesMs.push(performance.now() - started);
      result.transitions.push(entered);
      count(result.statuses, run.status);
      count(result.outcomes, String((run.output as { outcome?: string } | undefined)?.outcome ?? run.error ?? 'none'));
      for (const step of run.timeline.steps) {
        if (step.type === 'Task') taskMs.set(step.state, [...(taskMs.get(step.state) ?? []), step.durationMs]);
      }
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: input.concurrency }, one));
  result.seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  result.cpuSeconds = (used.user + used.system) / 1e6;
  result.peakRssBytes = peakRssBytes();
  result.meanEventLogBytes = logBytes / inputs.length;
  result.meanTaskMs = Object.fromEntries([...taskMs].map(([state, ms]) => [state, ms.reduce((a, b) => a + b, 0) / ms.length]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
