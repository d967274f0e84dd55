import type { DesignName, ScenarioResult } from '../../workflows/cost/scenarios';
import type { CopyCaseResult, Method } from './copy-bench';
import { MINIMUM_SMALL_COPY_REQUESTS, REQUEST_REASONS, type RequestCount, type RequestKind } from './request-count';
import { checkTargets, type TargetInputs } from './targets';
import type { WorkflowCaseResult } from './workflow-bench';

const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const s = (median: number, max = median) => ({ median, min: median, max, n: 1 });
const copy = (method: Method, sizeBytes: number, mbps: number, rssMiB: number, cpuSeconds = 1): CopyCaseResult => ({
  method,
  sizeBytes,
  runs: [],
  throughput: s(mbps),
  peakRssMiB: s(rssMiB),
  cpuSeconds: s(cpuSeconds),
});
const flow = (machine: WorkflowCaseResult['machine'], concurrency: number, objects = 1000) =>
  ({ machine, concurrency, objects, objectsPerSecond: concurrency * 10 }) as WorkflowCaseResult;
const requests = (counts: Partial<Record<RequestKind, number>>): RequestCount[] =>
  Object.entries(counts).map(([kind, count]) => ({ kind: kind as RequestKind, count, reason: REQUEST_REASONS[kind as RequestKind] }));

/** A cost scenario where express-first totals `express`, its egress line `egress`, and standard-only `standard`. */
function scenario(objectBytes: number, express: number, egress: number, standard = express * 5): ScenarioResult {
  const design = (total: number) => ({ total, lines: { 'Egress (S3 to internet)': egress }, copies: true });
  const designs = Object.fromEntries(
    (['our design, standard-only', 'old design (SNS + Lambda + DLQ chain)', 'Storage Transfer Service', 'Storage Transfer Service, managed private network'] as DesignName[]).map((d) => [d, design(standard)]),
  ) as ScenarioResult['designs'];
  designs['our design, express-first'] = design(express);
  return { scenario: { label: '', objectBytes, objects: 1, unit: '$ per TB' }, path: 'small copy', designs };
}

/** A canonical run that meets every target, to vary one figure at a time. */
function goodRun(): TargetInputs {
  return {
    copies: [
      copy('raw', 64 * MIB, 200, 90, 0.1),
      copy('engine', 64 * MIB, 180, 200, 0.15),
      copy('raw', GIB, 200, 90, 2),
      copy('rclone', GIB, 150, 80, 3),
      copy('engine', GIB, 190, 210, 2.8),
    ],
    workflow: [flow('standard', 1), flow('standard', 16), flow('express', 1), flow('express', 16)],
    requests: requests({ 'S3 GET': 1, 'GCS metadata read': 1, 'GCS upload': 1 }),
    rclone: { state: 'detected', version: 'v1.60.1' },
    cost: { stage: 'production', results: [scenario(KIB, 19.5, 0.1, 40), scenario(GIB, 90.9, 90)] },
  };
}

const verdicts = (run: TargetInputs) => checkTargets(run).map((c) => [c.target, c.verdict]);

it('expect every one of issue 13 targets met by a run that meets them, with its figure', () => {
  const checks = checkTargets(goodRun());
  expect(checks.map((c) => [c.target, c.verdict, c.detail])).toEqual([
    ['cost, express-first, production stage: ≤ $20 per million 1 KiB objects', 'met', '$19.50 (standard-only $40.00)'],
    ['cost, express-first, production stage: per TB in 1 GiB objects within 2 % of the egress line', 'met', '$90.90 vs egress $90.00 (+1.00 %)'],
    ['requests per small copy = the minimum the integrity rules allow', 'met', '3 vs minimum 3'],
    ['at 1 GiB, engine ≥ 0.9 × raw pipe', 'met', '0.95 × (190.0 MB/s vs 200.0 MB/s)'],
    ['at 1 GiB, engine ≥ rclone', 'met', '190.0 MB/s vs 150.0 MB/s (1.27 ×)'],
    ["at 1 GiB, engine CPU ≤ 1.5 × raw pipe's", 'met', '1.40 × (2.80 s vs 2.00 s)'],
    ['at 64 MiB, engine ≥ 0.85 × raw pipe', 'met', '0.90 × (180.0 MB/s vs 200.0 MB/s)'],
    ['engine peak RSS ≤ 256 MiB (every size up to 1 GiB)', 'met', 'max 210 MiB (at 1 GiB; median at 1 GiB 210 MiB)'],
    ['engine peak RSS flat from 64 MiB to 1 GiB (≤ +10 %)', 'met', '200 → 210 MiB (+5 %)'],
    ['workflow bench: both machines at concurrency 1 and 16, 1,000 objects', 'met', 'standard at 1: 1000 objects, 10.0/s; standard at 16: 1000 objects, 160.0/s; express at 1: 1000 objects, 10.0/s; express at 16: 1000 objects, 160.0/s'],
  ]);
});

it('expect each target missed when its figure is past the line, with the figure', () => {
  const run = goodRun();
  run.cost = { stage: 'production', results: [scenario(KIB, 21.69, 0.1), scenario(GIB, 92, 90)] };
  run.requests = requests({ 'S3 HEAD': 1, 'S3 GET': 1, 'GCS metadata read': 1, 'GCS upload': 1, 'GCS verify read': 1, 'GCS patch': 1 });
  run.copies = [copy('raw', 64 * MIB, 200, 90, 0.1), copy('engine', 64 * MIB, 154, 200), copy('raw', GIB, 200, 90, 2), copy('rclone', GIB, 190, 80), copy('engine', GIB, 170, 300, 4.6)];
  run.workflow = [flow('standard', 1), flow('standard', 16), flow('express', 1)];
  const checks = checkTargets(run);
  expect(checks.every((c) => c.verdict === 'missed')).toBe(true);
  expect(checks.map((c) => c.detail)).toEqual([
    '$21.69 (standard-only $108.45)',
    '$92.00 vs egress $90.00 (+2.22 %)',
    '6 vs minimum 3 (S3 HEAD 1 vs 0, GCS verify read 1 vs 0, GCS patch 1 vs 0)',
    '0.85 × (170.0 MB/s vs 200.0 MB/s)',
    '170.0 MB/s vs 190.0 MB/s (0.89 ×)',
    '2.30 × (4.60 s vs 2.00 s)',
    '0.77 × (154.0 MB/s vs 200.0 MB/s)',
    'max 300 MiB (at 1 GiB; median at 1 GiB 300 MiB)',
    '200 → 300 MiB (+50 %)',
    'standard at 1: 1000 objects, 10.0/s; standard at 16: 1000 objects, 160.0/s; express at 1: 1000 objects, 10.0/s; express at 16: not run',
  ]);
});

it('expect a request kind below its minimum to miss too (a copy that skipped reading the destination is no better)', () => {
  const run = { ...goodRun(), requests: requests({ 'S3 GET': 1, 'GCS upload': 1 }) };
  expect(checkTargets(run)[2]).toMatchObject({ verdict: 'missed', detail: '2 vs minimum 3 (GCS metadata read 0 vs 1)' });
  expect(Object.values(MINIMUM_SMALL_COPY_REQUESTS).reduce((a, b) => a + b, 0)).toBe(3);
});

it('expect the lines themselves to be met: exactly $20, +2 %, 0.9 ×, 1.5 ×, 0.85 ×, 256 MiB, +10 %', () => {
  const run = goodRun();
  run.cost = { stage: 'production', results: [scenario(KIB, 20, 0.1), scenario(GIB, 102, 100)] };
  run.copies = [copy('raw', 64 * MIB, 200, 90, 0.1), copy('engine', 64 * MIB, 170, 200), copy('raw', GIB, 200, 90, 2), copy('rclone', GIB, 180, 80), { ...copy('engine', GIB, 180, 220, 3), peakRssMiB: s(220, 256) }];
  expect(checkTargets(run).filter((c) => c.verdict !== 'met')).toEqual([]);
});

it('expect "not measured", never a verdict, for what a --quick run without rclone, requests or cost did not measure', () => {
  const quick: TargetInputs = {
    copies: [copy('raw', KIB, 1, 60), copy('engine', KIB, 1, 70), copy('raw', 16 * MIB, 100, 80), copy('engine', 16 * MIB, 90, 120)],
    workflow: [],
    rclone: { state: 'missing', reason: 'not installed (--no-install)' },
  };
  expect(checkTargets(quick).map((c) => [c.verdict, c.detail])).toEqual([
    ['not measured', 'the cost model did not run (no local durations measured)'],
    ['not measured', 'the cost model did not run (no local durations measured)'],
    ['not measured', 'requests were not counted'],
    ['not measured', 'no engine copy of that size in this run'],
    ['not measured', 'no engine copy of 1 GiB in this run'],
    ['not measured', 'no engine copy of 1 GiB in this run'],
    ['not measured', 'no engine copy of that size in this run'],
    ['not measured', 'no engine copy of 1 GiB in this run'],
    ['not measured', 'no engine copy of 64 MiB in this run'],
    ['not measured', 'the workflow bench did not run'],
  ]);
});

it('expect rclone missing, or a cost model of another stage, to be "not measured" while the rest is judged', () => {
  const run = { ...goodRun(), rclone: { state: 'missing', reason: 'not installed (--no-install)' } as const, cost: { stage: 'dev', results: goodRun().cost!.results } };
  run.copies = run.copies.filter((c) => c.method !== 'rclone');
  expect(verdicts(run).filter(([, v]) => v !== 'met')).toEqual([
    ['cost, express-first, production stage: ≤ $20 per million 1 KiB objects', 'not measured'],
    ['cost, express-first, production stage: per TB in 1 GiB objects within 2 % of the egress line', 'not measured'],
    ['at 1 GiB, engine ≥ rclone', 'not measured'],
  ]);
  expect(checkTargets(run)[4]!.detail).toBe('rclone not installed (--no-install)');
  expect(checkTargets(run)[0]!.detail).toBe('the cost model priced stage dev');
});

it('expect peak RSS judged at every size measured: a peak over 256 MiB at 64 MiB misses even when 1 GiB is under', () => {
  const run = goodRun();
  run.copies = run.copies.map((c) => (c.method === 'engine' && c.sizeBytes === 64 * MIB ? { ...c, peakRssMiB: s(200, 260) } : c));
  expect(checkTargets(run)[7]).toMatchObject({ verdict: 'missed', detail: 'max 260 MiB (at 64 MiB; median at 1 GiB 210 MiB)' });
});

it('expect a --quick run\'s cost per TB and workflow rows "not measured": its copy rate is from 16 MiB, its workflow 200 objects', () => {
  const quick = { ...goodRun(), copies: goodRun().copies.filter((c) => c.sizeBytes !== GIB), workflow: goodRun().workflow.map((w) => ({ ...w, objects: 200 })) };
  const checks = checkTargets(quick);
  expect([checks[0]!.verdict, checks[1]!.verdict, checks[1]!.detail]).toEqual(['met', 'not measured', "the model's copy rate is not from a 1 GiB engine copy in this run"]);
  expect(checks[9]).toMatchObject({ verdict: 'not measured', detail: 'this run sent 200 objects per case' });
});
