import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { logger } from '../../workflows/logger';
import { S3_FAULT_KINDS } from '../../workflows/local/fault-proxy';
import { currentRun, type ExecutionRecord } from '../../workflows/local/sfn-api';
import { putObject } from '../support/s3-server';
import { EventDelivery } from './delivery';
import type { GcsFaultShares, SoakProfile } from './profile';
import { contentOf, Random, sha256 } from './random';
import { replayWithCli, type ReplayResult } from './replay';
import { SOAK_TARGET, soakNameOf, startSoakSystem, type SoakSystem } from './system';
import { mapLimit, verifyBackups, type KeyCheck, type Verification, type WrittenKey } from './verify';
import { planWorkload, type PlannedObject } from './workload';

export interface SoakOptions {
  profile: SoakProfile;
  seed: string;
  dataDir: string;
  /** Progress lines for a person (Default: none). */
  progress?: (line: string) => void;
}

export interface SoakReport {
  profile: string;
  seed: string;
  dataDir: string;
  durationMs: number;
  objects: number;
  versionsWritten: number;
  bytesWritten: number;
  overwrittenKeys: number;
  deletedKeys: number;
  events: { reported: number; deliveries: number; reorderedDeliveries: number; deduplicated: number };
  executions: { total: number; byStatus: Record<string, number>; byOutcome: Record<string, number> };
  faults: { s3: Record<string, number>; gcs: Record<string, number>; total: number };
  /** Step Functions retries (Retry rules that fired); client-level retries are under faults. */
  retries: number;
  escalations: number;
  escalationsBy: Record<string, number>;
  alerts: number;
  alertedKeys: string[];
  verification: { keys: number; ok: number; alerted: number; lost: number; corrupt: number; corruptBackups: string[]; sourceProblems: string[] };
  replays: ReplayResult[];
  afterReplay: { ok: number; lost: number; corrupt: number; alerted: number };
  deadLetters: number;
  intakeProblems: string[];
  problems: string[];
  passed: boolean;
}

export class SoakTimeout extends Error {
  override readonly name = 'SoakTimeout';
}

const GCS_FAULT_LABELS: Record<keyof GcsFaultShares, string> = {
  throttle429: 'gcs 429 on upload',
  unavailable503: 'gcs 503 on upload',
  readUnavailable503: 'gcs 503 on metadata read',
  reset: 'gcs connection reset on upload',
  brokenStream: 'gcs broken stream mid-upload',
  stall: 'gcs stall',
  corrupt: 'gcs corrupted upload bytes',
  crash: 'copier crash (stalled past its time budget)',
  outage: 'gcs outage (503 until replay)',
};

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { profile, seed, dataDir } = options;
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();
  const deadline = started + profile.deadlineMs;
  logger.setLogLevel('SILENT'); // thousands of executions; the report says what happened

  const plan = planWorkload(profile, seed, soakNameOf);
  const system = await startSoakSystem(profile, seed, dataDir);
  const delivery = new EventDelivery(
    (event) => system.intake.push(event),
    new Random(seed).fork('delivery'),
    new Set(plan.filter((o) => o.reordered).map((o) => o.key)),
    profile.duplicateDelayMaxMs,
  );
  const written = new Map<string, WrittenKey>();
  const ticker = setInterval(() => progress(statusLine(system, delivery.stats.events, written.size, profile.objects)), 5_000);
  try {
    const faultOf = new Map<string, keyof GcsFaultShares>();
    for (const o of plan) {
      if (!o.gcsFault) continue;
      for (const instruction of o.gcsFault.instructions) system.gcs.faults.inject(instruction);
      faultOf.set(soakNameOf(o.key), o.gcsFault.kind);
    }
    system.s3Server.onObjectEvent((event) => {
      if (event.bucket === system.sourceBucket) delivery.onEvent(event);
    });
    progress(`soak ${profile.name}: seed ${seed}, ${plan.length} objects, data in ${dataDir}`);

    // 1. Write: every version, overwrites and deletes while the copies run.
    let bytesWritten = 0;
    await mapLimit(plan, profile.writers, async (o) => {
      const bytes = await writeObject(system, o, seed, written);
      bytesWritten += bytes;
      checkDeadline(deadline, 'writing the objects');
    });
    const expectedEvents = plan.reduce((n, o) => n + o.sizes.length + (o.deleted ? 1 : 0), 0);

    // 2. Wait (bounded) for every event, every delivery and every execution.
    await until(() => delivery.stats.events >= expectedEvents, deadline, 'the S3 server to report every event');
    await withDeadline(delivery.settle(), deadline, 'the duplicate deliveries');
    await withDeadline(system.intake.idle(), deadline, 'the intake queue to drain');
    await withDeadline(system.stepFunctions.idle(), deadline, 'every execution to end');
    const executions = system.stepFunctions.executions();
    const stats = executionStats(executions);

    // 3. The faults end (as an outage does); count what fired.
    const gcsFired = [...system.gcs.faults.history];
    system.gcs.faults.clear();
    system.proxy.setRates({});
    const s3Faults = system.proxy.counts().faults;

    // 4. Verify independently, then replay what alerted and verify those again.
    const target = {
      s3: system.s3,
      sourceBucket: system.sourceBucket,
      storage: new Storage({ apiEndpoint: system.gcs.url, projectId: 'soak-verify' }),
      destination: SOAK_TARGET,
    };
    progress(`verifying ${written.size} keys against GCS…`);
    const verification = await verifyBackups(target, written, stats.alertedKeys);
    const toReplay = verification.checks.filter((c) => c.verdict === 'alerted').map((c) => c.key);
    progress(`replaying ${toReplay.length} alerted key(s) with s3gcs replay…`);
    const replays = await mapLimit(toReplay, 4, (key) => replayWithCli(dataDir, system.sourceBucket, key, process.cwd()));
    checkDeadline(deadline, 'the replays');
    const after = toReplay.length > 0 ? await verifyBackups(target, written, new Set(), new Set(toReplay)) : { checks: [] as KeyCheck[] };

    const report = buildReport({
      options,
      started,
      plan,
      bytesWritten,
      delivery: delivery.stats,
      stats,
      executions,
      gcsFired: gcsFired.map((f) => labelGcsFault(f.fault, f.objectName, faultOf)),
      s3Faults,
      verification,
      replays,
      after: after.checks,
      deadLetters: system.intake.deadLetters.length,
      intakeProblems: system.intakeProblems,
    });
    return report;
  } finally {
    clearInterval(ticker);
    delivery.close();
    await system.close();
  }
}

async function writeObject(system: SoakSystem, o: PlannedObject, seed: string, written: Map<string, WrittenKey>): Promise<number> {
  const entry: WrittenKey = { key: o.key, versions: [], deleted: false };
  written.set(o.key, entry);
  let bytes = 0;
  for (let v = 0; v < o.sizes.length; v++) {
    if (v > 0) await sleep(o.changeDelaysMs[v - 1]!);
    const body = contentOf(seed, o.key, v, o.sizes[v]!);
    await putObject(system.s3, system.sourceBucket, o.key, body);
    entry.versions.push(sha256(body));
    bytes += body.length;
  }
  if (o.deleted) {
    await sleep(o.changeDelaysMs.at(-1)!);
    await system.s3.send(new DeleteObjectCommand({ Bucket: system.sourceBucket, Key: o.key }));
    entry.deleted = true;
  }
  return bytes;
}

interface ExecutionStats {
  byStatus: Record<string, number>;
  byOutcome: Record<string, number>;
  retries: number;
  escalations: number;
  escalationsBy: Record<string, number>;
  alerts: number;
  alertedKeys: Set<string>;
  running: number;
}

/** From the executions' own records (timelines and alerts): what the state machine did. */
function executionStats(executions: ExecutionRecord[]): ExecutionStats {
  const s: ExecutionStats = { byStatus: {}, byOutcome: {}, retries: 0, escalations: 0, escalationsBy: {}, alerts: 0, alertedKeys: new Set(), running: 0 };
  for (const record of executions) {
    const run = currentRun(record);
    bump(s.byStatus, run.status);
    if (run.status === 'RUNNING') s.running++;
    if (run.output) bump(s.byOutcome, (JSON.parse(run.output) as { outcome?: string }).outcome ?? '(none)');
    for (const step of run.timeline?.steps ?? []) {
      s.retries += step.retries.length;
      if (step.status === 'caught' && step.next?.startsWith('Escalate')) {
        s.escalations++;
        bump(s.escalationsBy, step.error ?? '(unknown)');
      }
    }
    for (const alert of run.alerts) {
      s.alerts++;
      const key = /\nKey: (.*)\n/.exec(alert.message)?.[1];
      if (key !== undefined && run.status === 'FAILED') s.alertedKeys.add(key);
    }
  }
  return s;
}

function labelGcsFault(fault: string, objectName: string | undefined, planned: Map<string, keyof GcsFaultShares>): string {
  const kind = objectName !== undefined ? planned.get(objectName) : undefined;
  return kind ? GCS_FAULT_LABELS[kind] : `gcs ${fault}`;
}

interface ReportInputs {
  options: SoakOptions;
  started: number;
  plan: PlannedObject[];
  bytesWritten: number;
  delivery: EventDelivery['stats'];
  stats: ExecutionStats;
  executions: ExecutionRecord[];
  gcsFired: string[];
  s3Faults: Record<string, number>;
  verification: Verification;
  replays: ReplayResult[];
  after: KeyCheck[];
  deadLetters: number;
  intakeProblems: string[];
}

function buildReport(i: ReportInputs): SoakReport {
  const count = (checks: KeyCheck[], verdict: KeyCheck['verdict']): number => checks.filter((c) => c.verdict === verdict).length;
  const gcs: Record<string, number> = {};
  for (const label of i.gcsFired) bump(gcs, label);
  const s3: Record<string, number> = {};
  for (const kind of S3_FAULT_KINDS) s3[`s3 ${kind}`] = i.s3Faults[kind] ?? 0;
  const eventExecutions = i.executions.filter((e) => !e.name.startsWith('replay-')).length;
  const v = i.verification;
  const report: SoakReport = {
    profile: i.options.profile.name,
    seed: i.options.seed,
    dataDir: i.options.dataDir,
    durationMs: Date.now() - i.started,
    objects: i.plan.length,
    versionsWritten: i.plan.reduce((n, o) => n + o.sizes.length, 0),
    bytesWritten: i.bytesWritten,
    overwrittenKeys: i.plan.filter((o) => o.sizes.length > 1).length,
    deletedKeys: i.plan.filter((o) => o.deleted).length,
    events: {
      reported: i.delivery.events,
      deliveries: i.delivery.deliveries,
      reorderedDeliveries: i.delivery.reordered,
      deduplicated: i.delivery.deliveries - eventExecutions,
    },
    executions: { total: i.executions.length, byStatus: i.stats.byStatus, byOutcome: i.stats.byOutcome },
    faults: { s3, gcs, total: Object.values(s3).reduce((a, b) => a + b, 0) + i.gcsFired.length },
    retries: i.stats.retries,
    escalations: i.stats.escalations,
    escalationsBy: i.stats.escalationsBy,
    alerts: i.stats.alerts,
    alertedKeys: [...i.stats.alertedKeys].sort(),
    verification: {
      keys: v.checks.length,
      ok: count(v.checks, 'ok'),
      alerted: count(v.checks, 'alerted'),
      lost: count(v.checks, 'lost'),
      corrupt: count(v.checks, 'corrupt'),
      corruptBackups: v.corruptBackups,
      sourceProblems: v.sourceProblems,
    },
    replays: i.replays,
    afterReplay: { ok: count(i.after, 'ok'), lost: count(i.after, 'lost'), corrupt: count(i.after, 'corrupt'), alerted: count(i.after, 'alerted') },
    deadLetters: i.deadLetters,
    intakeProblems: i.intakeProblems,
    problems: [],
    passed: false,
  };
  const problems = report.problems;
  for (const c of v.checks) if (c.verdict === 'lost' || c.verdict === 'corrupt') problems.push(`${c.verdict}: ${c.key} — ${c.detail}`);
  for (const name of v.corruptBackups) problems.push(`corrupt backup: gs://…/${name}`);
  for (const p of v.sourceProblems) problems.push(`source: ${p}`);
  for (const r of i.replays) if (r.status !== 'SUCCEEDED') problems.push(`replay of ${r.key} ended ${r.status ?? `with exit code ${r.exitCode}`}: ${r.error ?? r.stderr}`);
  for (const c of i.after) if (c.verdict !== 'ok') problems.push(`after replay: ${c.key} — ${c.detail}`);
  if (i.stats.running > 0) problems.push(`${i.stats.running} execution(s) still RUNNING`);
  if (i.deadLetters > 0) problems.push(`${i.deadLetters} intake message(s) dead-lettered`);
  report.passed = problems.length === 0;
  return report;
}

function statusLine(system: SoakSystem, events: number, writtenKeys: number, objects: number): string {
  const all = system.stepFunctions.executions();
  const running = all.filter((r) => currentRun(r).status === 'RUNNING').length;
  return `  … ${writtenKeys}/${objects} keys written, ${events} events, ${all.length} executions (${running} running), ${system.gcs.faults.fired} GCS faults`;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkDeadline(deadline: number, what: string): void {
  if (Date.now() > deadline) throw new SoakTimeout(`the soak ran out of time during ${what}`);
}

async function until(condition: () => boolean, deadline: number, what: string): Promise<void> {
  while (!condition()) {
    checkDeadline(deadline, `waiting for ${what}`);
    await sleep(20);
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SoakTimeout(`the soak ran out of time waiting for ${what}`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
