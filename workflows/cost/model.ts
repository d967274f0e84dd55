import { DEFAULT_ENGINE_OPTIONS, resolveEngineOptions } from '../copy/engine';
import { EXECUTION_PATHS, TASK_COMPUTE, type PathName } from './paths';
import type { Prices } from './prices';
import type { StageCostSettings } from './stage-settings';

/**
 * Cost of backing up objects, per design, from a stage's settings, the measured local durations and published prices.
 * Every figure is list price with no free tier. What cannot be measured here (cloud latency and bandwidth) is an
 * explicit assumption, printed next to the results.
 */

export interface Assumptions {
  /** Added to a copy per S3 request (same region). */
  s3RequestSeconds: number;
  /** Added to a copy per GCS request (AWS to Google over the internet). */
  gcsRequestSeconds: number;
  /**
   * Share of copies whose destination object already exists (a key written again). Only their destination metadata
   * read is billed (Class B): for a new key GCS answers 404, and "you are not charged for operations that return 307,
   * 4xx, or 5xx responses" (https://cloud.google.com/storage/pricing, Operation charges; the exception, 404 pages of
   * website buckets, does not apply to the JSON API reads the engine makes).
   */
  destinationExistsFraction: number;
  /** Sustained copy rate in the cloud, bytes/s: one resumable upload stream (S3 single-stream GET is ~85-90 MB/s). */
  cloudBytesPerSecond: number;
  /** Billed Fargate time before the copy starts (image pull, start-up). */
  fargateStartupSeconds: number;
  /** Fargate bills at least this much per task. */
  fargateMinimumSeconds: number;
  /** start-executions Lambda duration per batch of messages. */
  starterSecondsPerBatch: number;
  /** The old design: log bytes each of its Lambda invocations writes (text START/END/REPORT plus its own lines). */
  lambdaLogBytesPerInvocation: number;
  /**
   * Our functions: the platform's lines of one invocation in the JSON log format, platform.start and platform.report
   * (with its tracing field), about 150 + 300 bytes by the record shapes Lambda documents; both are INFO, so a stage
   * whose system log level is WARN ships none. Not measurable locally.
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
   */
  lambdaSystemLogBytesPerInvocation: number;
  /** X-Ray default sampling: about this fraction of executions is traced. */
  xraySampledFraction: number;
  /** Step Functions invoking a Lambda and reading its result, per Task: billed as Express duration. */
  lambdaInvokeSeconds: number;
  /** An Express execution's billed memory: 64 MB, the smallest chunk (~50 MB + definition + small data). */
  expressBilledMemoryMiB: number;
  /** The old design: 256 MB x86 Lambda, then a 2 GB one from the DLQ topic; asynchronous invocations retry twice. */
  oldDesign: { firstMemoryMiB: number; secondMemoryMiB: number; asyncAttempts: number; firstMaxBytes: number; secondMaxBytes: number };
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  s3RequestSeconds: 0.02,
  gcsRequestSeconds: 0.06,
  destinationExistsFraction: 0,
  cloudBytesPerSecond: 85e6,
  fargateStartupSeconds: 40,
  fargateMinimumSeconds: 60,
  starterSecondsPerBatch: 0.2,
  lambdaLogBytesPerInvocation: 1500,
  lambdaSystemLogBytesPerInvocation: 450,
  xraySampledFraction: 0.05,
  lambdaInvokeSeconds: 0.02,
  expressBilledMemoryMiB: 64,
  oldDesign: {
    firstMemoryMiB: 256,
    secondMemoryMiB: 2048,
    asyncAttempts: 3,
    // ARCHITECTURE.md: it ran out of memory on a 100 MiB object; /tmp holds 512 MB by default.
    firstMaxBytes: 100 * 1024 * 1024,
    secondMaxBytes: 512 * 1000 * 1000,
  },
};

/** Local measurements (the bench) that set compute durations. */
export interface Measured {
  /** "Normalize the event" Task, s. */
  prepareSeconds: number;
  /** The small copier's Task for a 1 KiB object, s (local servers: no cloud latency). */
  smallCopySeconds: number;
  /** The old design's copy of a 1 KiB object, s. */
  oldCopySeconds: number;
  /** Our engine's and the old design's local throughput on large objects, bytes/s. */
  engineBytesPerSecond: number;
  oldBytesPerSecond: number;
  /**
   * CPU seconds (user + system) per byte of our engine's and the old design's copy of the largest object: what bounds
   * a copy's rate on a Lambda with less than one vCPU (lambdaCpuShare).
   */
  engineCpuSecondsPerByte?: number;
  oldCpuSecondsPerByte?: number;
  /** Execution event log bytes (logging level ALL with execution data; the bench logs so to measure it). */
  eventLogBytesPerExecution: number;
  /** The same for a fast path (Express) execution that copies a 1 KiB object: its log is ALL with execution data. */
  expressEventLogBytesPerExecution?: number;
  /**
   * What our handlers print for one object copied at application log level INFO: the starter's share of its batch
   * tally (with the Lambda context keys) and the copier's metric line; Normalize prints nothing.
   */
  lambdaApplicationLogBytesPerObject?: number;
}

/** Conservative stand-ins when no bench result is given (`npm run cost` without --from). */
export const DEFAULT_MEASURED: Measured = {
  prepareSeconds: 0.005,
  smallCopySeconds: 0.03,
  oldCopySeconds: 0.03,
  engineBytesPerSecond: 100e6,
  oldBytesPerSecond: 60e6,
  // The bench of 2026-12-04 at 1 GiB: our engine 2.1 CPU-s (incremental marking off, copier-gc.ts), the old design 11.7.
  engineCpuSecondsPerByte: 2.1 / 1024 ** 3,
  oldCpuSecondsPerByte: 11.7 / 1024 ** 3,
  eventLogBytesPerExecution: 30_000,
  // Measured on 2026-12-04 by `npm run bench -- --sizes 1KiB --runs 1 --methods raw --workflow-objects 200
  // --workflow-concurrency 1 --no-install` (test/bench/log-bytes.ts): every history event with its data — each Task
  // attempt's effective input and raw result — as one log line under the production stage's ARNs, for a fast path
  // copy started with the intake's object event (14 events, about 330 B of each being the line's own envelope), plus
  // the 26 B per event CloudWatch Logs counts in a batch (log-bytes.ts LOG_EVENT_OVERHEAD_BYTES).
  expressEventLogBytesPerExecution: 10_210,
  // Measured by test/unit/cost/lambda-log-bytes.test.ts (the handlers' real output): the starter's batch tally (564 B
  // per batch of 10) + the copier's 295-B metric line.
  lambdaApplicationLogBytesPerObject: 350,
};

export type CostLine =
  | 'Step Functions transitions'
  | 'Step Functions Express'
  | 'Lambda compute'
  | 'Lambda requests'
  | 'Fargate'
  | 'SQS / SNS'
  | 'S3 requests'
  | 'GCS operations'
  | 'Logs and traces'
  | 'Transfer service fee'
  | 'Egress (S3 to internet)';

export type Breakdown = Partial<Record<CostLine, number>>;

export interface ObjectCost {
  /** USD per object, by line. */
  lines: Breakdown;
  total: number;
  /** False when this design cannot copy such an object at all (the lines are then what the failed attempts cost). */
  copies: boolean;
  note?: string;
}

export interface CostInputs {
  settings: StageCostSettings;
  prices: Prices;
  measured: Measured;
  assumptions?: Assumptions;
}

const GB = 1e9;

/**
 * Lambda allocates CPU in proportion to memory: "At 1,769 MB, a function has the equivalent of one vCPU (one
 * vCPU-second of credits per second)" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 */
export const LAMBDA_MEMORY_PER_VCPU = 1769;

/**
 * The share of one local core a Lambda of `memoryMiB` runs at: memory / 1,769, at most 1 — the measured copy's
 * JavaScript runs on one thread, so more vCPUs do not make its CPU-bound part faster than the bench's one core did.
 * Assumes one Lambda vCPU does what one core of the bench machine does.
 */
export function lambdaCpuShare(memoryMiB: number): number {
  return Math.min(1, memoryMiB / LAMBDA_MEMORY_PER_VCPU);
}

/** How fast a compute environment runs the measured (CPU-bound) work: its share of a core and CPU-s per byte. */
interface CpuBudget {
  share: number;
  secondsPerByte?: number;
}
/** The engine reads and uploads objects up to this size in one request each. */
const SINGLE_REQUEST_MAX = DEFAULT_ENGINE_OPTIONS.singleRequestMaxBytes;
/** ...and sends the GET of objects up to this size alongside the destination read. */
const READ_AHEAD_MAX = DEFAULT_ENGINE_OPTIONS.readAheadMaxBytes;

/** Our design: one Step Functions execution along `path`, for one object of `sizeBytes`. */
export function ourDesignCost(inputs: CostInputs, sizeBytes: number, path: PathName = routePath(inputs.settings, sizeBytes)): ObjectCost {
  const { settings, prices, measured } = inputs;
  const a = inputs.assumptions ?? DEFAULT_ASSUMPTIONS;
  const aws = prices.aws;
  const states = EXECUTION_PATHS[path];
  const lines: Breakdown = {};
  const add = (line: CostLine, usd: number): void => void (lines[line] = (lines[line] ?? 0) + usd);

  add('Step Functions transitions', states.length * aws.stepFunctionsStandardPerTransition.usd);
  // Intake: one SQS message per event; the starter Lambda receives and deletes them in batches.
  const batch = settings.intakeBatchSize;
  add('SQS / SNS', (1 + 2 / batch) * aws.sqsPerRequest.usd);
  const lambda = (memoryMiB: number, arch: 'arm64' | 'x86_64', seconds: number, share = 1): void => {
    const perGbS = arch === 'arm64' ? aws.lambdaArmPerGbSecond.usd : aws.lambdaX86PerGbSecond.usd;
    add('Lambda compute', share * (memoryMiB / 1024) * Math.max(0.001, seconds) * perGbS);
    add('Lambda requests', share * aws.lambdaPerRequest.usd);
  };
  const starter = settings.functions.starter;
  lambda(starter.memoryMiB, starter.arch, a.starterSecondsPerBatch, 1 / batch); // one invocation per batch

  let invocations = 1 / batch;
  let copied = false;
  for (const state of states) {
    const compute = TASK_COMPUTE[state];
    if (!compute || compute === 'alert') {
      if (compute === 'alert') add('SQS / SNS', aws.snsPerPublish.usd);
      continue;
    }
    if (compute === 'prepare' || compute === 'describe') {
      const f = settings.functions[compute];
      const prepare = measured.prepareSeconds / lambdaCpuShare(f.memoryMiB);
      lambda(f.memoryMiB, f.arch, compute === 'prepare' ? prepare : prepare + a.s3RequestSeconds);
      if (compute === 'describe') add('S3 requests', aws.s3GetPerRequest.usd);
      invocations++;
      continue;
    }
    const cpu = ourCpu(settings, compute, measured);
    const seconds = copySeconds(sizeBytes, measured.smallCopySeconds, measured.engineBytesPerSecond, a, ourRequests(settings, compute, sizeBytes), cpu);
    if (compute === 'heavy') {
      const billed = Math.max(a.fargateMinimumSeconds, a.fargateStartupSeconds + seconds) / 3600;
      const h = settings.heavy;
      add('Fargate', billed * (h.vcpu * aws.fargateArmPerVcpuHour.usd + (h.memoryMiB / 1024) * aws.fargateArmPerGbHour.usd + aws.publicIpv4PerHour.usd));
    } else {
      const f = settings.functions[compute];
      lambda(f.memoryMiB, f.arch, seconds);
      invocations++;
    }
    // Destination read (Class B, billed only when the object exists), the pinned GETs (a single-request copy's one GET
    // describes the source too; a large copy describes it by HEAD first), one upload (Class A: a resumable upload is one
    // operation).
    const s3Requests = sizeBytes <= SINGLE_REQUEST_MAX ? 1 : 1 + Math.ceil(sizeBytes / settings.partSizeBytes[compute]);
    add('S3 requests', s3Requests * aws.s3GetPerRequest.usd);
    add('GCS operations', destinationOperationsUsd(inputs, a));
    copied = true;
  }
  if (copied) add('Egress (S3 to internet)', (sizeBytes / GB) * aws.internetEgressPerGb.usd);
  const logBytes = executionEventLogBytes(settings, measured) + lambdaApplicationLogBytes(settings, measured) + lambdaSystemLogBytes(settings, a, invocations);
  add('Logs and traces', (logBytes / GB) * aws.cloudWatchLogsIngestPerGb.usd + a.xraySampledFraction * aws.xrayPerTraceRecorded.usd);
  return finish(lines, true);
}

/**
 * `express-first`: every event starts an Express execution (one request, billed duration in 64-MB chunks rounded up
 * to 100 ms, its events logged at level ALL). An object of the small tier is copied there: the same Lambdas, requests
 * and egress as the Standard small copy, without state transitions. Anything else pays a short Express execution
 * (normalize, route, hand off) and then the Standard execution of today, started by the hand-off instead of the intake.
 */
export function expressFirstCost(inputs: CostInputs, sizeBytes: number): ObjectCost {
  const { settings, prices, measured } = inputs;
  const a = inputs.assumptions ?? DEFAULT_ASSUMPTIONS;
  const aws = prices.aws;
  const lines: Breakdown = {};
  const add = (line: CostLine, usd: number): void => void (lines[line] = (lines[line] ?? 0) + usd);
  const fast = sizeBytes <= settings.thresholds.smallMaxBytes;
  // The fast path's Tasks: normalize, then the small copy or the hand-off (a StartExecution call, no Lambda).
  const prepare = measured.prepareSeconds / lambdaCpuShare(settings.functions.prepare.memoryMiB) + a.lambdaInvokeSeconds;
  const copy = fast
    ? copySeconds(sizeBytes, measured.smallCopySeconds, measured.engineBytesPerSecond, a, ourRequests(settings, 'small', sizeBytes), ourCpu(settings, 'small', measured)) +
      a.lambdaInvokeSeconds
    : 0;
  const handOff = fast ? 0 : a.lambdaInvokeSeconds;
  const billedSeconds = Math.ceil((prepare + copy + handOff) * 10 - 1e-9) / 10;
  add('Step Functions Express', aws.stepFunctionsExpressPerRequest.usd + billedSeconds * (a.expressBilledMemoryMiB / 1024) * aws.stepFunctionsExpressPerGbSecond.usd);
  const eventLog = measured.expressEventLogBytesPerExecution ?? DEFAULT_MEASURED.expressEventLogBytesPerExecution!;
  add('Logs and traces', (eventLog / GB) * aws.cloudWatchLogsIngestPerGb.usd);
  if (fast) {
    // Same intake, Lambdas, requests and egress as the Standard small copy; no state transitions.
    const standard = ourDesignCost(inputs, sizeBytes, 'small copy');
    for (const [line, usd] of Object.entries(standard.lines) as [CostLine, number][]) if (line !== 'Step Functions transitions') add(line, usd);
    return finish(lines, true);
  }
  // Handed off: the normalize Lambda ran once more, then the Standard execution (its own intake share included once).
  const f = settings.functions.prepare;
  const perGbS = f.arch === 'arm64' ? aws.lambdaArmPerGbSecond.usd : aws.lambdaX86PerGbSecond.usd;
  add('Lambda compute', (f.memoryMiB / 1024) * Math.max(0.001, measured.prepareSeconds / lambdaCpuShare(f.memoryMiB)) * perGbS);
  add('Lambda requests', aws.lambdaPerRequest.usd);
  add('Logs and traces', (lambdaSystemLogBytes(settings, a, 1) / GB) * aws.cloudWatchLogsIngestPerGb.usd);
  const standard = ourDesignCost(inputs, sizeBytes);
  for (const [line, usd] of Object.entries(standard.lines) as [CostLine, number][]) add(line, usd);
  return finish(lines, standard.copies, 'handed off to the Standard machine');
}

/**
 * Bytes of execution events a copy that succeeds ships to CloudWatch Logs: the measured ones at level ALL (an upper
 * bound without execution data), none at ERROR or below — those levels log only failures, which are rare and billed
 * by their own path. https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 */
export function executionEventLogBytes(settings: StageCostSettings, measured: Measured): number {
  return settings.stateMachineLogging.level === 'ALL' ? measured.eventLogBytesPerExecution : 0;
}

/**
 * Bytes our handlers' own lines add per object copied: the measured ones at application level INFO or below; none
 * above (no stage can set that: Lambda files our metric lines, which have no level, as INFO).
 */
export function lambdaApplicationLogBytes(settings: StageCostSettings, measured: Measured): number {
  if (!['TRACE', 'DEBUG', 'INFO'].includes(settings.lambdaLogLevels.application)) return 0;
  return measured.lambdaApplicationLogBytesPerObject ?? DEFAULT_MEASURED.lambdaApplicationLogBytesPerObject!;
}

/** Bytes of the platform's START and REPORT lines (INFO) for `invocations`: none at system log level WARN. */
export function lambdaSystemLogBytes(settings: StageCostSettings, a: Assumptions, invocations: number): number {
  return settings.lambdaLogLevels.system === 'WARN' ? 0 : invocations * a.lambdaSystemLogBytesPerInvocation;
}

/** The design it replaces: S3 → SNS → 256 MB Lambda (async, 3 attempts) → DLQ topic → 2 GB Lambda → SQS DLQ. */
export function oldDesignCost(inputs: CostInputs, sizeBytes: number): ObjectCost {
  const { prices, measured } = inputs;
  const a = inputs.assumptions ?? DEFAULT_ASSUMPTIONS;
  const aws = prices.aws;
  const old = a.oldDesign;
  const lines: Breakdown = {};
  const add = (line: CostLine, usd: number): void => void (lines[line] = (lines[line] ?? 0) + usd);
  const lambda = (memoryMiB: number, seconds: number): void => {
    add('Lambda compute', (memoryMiB / 1024) * Math.max(0.001, seconds) * aws.lambdaX86PerGbSecond.usd);
    add('Lambda requests', aws.lambdaPerRequest.usd);
    add('Logs and traces', (a.lambdaLogBytesPerInvocation / GB) * aws.cloudWatchLogsIngestPerGb.usd);
  };
  // S3 publishes the event to SNS; SNS invokes the Lambda asynchronously (deliveries to Lambda are free).
  add('SQS / SNS', aws.snsPerPublish.usd);
  const requests = { s3: 1, gcs: sizeBytes > 5e6 ? 2 : 1 };
  const oldCpu = (memoryMiB: number): CpuBudget => ({
    share: lambdaCpuShare(memoryMiB),
    secondsPerByte: measured.oldCpuSecondsPerByte ?? DEFAULT_MEASURED.oldCpuSecondsPerByte,
  });
  const first = oldCpu(old.firstMemoryMiB);
  const second = oldCpu(old.secondMemoryMiB);
  if (sizeBytes <= old.firstMaxBytes) {
    lambda(old.firstMemoryMiB, copySeconds(sizeBytes, measured.oldCopySeconds, measured.oldBytesPerSecond, a, requests, first));
    add('S3 requests', aws.s3GetPerRequest.usd);
    add('GCS operations', prices.gcp.classAPerOperation[inputs.settings.storageClass].usd);
    add('Egress (S3 to internet)', (sizeBytes / GB) * aws.internetEgressPerGb.usd);
    return finish(lines, true);
  }
  // Too big for 256 MB: every attempt reads until it runs out of memory, then the DLQ topic hands it to 2 GB.
  const untilOom = copySeconds(old.firstMaxBytes, measured.oldCopySeconds, measured.oldBytesPerSecond, a, { s3: 1, gcs: 0 }, first);
  for (let i = 0; i < old.asyncAttempts; i++) {
    lambda(old.firstMemoryMiB, untilOom);
    add('S3 requests', aws.s3GetPerRequest.usd);
  }
  add('SQS / SNS', aws.snsPerPublish.usd);
  if (sizeBytes <= old.secondMaxBytes) {
    lambda(old.secondMemoryMiB, copySeconds(sizeBytes, measured.oldCopySeconds, measured.oldBytesPerSecond, a, requests, second));
    add('S3 requests', aws.s3GetPerRequest.usd);
    add('GCS operations', prices.gcp.classAPerOperation[inputs.settings.storageClass].usd);
    add('Egress (S3 to internet)', (sizeBytes / GB) * aws.internetEgressPerGb.usd);
    return finish(lines, true, 'copied by the 2 GB DLQ Lambda after 3 out-of-memory attempts');
  }
  const untilFull = copySeconds(old.secondMaxBytes, measured.oldCopySeconds, measured.oldBytesPerSecond, a, { s3: 1, gcs: 0 }, second);
  for (let i = 0; i < old.asyncAttempts; i++) {
    lambda(old.secondMemoryMiB, untilFull);
    add('S3 requests', aws.s3GetPerRequest.usd);
  }
  add('SQS / SNS', aws.sqsPerRequest.usd);
  return finish(lines, false, 'not copied: too big for memory and /tmp of both Lambdas; ends in the SQS DLQ');
}

/**
 * Google Storage Transfer Service, event-driven from S3 (agentless): no service fee; S3 requests and egress, GCS
 * operations, and the SQS queue S3 notifies. `managedNetwork` uses Google's managed private network instead of S3's
 * internet egress (its per-GiB fee replaces the egress line).
 */
export function storageTransferCost(inputs: CostInputs, sizeBytes: number, managedNetwork = false): ObjectCost {
  const { prices } = inputs;
  const aws = prices.aws;
  const lines: Breakdown = {
    'SQS / SNS': 3 * aws.sqsPerRequest.usd, // send, receive, delete (STS reads the queue one message at a time at worst)
    'S3 requests': 2 * aws.s3GetPerRequest.usd, // HEAD + GET
    'GCS operations': destinationOperationsUsd(inputs, inputs.assumptions ?? DEFAULT_ASSUMPTIONS),
  };
  if (managedNetwork) lines['Transfer service fee'] = (sizeBytes / 1024 ** 3) * prices.gcp.storageTransferManagedPrivateNetworkPerGib.usd;
  else {
    lines['Transfer service fee'] = (sizeBytes / GB) * prices.gcp.storageTransferAgentlessPerGb.usd;
    lines['Egress (S3 to internet)'] = (sizeBytes / GB) * aws.internetEgressPerGb.usd;
  }
  return finish(lines, true);
}

/** "Choose a copier by size": the path an object of this size takes when nothing goes wrong. */
export function routePath(settings: StageCostSettings, sizeBytes: number): PathName {
  if (sizeBytes <= settings.thresholds.smallMaxBytes) return 'small copy';
  if (sizeBytes <= settings.thresholds.largeMaxBytes) return 'large copy';
  return 'heavy copy';
}

/** A copy's GCS operations: one upload (Class A) and the destination read (Class B), billed only when the object exists. */
function destinationOperationsUsd(inputs: CostInputs, a: Assumptions): number {
  const { storageClass } = inputs.settings;
  return inputs.prices.gcp.classAPerOperation[storageClass].usd + a.destinationExistsFraction * inputs.prices.gcp.classBPerOperation[storageClass].usd;
}

/** Round trips a copy waits for on each side, one after another (each adds its latency to the copy's duration). */
interface RoundTrips {
  s3: number;
  gcs: number;
  /** Of those, S3 requests sent alongside a GCS one: only the slower of each pair is waited for. */
  alongside?: number;
}

/** The round trips of a copy by our engine (workflows/copy/engine.ts). */
function ourRequests(settings: StageCostSettings, tier: 'small' | 'large' | 'heavy', sizeBytes: number): RoundTrips {
  // One GET that also describes the source; destination read + one upload. A small one is read alongside the
  // destination read (EngineOptions.readAheadMaxBytes).
  if (sizeBytes <= SINGLE_REQUEST_MAX) return { s3: 1, gcs: 2, alongside: sizeBytes <= READ_AHEAD_MAX ? 1 : 0 };
  // HEAD, then ranged GETs in parallel (one round trip visible); resumable chunks are sequential round trips, of the
  // engine's upload chunk size for this tier's parts (deployed stages set the part size only).
  const chunkBytes = resolveEngineOptions({ partSizeBytes: settings.partSizeBytes[tier] }).uploadChunkBytes;
  return { s3: 2, gcs: 2 + Math.ceil(sizeBytes / chunkBytes) };
}

/** The CPU our copier of `tier` gets: a Lambda its memory's share of a vCPU; the heavy task at least one whole vCPU. */
function ourCpu(settings: StageCostSettings, tier: 'small' | 'large' | 'heavy', measured: Measured): CpuBudget {
  const share = tier === 'heavy' ? Math.min(1, settings.heavy.vcpu) : lambdaCpuShare(settings.functions[tier].memoryMiB);
  return { share, secondsPerByte: measured.engineCpuSecondsPerByte ?? DEFAULT_MEASURED.engineCpuSecondsPerByte };
}

/**
 * Local fixed time, stretched by the CPU share (the bench measured it on a whole core, CPU-bound), + a round trip per
 * request waited for + the bytes at the slowest of the local rate, the cloud rate and what the CPU share can hash and move.
 */
function copySeconds(sizeBytes: number, fixedSeconds: number, localBytesPerSecond: number, a: Assumptions, requests: RoundTrips, cpu: CpuBudget): number {
  const cpuBytesPerSecond = cpu.secondsPerByte ? cpu.share / cpu.secondsPerByte : Infinity;
  const rate = Math.min(localBytesPerSecond, a.cloudBytesPerSecond, cpuBytesPerSecond);
  const hidden = (requests.alongside ?? 0) * Math.min(a.s3RequestSeconds, a.gcsRequestSeconds);
  return fixedSeconds / cpu.share + requests.s3 * a.s3RequestSeconds + requests.gcs * a.gcsRequestSeconds - hidden + sizeBytes / rate;
}

function finish(lines: Breakdown, copies: boolean, note?: string): ObjectCost {
  const total = Object.values(lines).reduce((sum, v) => sum + (v ?? 0), 0);
  return { lines, total, copies, ...(note ? { note } : {}) };
}
