/**
 * Issue 13's performance targets, judged on one bench run: each met or missed with the figure measured, or "not
 * measured" when this run did not measure what the target speaks of (a --quick run has no 1 GiB copy; rclone may be
 * missing; the cost model may have priced another stage). A target never passes on figures the run does not have.
 */
import type { ScenarioResult } from '../../workflows/cost/scenarios';
import { formatBytes, type CopyCaseResult, type Method } from './copy-bench';
import { MINIMUM_SMALL_COPY_REQUESTS, type RequestCount, type RequestKind } from './request-count';
import type { RcloneStatus } from './rclone';
import type { WorkflowCaseResult } from './workflow-bench';

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetCheck {
  target: string;
  verdict: Verdict;
  /** The measured figure (or why there is none). */
  detail: string;
}

/** What the targets are judged on: parts of one bench run. */
export interface TargetInputs {
  copies: CopyCaseResult[];
  workflow: WorkflowCaseResult[];
  requests?: RequestCount[];
  rclone?: RcloneStatus;
  /** The cost model's results and the stage whose settings fed it. */
  cost?: { stage: string; results: ScenarioResult[] };
}

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** The issue's figures. */
export const TARGETS = {
  costStage: 'production',
  expressFirstPerMillionSmallUsd: 20,
  perTbAboveEgress: 0.02,
  engineToRawAt1GiB: 0.9,
  engineCpuToRawAt1GiB: 1.5,
  engineToRawAt64MiB: 0.85,
  peakRssMiB: 256,
  /** "Flat from 64 MiB to 1 GiB": peak RSS at 1 GiB at most this much above the one at 64 MiB. */
  flatRssGrowth: 0.1,
  workflowObjects: 1000,
  workflowConcurrencies: [1, 16],
  workflowMachines: ['standard', 'express'] as WorkflowCaseResult['machine'][],
} as const;

const EXPRESS_FIRST = 'our design, express-first';

export function checkTargets(run: TargetInputs): TargetCheck[] {
  const at = (size: number, method: Method) => run.copies.find((c) => c.sizeBytes === size && c.method === method);
  const engine = at(GIB, 'engine');
  const raw = at(GIB, 'raw');
  const engine64 = at(64 * MIB, 'engine');
  const raw64 = at(64 * MIB, 'raw');
  return [
    costPerMillion(run.cost),
    costPerTb(run.cost, engine),
    requestsPerSmallCopy(run.requests),
    ratio(`at 1 GiB, engine ≥ ${TARGETS.engineToRawAt1GiB} × raw pipe`, engine, raw, TARGETS.engineToRawAt1GiB),
    versusRclone(engine, at(GIB, 'rclone'), run.rclone),
    cpu(engine, raw),
    ratio(`at 64 MiB, engine ≥ ${TARGETS.engineToRawAt64MiB} × raw pipe`, engine64, raw64, TARGETS.engineToRawAt64MiB),
    peakRss(run.copies.filter((c) => c.method === 'engine'), engine),
    flatRss(engine64, engine),
    workflowCoverage(run.workflow),
  ];
}

/** What a run lacks, as a check that says so. */
function notMeasured(target: string, why: string): TargetCheck {
  return { target, verdict: 'not measured', detail: why };
}

function judged(target: string, met: boolean, detail: string): TargetCheck {
  return { target, verdict: met ? 'met' : 'missed', detail };
}

function costPerMillion(cost: TargetInputs['cost']): TargetCheck {
  const target = `cost, express-first, ${TARGETS.costStage} stage: ≤ $${TARGETS.expressFirstPerMillionSmallUsd} per million 1 KiB objects`;
  const scenario = costScenario(cost, 1024);
  if (typeof scenario === 'string') return notMeasured(target, scenario);
  const total = scenario.designs[EXPRESS_FIRST].total;
  return judged(target, total <= TARGETS.expressFirstPerMillionSmallUsd, `$${total.toFixed(2)} (standard-only $${scenario.designs['our design, standard-only'].total.toFixed(2)})`);
}

/** The model prices large copies at the engine's measured rate (its largest copy): without a 1 GiB copy, a guess. */
function costPerTb(cost: TargetInputs['cost'], engine1GiB: CopyCaseResult | undefined): TargetCheck {
  const target = `cost, express-first, ${TARGETS.costStage} stage: per TB in 1 GiB objects within ${TARGETS.perTbAboveEgress * 100} % of the egress line`;
  const scenario = costScenario(cost, GIB);
  if (typeof scenario === 'string') return notMeasured(target, scenario);
  if (!engine1GiB) return notMeasured(target, "the model's copy rate is not from a 1 GiB engine copy in this run");
  const design = scenario.designs[EXPRESS_FIRST];
  const egress = design.lines['Egress (S3 to internet)'];
  if (!egress) return notMeasured(target, 'the cost model gave no egress line');
  const above = design.total / egress - 1;
  return judged(target, design.total <= egress * (1 + TARGETS.perTbAboveEgress), `$${design.total.toFixed(2)} vs egress $${egress.toFixed(2)} (+${(above * 100).toFixed(2)} %)`);
}

/** The cost model's scenario for objects of `bytes`, or why it cannot be judged. */
function costScenario(cost: TargetInputs['cost'], bytes: number): ScenarioResult | string {
  if (!cost) return 'the cost model did not run (no local durations measured)';
  if (cost.stage !== TARGETS.costStage) return `the cost model priced stage ${cost.stage}`;
  return cost.results.find((r) => r.scenario.objectBytes === bytes) ?? `no cost scenario for ${bytes} B objects`;
}

function requestsPerSmallCopy(requests: RequestCount[] | undefined): TargetCheck {
  const target = 'requests per small copy = the minimum the integrity rules allow';
  if (!requests?.length) return notMeasured(target, 'requests were not counted');
  const measured = new Map(requests.map((r) => [r.kind, r.count]));
  const kinds = (Object.keys(MINIMUM_SMALL_COPY_REQUESTS) as RequestKind[]).filter((k) => measured.has(k) || MINIMUM_SMALL_COPY_REQUESTS[k] > 0);
  const off = kinds.filter((k) => (measured.get(k) ?? 0) !== MINIMUM_SMALL_COPY_REQUESTS[k]);
  const total = requests.reduce((n, r) => n + r.count, 0);
  const minimum = Object.values(MINIMUM_SMALL_COPY_REQUESTS).reduce((n, c) => n + c, 0);
  const differences = off.map((k) => `${k} ${measured.get(k) ?? 0} vs ${MINIMUM_SMALL_COPY_REQUESTS[k]}`).join(', ');
  return judged(target, off.length === 0, `${total} vs minimum ${minimum}${off.length ? ` (${differences})` : ''}`);
}

function ratio(target: string, engine: CopyCaseResult | undefined, raw: CopyCaseResult | undefined, min: number): TargetCheck {
  if (!engine || !raw) return notMeasured(target, `no ${engine ? 'raw pipe' : 'engine'} copy of that size in this run`);
  const r = engine.throughput.median / raw.throughput.median;
  return judged(target, r >= min, `${r.toFixed(2)} × (${mbps(engine)} vs ${mbps(raw)})`);
}

function versusRclone(engine: CopyCaseResult | undefined, rclone: CopyCaseResult | undefined, status: RcloneStatus | undefined): TargetCheck {
  const target = 'at 1 GiB, engine ≥ rclone';
  if (!engine) return notMeasured(target, 'no engine copy of 1 GiB in this run');
  if (!rclone) return notMeasured(target, status?.state === 'missing' ? `rclone ${status.reason}` : 'rclone was not run at 1 GiB');
  const r = engine.throughput.median / rclone.throughput.median;
  return judged(target, r >= 1, `${mbps(engine)} vs ${mbps(rclone)} (${r.toFixed(2)} ×)`);
}

function cpu(engine: CopyCaseResult | undefined, raw: CopyCaseResult | undefined): TargetCheck {
  const target = `at 1 GiB, engine CPU ≤ ${TARGETS.engineCpuToRawAt1GiB} × raw pipe's`;
  if (!engine || !raw) return notMeasured(target, `no ${engine ? 'raw pipe' : 'engine'} copy of 1 GiB in this run`);
  const r = engine.cpuSeconds.median / raw.cpuSeconds.median;
  return judged(target, r <= TARGETS.engineCpuToRawAt1GiB, `${r.toFixed(2)} × (${engine.cpuSeconds.median.toFixed(2)} s vs ${raw.cpuSeconds.median.toFixed(2)} s)`);
}

/** ≤ 256 MiB at every size measured, up to 1 GiB (a run without 1 GiB cannot tell). */
function peakRss(engineCopies: CopyCaseResult[], engine1GiB: CopyCaseResult | undefined): TargetCheck {
  const target = `engine peak RSS ≤ ${TARGETS.peakRssMiB} MiB (every size up to 1 GiB)`;
  if (!engine1GiB) return notMeasured(target, 'no engine copy of 1 GiB in this run');
  const worst = engineCopies.reduce((a, b) => (b.peakRssMiB.max > a.peakRssMiB.max ? b : a));
  return judged(target, worst.peakRssMiB.max <= TARGETS.peakRssMiB, `max ${worst.peakRssMiB.max.toFixed(0)} MiB (at ${formatBytes(worst.sizeBytes)}; median at 1 GiB ${engine1GiB.peakRssMiB.median.toFixed(0)} MiB)`);
}

function flatRss(engine64: CopyCaseResult | undefined, engine: CopyCaseResult | undefined): TargetCheck {
  const target = `engine peak RSS flat from 64 MiB to 1 GiB (≤ +${TARGETS.flatRssGrowth * 100} %)`;
  if (!engine64 || !engine) return notMeasured(target, `no engine copy of ${engine64 ? '1 GiB' : '64 MiB'} in this run`);
  const growth = engine.peakRssMiB.median / engine64.peakRssMiB.median - 1;
  return judged(target, engine.peakRssMiB.median <= engine64.peakRssMiB.median * (1 + TARGETS.flatRssGrowth), `${engine64.peakRssMiB.median.toFixed(0)} → ${engine.peakRssMiB.median.toFixed(0)} MiB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)} %)`);
}

function workflowCoverage(workflow: WorkflowCaseResult[]): TargetCheck {
  const target = `workflow bench: both machines at concurrency ${TARGETS.workflowConcurrencies.join(' and ')}, ${TARGETS.workflowObjects.toLocaleString('en')} objects`;
  if (!workflow.length) return notMeasured(target, 'the workflow bench did not run');
  const most = Math.max(...workflow.map((w) => w.objects));
  if (most < TARGETS.workflowObjects) return notMeasured(target, `this run sent ${most} objects per case`);
  const cases = TARGETS.workflowMachines.flatMap((machine) => TARGETS.workflowConcurrencies.map((concurrency) => ({ machine, concurrency, ran: workflow.find((w) => w.machine === machine && w.concurrency === concurrency) })));
  const met = cases.every((c) => c.ran && c.ran.objects >= TARGETS.workflowObjects);
  const detail = cases.map((c) => `${c.machine} at ${c.concurrency}: ${c.ran ? `${c.ran.objects} objects, ${c.ran.objectsPerSecond.toFixed(1)}/s` : 'not run'}`).join('; ');
  return judged(target, met, detail);
}

function mbps(c: CopyCaseResult): string {
  return `${c.throughput.median.toFixed(1)} MB/s`;
}
