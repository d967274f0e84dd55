import { DEFAULT_ENGINE_OPTIONS } from '../copy/engine';
import { LAMBDA_MEMORY_PER_VCPU, executionEventLogBytes, lambdaApplicationLogBytes, type Assumptions, type CostLine, type Measured } from './model';
import type { Prices } from './prices';
import type { DesignName, ScenarioResult } from './scenarios';
import type { StageCostSettings } from './stage-settings';
import type { PathName } from './paths';

const READ_AHEAD_MAX_BYTES = DEFAULT_ENGINE_OPTIONS.readAheadMaxBytes;

const LINES: CostLine[] = [
  'Step Functions transitions',
  'Step Functions Express',
  'Lambda compute',
  'Lambda requests',
  'Fargate',
  'SQS / SNS',
  'S3 requests',
  'GCS operations',
  'Logs and traces',
  'Transfer service fee',
  'Egress (S3 to internet)',
];

export function usd(n: number): string {
  if (n === 0) return '$0';
  if (Math.abs(n) >= 100) return `$${n.toFixed(0)}`;
  if (Math.abs(n) >= 1) return `$${n.toFixed(2)}`;
  if (Math.abs(n) >= 0.01) return `$${n.toFixed(3)}`;
  return `$${n.toPrecision(2)}`;
}

/** The cost section of docs/benchmarks.md (also what `npm run cost` prints). */
export function costMarkdown(o: {
  settings: StageCostSettings;
  prices: Prices;
  measured: Measured;
  measuredFrom: string;
  assumptions: Assumptions;
  results: ScenarioResult[];
  paths: { path: PathName; transitions: number; perMillion: number }[];
}): string {
  const { settings: s, results } = o;
  const designs = Object.keys(results[0]!.designs) as DesignName[];
  const out: string[] = [];
  out.push(
    `Stage **${s.stage}** as synthesized (arm64 Lambdas): prepare ${s.functions.prepare.memoryMiB} MB, small copier ${s.functions.small.memoryMiB} MB, ` +
      `large copier ${s.functions.large.memoryMiB} MB, heavy task ${s.heavy.vcpu} vCPU / ${s.heavy.memoryMiB} MiB Fargate; ` +
      `small ≤ ${mib(s.thresholds.smallMaxBytes)} < large ≤ ${mib(s.thresholds.largeMaxBytes)} < heavy; GCS class ${s.storageClass}; ` +
      `prices from docs/prices.json (compiled ${o.prices.compiled}), list prices, no free tier.`,
    '',
    `| design | ${results.map((r) => `${r.scenario.label} (${r.scenario.unit.replace('$ ', '')})`).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
  );
  for (const d of designs) {
    out.push(`| ${d} | ${results.map((r) => cell(r.designs[d])).join(' | ')} |`);
  }
  for (const mode of ['express-first', 'standard-only'] as const) {
    const design: DesignName = `our design, ${mode}`;
    const how =
      mode === 'express-first'
        ? 'the Express fast path copies objects of the small tier; the rest are handed off to the Standard machine'
        : `one Standard execution per object; the path taken: ${results.map((r) => `${r.scenario.label.replace(/^1 (million|TB) (objects )?(in )?/, '')} → ${r.path}`).join('; ')}`;
    out.push('', `Our design in ${mode}${s.executionMode === mode ? ' (this stage)' : ''}, by line (${how}):`, '');
    out.push(`| line | ${results.map((r) => r.scenario.label).join(' | ')} |`, `|---|${results.map(() => '---:').join('|')}|`);
    for (const line of LINES) {
      const values = results.map((r) => r.designs[design].lines[line]);
      if (values.every((v) => !v)) continue;
      out.push(`| ${line} | ${values.map((v) => (v ? usd(v) : '–')).join(' | ')} |`);
    }
    out.push(`| **total** | ${results.map((r) => `**${usd(r.designs[design].total)}**`).join(' | ')} |`);
  }
  out.push('', 'State transitions per path (a retry enters its state again and is billed again):', '');
  out.push('| path | transitions | Step Functions $ per million executions |', '|---|---:|---:|');
  for (const p of o.paths) out.push(`| ${p.path} | ${p.transitions} | ${usd(p.perMillion)} |`);
  const m = o.measured;
  const a = o.assumptions;
  out.push(
    '',
    `Measured inputs (${o.measuredFrom}): prepare step ${ms(m.prepareSeconds)}, small copy step ${ms(m.smallCopySeconds)}, old design 1 KiB copy ${ms(m.oldCopySeconds)}, ` +
      `engine ${(m.engineBytesPerSecond / 1e6).toFixed(0)} MB/s and old design ${(m.oldBytesPerSecond / 1e6).toFixed(0)} MB/s on the largest object` +
      (m.engineCpuSecondsPerByte !== undefined ? ` (${(m.engineCpuSecondsPerByte * 1024 ** 3).toFixed(1)} and ${((m.oldCpuSecondsPerByte ?? NaN) * 1024 ** 3).toFixed(1)} CPU-s per GiB)` : '') +
      ', ' +
      `${(m.eventLogBytesPerExecution / 1000).toFixed(1)} kB of execution events per execution at logging level ALL ` +
      `(this stage logs level ${s.stateMachineLogging.level}${s.stateMachineLogging.includeExecutionData ? ' with' : ' without'} execution data: ` +
      `${(executionEventLogBytes(s, m) / 1000).toFixed(1)} kB per execution that succeeds); ` +
      `a fast path (Express) execution logs ${((m.expressEventLogBytesPerExecution ?? 0) / 1000).toFixed(1)} kB (level ALL with execution data, its only record); ` +
      `our handlers print ${(lambdaApplicationLogBytes(s, m) / 1000).toFixed(2)} kB per object copied (this stage's Lambda application log level ${s.lambdaLogLevels.application}).`,
    '',
    `Assumptions (cannot be measured here): +${ms(a.s3RequestSeconds)} per S3 request and +${ms(a.gcsRequestSeconds)} per GCS request (AWS → Google), ` +
      `cloud copy rate ≤ ${(a.cloudBytesPerSecond / 1e6).toFixed(0)} MB/s (one upload stream), ` +
      `a Lambda runs at memory / ${LAMBDA_MEMORY_PER_VCPU.toLocaleString('en-US')} MB of a vCPU (AWS; at most one, as the copy's JavaScript is one thread), one vCPU doing what one core here did: ` +
      `the measured CPU-bound time (the local steps, CPU-s per byte) is stretched by it, ` +
      `Fargate start-up ${a.fargateStartupSeconds} s billed (minimum ${a.fargateMinimumSeconds} s) plus a public IPv4 address, ` +
      `start-executions ${ms(a.starterSecondsPerBatch)} per batch of ${s.intakeBatchSize}, ` +
      `${(a.lambdaSystemLogBytesPerInvocation / 1000).toFixed(2)} kB of START/REPORT per Lambda invocation at system log level INFO (this stage: ${s.lambdaLogLevels.system}${s.lambdaLogLevels.system === 'WARN' ? ', none' : ''}), ` +
      `${(a.xraySampledFraction * 100).toFixed(0)} % of executions traced by X-Ray; a resumable upload counts as one Class A operation; ` +
      `${(a.destinationExistsFraction * 100).toFixed(0)} % of copies find their destination object already there (only those pay the Class B metadata read: GCS does not bill the 404 a new object's read gets); ` +
      `a small copy's one GET (no HEAD) is sent alongside the destination read up to ${(READ_AHEAD_MAX_BYTES / 1024).toFixed(0)} KiB, so only the slower round trip counts; ` +
      `Express: +${ms(a.lambdaInvokeSeconds)} per Task for Step Functions to invoke the Lambda, ${a.expressBilledMemoryMiB} MB billed memory, duration rounded up to 100 ms. ` +
      `Old design: ${(a.lambdaLogBytesPerInvocation / 1000).toFixed(1)} kB of logs per Lambda invocation, ${a.oldDesign.firstMemoryMiB} MB x86 Lambda invoked asynchronously by SNS (${a.oldDesign.asyncAttempts} attempts), out of memory above ${mib(a.oldDesign.firstMaxBytes)}, ` +
      `then a ${a.oldDesign.secondMemoryMiB} MB Lambda from the DLQ topic, which cannot hold more than ${(a.oldDesign.secondMaxBytes / 1e6).toFixed(0)} MB in /tmp. ` +
      `Storage Transfer Service: event-driven agentless transfer (no service fee), S3 HEAD+GET, GCS read (billed as ours) + insert, its SQS queue; ` +
      `with the managed private network its per-GiB fee replaces S3's internet egress.`,
  );
  return out.join('\n');
}

function cell(d: { total: number; copies: boolean; note?: string }): string {
  return d.copies ? usd(d.total) : `cannot copy (failed attempts ${usd(d.total)})`;
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
}

function ms(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(1)} s` : `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;
}
