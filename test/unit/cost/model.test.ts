import { DEFAULT_ASSUMPTIONS, DEFAULT_MEASURED, expressFirstCost, lambdaCpuShare, oldDesignCost, ourDesignCost, routePath, storageTransferCost, type CostInputs } from '../../../workflows/cost/model';
import { loadPrices } from '../../../workflows/cost/prices';
import type { StageCostSettings } from '../../../workflows/cost/stage-settings';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const fn = (memoryMiB: number) => ({ memoryMiB, arch: 'arm64' as const, timeoutSeconds: 60 });
const settings: StageCostSettings = {
  stage: 'test',
  functions: { prepare: fn(256), describe: fn(256), small: fn(1024), large: fn(4096), starter: fn(256) },
  heavy: { vcpu: 2, memoryMiB: 8192, arch: 'arm64' },
  thresholds: { smallMaxBytes: 64 * MIB, largeMaxBytes: 16 * GIB },
  partSizeBytes: { small: 8 * MIB, large: 8 * MIB, heavy: 16 * MIB },
  storageClass: 'STANDARD',
  intakeBatchSize: 10,
  stateMachineLogging: { level: 'ERROR', includeExecutionData: false },
  executionMode: 'express-first',
  lambdaLogLevels: { application: 'INFO', system: 'INFO' },
};
const prices = loadPrices();
const inputs: CostInputs = {
  settings,
  prices,
  measured: { prepareSeconds: 0.002, smallCopySeconds: 0.02, oldCopySeconds: 0.02, engineBytesPerSecond: 150e6, oldBytesPerSecond: 50e6, eventLogBytesPerExecution: 30_000 },
  assumptions: DEFAULT_ASSUMPTIONS,
};

it('expect objects to take the path "Choose a copier by size" picks, thresholds inclusive', () => {
  expect(routePath(settings, 64 * MIB)).toBe('small copy');
  expect(routePath(settings, 64 * MIB + 1)).toBe('large copy');
  expect(routePath(settings, 16 * GIB)).toBe('large copy');
  expect(routePath(settings, 16 * GIB + 1)).toBe('heavy copy');
});

it('expect a small copy to bill five transitions, one S3 GET, one Class A operation, and its bytes of egress', () => {
  const c = ourDesignCost(inputs, 1024);
  expect(c.lines['Step Functions transitions']).toBeCloseTo(5 * 0.000025, 12);
  expect(c.lines['S3 requests']).toBeCloseTo(0.0000004, 13);
  // The destination read of a new object answers 404: not billed (https://cloud.google.com/storage/pricing).
  expect(c.lines['GCS operations']).toBeCloseTo(0.000005, 12);
  expect(c.lines['Egress (S3 to internet)']).toBeCloseTo((1024 / 1e9) * 0.09, 15);
  expect(c.lines.Fargate).toBeUndefined();
  expect(c.total).toBeCloseTo(Object.values(c.lines).reduce((a, b) => a + (b ?? 0), 0), 15);
});

it("expect no execution-event logging for an execution that succeeds at level ERROR, the measured bytes at level ALL", () => {
  const logs = (stateMachineLogging: StageCostSettings['stateMachineLogging']) =>
    ourDesignCost({ ...inputs, settings: { ...settings, stateMachineLogging } }, 1024).lines['Logs and traces']!;
  const perGb = prices.aws.cloudWatchLogsIngestPerGb.usd;
  expect(logs({ level: 'ALL', includeExecutionData: true }) - logs({ level: 'ERROR', includeExecutionData: false })).toBeCloseTo((30_000 / 1e9) * perGb, 12);
  expect(logs({ level: 'ERROR', includeExecutionData: true })).toBeCloseTo(logs({ level: 'ERROR', includeExecutionData: false }), 15);
});

it("expect Lambda log bytes from the stage's levels: the handlers' measured lines, plus START/REPORT per invocation unless the system level is WARN", () => {
  const perGb = prices.aws.cloudWatchLogsIngestPerGb.usd;
  const xray = DEFAULT_ASSUMPTIONS.xraySampledFraction * prices.aws.xrayPerTraceRecorded.usd;
  const logs = (system: string) => ourDesignCost({ ...inputs, settings: { ...settings, lambdaLogLevels: { application: 'INFO', system } } }, 1024).lines['Logs and traces']!;
  // The starter's share of its batch (1/10), Normalize and the small copier: 2.1 invocations.
  expect(logs('INFO') - logs('WARN')).toBeCloseTo(((2.1 * DEFAULT_ASSUMPTIONS.lambdaSystemLogBytesPerInvocation) / 1e9) * perGb, 15);
  expect(logs('WARN') - xray).toBeCloseTo((DEFAULT_MEASURED.lambdaApplicationLogBytesPerObject! / 1e9) * perGb, 15);
  // Handed off in express-first: Normalize ran once more, with its own START/REPORT at INFO.
  const handed = (system: string) =>
    expressFirstCost({ ...inputs, settings: { ...settings, lambdaLogLevels: { application: 'INFO', system } } }, 100 * MIB).lines['Logs and traces']!;
  expect(handed('INFO') - handed('WARN')).toBeCloseTo(((3.1 * DEFAULT_ASSUMPTIONS.lambdaSystemLogBytesPerInvocation) / 1e9) * perGb, 15);
});

it('expect the class B destination read billed for the share of copies whose destination exists', () => {
  const overwrites = { ...inputs, assumptions: { ...DEFAULT_ASSUMPTIONS, destinationExistsFraction: 0.25 } };
  expect(ourDesignCost(overwrites, 1024).lines['GCS operations']).toBeCloseTo(0.000005 + 0.25 * 0.0000004, 14);
  expect(storageTransferCost(overwrites, 1024).lines['GCS operations']).toBeCloseTo(0.000005 + 0.25 * 0.0000004, 14);
});

it('expect the small copier to bill its memory for the local time, stretched by its vCPU share, plus a round trip per request waited for', () => {
  // 1 KiB: one GET on S3, sent alongside the destination read (only the slower GCS round trip counts), then one
  // upload; the measured local steps ran on a whole core, a Lambda gets memory / 1,769 of one (prepare 256 MB for its
  // 2 ms, the small copier 1024 MB for its 20 ms).
  const copySeconds = (0.02 * 1769) / 1024 + 2 * 0.06 + 1024 / 85e6;
  const starter = (0.25 * 0.2 * 0.0000133334) / 10;
  const expected = starter + 0.25 * ((0.002 * 1769) / 256) * 0.0000133334 + 1 * copySeconds * 0.0000133334;
  expect(ourDesignCost(inputs, 1024).lines['Lambda compute']).toBeCloseTo(expected, 14);
});

it('expect a smaller copier to be priced with the slower CPU it gets: its bytes at no more than its vCPU share can move', () => {
  // 512 MB = 0.289 vCPU; at 4 CPU-s per GiB that moves 0.289 / 4 GiB/s = 77.7 MB/s, below the 85 MB/s cloud rate.
  const slow: CostInputs = {
    ...inputs,
    settings: { ...settings, functions: { ...settings.functions, small: fn(512) } },
    measured: { ...inputs.measured, engineCpuSecondsPerByte: 4 / GIB },
  };
  const share = 512 / 1769;
  const seconds = 0.02 / share + 2 * 0.02 + (2 + 4) * 0.06 + (64 * MIB) / (share / (4 / GIB));
  const copier = ourDesignCost(slow, 64 * MIB).lines['Lambda compute']! - ourDesignCost(slow, 0).lines['Lambda compute']!;
  const copierAt0 = 0.02 / share + 2 * 0.06; // an empty object: its one GET alongside the destination read
  expect(copier).toBeCloseTo(0.5 * (seconds - copierAt0) * 0.0000133334, 14);
  expect(lambdaCpuShare(1769)).toBe(1);
  expect(lambdaCpuShare(4096)).toBe(1); // one thread: more vCPUs do not speed up the measured core's work
});

it('expect a single-request copy above the read-ahead size to wait for its GET after the destination read', () => {
  const size = MIB;
  const copySeconds = (0.02 * 1769) / 1024 + 0.02 + 2 * 0.06 + size / 85e6;
  const starter = (0.25 * 0.2 * 0.0000133334) / 10;
  const prepare = 0.25 * ((0.002 * 1769) / 256) * 0.0000133334;
  expect(ourDesignCost(inputs, size).lines['Lambda compute']).toBeCloseTo(starter + prepare + copySeconds * 0.0000133334, 14);
  expect(ourDesignCost(inputs, size).lines['S3 requests']).toBeCloseTo(0.0000004, 13);
});

it('expect a retry to add exactly one transition and one more copier invocation', () => {
  const once = ourDesignCost(inputs, 1024, 'small copy');
  const retried = ourDesignCost(inputs, 1024, 'small copy after one transient retry');
  expect(retried.lines['Step Functions transitions']! - once.lines['Step Functions transitions']!).toBeCloseTo(0.000025, 12);
  expect(retried.lines['Lambda requests']! - once.lines['Lambda requests']!).toBeCloseTo(0.0000002, 13);
});

it('expect huge objects to run on Fargate, billed at least its minimum plus start-up', () => {
  const c = ourDesignCost(inputs, 32 * GIB);
  const seconds = 40 + 0.02 + 2 * 0.02 + (2 + (32 * GIB) / (16 * MIB)) * 0.06 + (32 * GIB) / 85e6;
  expect(c.lines.Fargate).toBeCloseTo((seconds / 3600) * (2 * 0.03238 + 8 * 0.00356 + 0.005), 10);
  expect(c.lines['S3 requests']).toBeCloseTo((1 + 2048) * 0.0000004, 12);
});

it('expect the old design to copy small objects with one SNS publish and one x86 invocation', () => {
  const c = oldDesignCost(inputs, 1024);
  expect(c.copies).toBe(true);
  expect(c.lines['SQS / SNS']).toBeCloseTo(0.0000005, 13);
  expect(c.lines['Lambda requests']).toBeCloseTo(0.0000002, 13);
  expect(c.lines['Step Functions transitions']).toBeUndefined();
});

it('expect the old design to fail three times before the 2 GB Lambda copies a 200 MiB object, and to give up at 1 GiB', () => {
  const mid = oldDesignCost(inputs, 200 * MIB);
  expect(mid.copies).toBe(true);
  expect(mid.lines['Lambda requests']).toBeCloseTo(4 * 0.0000002, 13);
  const big = oldDesignCost(inputs, GIB);
  expect(big.copies).toBe(false);
  expect(big.lines['Egress (S3 to internet)']).toBeUndefined();
});

it('expect Storage Transfer Service over the managed network to replace egress with its per-GiB fee', () => {
  const internet = storageTransferCost(inputs, GIB);
  const managed = storageTransferCost(inputs, GIB, true);
  expect(internet.lines['Egress (S3 to internet)']).toBeCloseTo((GIB / 1e9) * 0.09, 10);
  expect(managed.lines['Egress (S3 to internet)']).toBeUndefined();
  expect(managed.lines['Transfer service fee']).toBeCloseTo(0.03, 10);
});

it('expect an express-first small copy to bill one Express request and its duration instead of state transitions', () => {
  const standard = ourDesignCost(inputs, 1024);
  const fast = expressFirstCost(inputs, 1024);
  expect(fast.lines['Step Functions transitions']).toBeUndefined();
  // prepare 2 ms at 256/1769 of a vCPU (13.8 ms) + copy (20 ms at 1024/1769: 34.5 ms, + 2 GCS round trips, the S3 GET
  // alongside the first) + two Lambda invokes = 0.208 s, billed as 0.3 s of 64 MB.
  expect(fast.lines['Step Functions Express']).toBeCloseTo(0.000001 + 0.3 * (64 / 1024) * 0.00001667, 14);
  expect(fast.lines['GCS operations']).toBeCloseTo(standard.lines['GCS operations']!, 15);
  expect(fast.lines['Lambda compute']).toBeCloseTo(standard.lines['Lambda compute']!, 15);
  expect(fast.total).toBeLessThan(standard.total);
});

it('expect an express-first object above the small tier to pay a short Express execution on top of the Standard one', () => {
  const standard = ourDesignCost(inputs, GIB);
  const handedOff = expressFirstCost(inputs, GIB);
  expect(handedOff.lines['Step Functions transitions']).toBeCloseTo(standard.lines['Step Functions transitions']!, 15);
  expect(handedOff.total - standard.total).toBeGreaterThan(0.000001);
  expect(handedOff.total - standard.total).toBeLessThan(0.00001);
});
