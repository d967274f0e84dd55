/**
 * The whole local workflow for many objects, in a process of its own (spawned by workflow-bench.ts): each input runs
 * asl/backup-object.asl.json through runBackupExecution (machine 'standard') or asl/fast-path.asl.json through
 * runFastPathExecution (machine 'express', hand-offs run the Standard machine) with the real engine, `concurrency`
 * executions at a time.
 * Argument: one JSON WorkflowWorkerInput. Prints one JSON WorkflowWorkerResult line.
 */
import { Storage } from '@google-cloud/storage';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { localS3Client } from '../../workflows/local/s3-server';
import { resolve } from 'node:path';
import { executionName } from '../../workflows/backup/execution-name';
import { normalizeExecutionInput, objectEventInput } from '../../workflows/backup/normalize';
import { FAST_PATH_ASL_PATH } from '../../workflows/local/asl-definition';
import { preparedFor, runBackupExecution as defaultRunner, runFastPathExecution, type LocalExecutionResult } from '../../workflows/local/runner';
import { LOCAL_ARNS, type LocalEnvironment } from '../../workflows/local/deployment';
import { expressExecutionArnFor } from '../../workflows/local/sfn-api/names';
import { cloudWatchLogBytes } from './log-bytes';
import { logger } from '../../workflows/logger';
import { peakRssBytes } from './peak-rss';

export interface WorkflowWorkerInput {
  s3Endpoint: string;
  gcsEndpoint: string;
  /** JSON file: an array of S3 notification records (each started as the intake starts it). */
  inputsFile: string;
  concurrency: number;
  bucket: string;
  prefix: string;
  /** Executions run first, to a different prefix, and not measured (module loading, JIT, connections). */
  warmup: number;
  /** (Default: 'standard') */
  machine?: 'standard' | 'express';
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
  /** Express: mean bytes of its CloudWatch log lines at level ALL with execution data (its history events). */
  meanCloudWatchLogBytes?: number;
  /** Express: executions handed off to the Standard machine (each also run here). */
  handedOff?: number;
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
  const inputs = (JSON.parse(await readFile(input.inputsFile, 'utf8')) as unknown[]).map((record) => objectEventInput(normalizeExecutionInput(record)));
  const handOffs: Promise<unknown>[] = [];
  const standardEnv: LocalEnvironment = {
    s3: localS3Client(input.s3Endpoint),
    storage: new Storage({ apiEndpoint: input.gcsEndpoint, projectId: 'bench' }),
    target: { bucket: input.bucket, prefix: input.prefix },
    retryIntervalMs: 100,
  };
  // The fast path hands off by starting the Standard machine; here it runs in the background and is awaited at the end.
  const env: LocalEnvironment = {
    ...standardEnv,
    startExecution: async ({ name, input: text }) => {
      handOffs.push(runBackupExecution(JSON.parse(text), standardEnv, name ? { executionName: name } : {}));
      return { executionArn: `${LOCAL_ARNS.stateMachine.replace(':stateMachine:', ':execution:')}:${name}`, startDate: Date.now() / 1000 };
    },
  };
  // Each Task's resource as deployed (log-bytes.ts gives the local ARNs the production stage's names).
  const fastResources = new Map(Object.entries(preparedFor(env, FAST_PATH_ASL_PATH).definition['States'] as Record<string, { Resource?: string }>).map(([n, s]) => [n, s.Resource ?? '']));
  const express = input.machine === 'express';
  // Each execution starts as the intake starts it: with the normalized event (objectEventInput) under its name.
  const run = (start: unknown, runEnv: LocalEnvironment, options: Parameters<typeof runBackupExecution>[2] = {}): Promise<LocalExecutionResult> => {
    if (!express) return runBackupExecution(start, runEnv, options);
    const name = executionName(normalizeExecutionInput(start));
    // An Express execution's id is a UUID, as the local endpoint and AWS give it.
    return runFastPathExecution(start, runEnv, { name, arn: expressExecutionArnFor(LOCAL_ARNS.fastPathStateMachine, name, randomUUID()) }, options);
  };
  for (const warm of inputs.slice(0, input.warmup)) {
    await run(warm, { ...env, target: { bucket: input.bucket, prefix: `${input.prefix}warmup/` } });
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
  let cloudWatchBytes = 0;
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < inputs.length) {
      const item = inputs[next++];
      let entered = 0;
      const started = performance.now();
      const done = await run(item, env, {
        onEvent: (event) => {
          logBytes += JSON.stringify(event).length;
          if (event.type === 'StateEntered') entered++;
          if (event.type === 'StateRetried') result.retries++;
        },
      });
      result.latenciesMs.push(performance.now() - started);
      if (express) cloudWatchBytes += cloudWatchLogBytes(done, LOCAL_ARNS.fastPathStateMachine, item, (state) => fastResources.get(state));
      result.transitions.push(entered);
      count(result.statuses, done.status);
      count(result.outcomes, String((done.output as { outcome?: string } | undefined)?.outcome ?? done.error ?? 'none'));
      for (const step of done.timeline.steps) {
        if (step.type === 'Task') taskMs.set(step.state, [...(taskMs.get(step.state) ?? []), step.durationMs]);
      }
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: input.concurrency }, one));
  await Promise.all(handOffs);
  if (express) Object.assign(result, { meanCloudWatchLogBytes: cloudWatchBytes / inputs.length, handedOff: handOffs.length });
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
