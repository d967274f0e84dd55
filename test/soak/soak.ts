import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { logger } from '../../workflows/logger';
import { S3_FAULT_KINDS } from '../../workflows/local/fault-proxy';
import { currentRun, type ExecutionRecord } from '../../workflows/local/sfn-api';
import { putObject } from '../support/s3-server';
import { EventDelivery } from './delivery';
import type { GcsFaultShares, SoakProfile } from './profile';
import { contentOf, Random, sha256 } from './random';
import { backfillWithCli, replayWithCli, type BackfillResult, type ReplayResult } from './replay';
import { expectedDestinationName, sourceId } from './naming';
import { SOAK_BUCKETS, startSoakSystem, type SoakSystem } from './system';
import { crc32cOf, FAILING_VERDICTS, mapLimit, verifyBackups, type KeyCheck, type SequencersSeen, type Verification, type WrittenKey } from './verify';
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
  /** Source objects (bucket/key pairs). */
  objects: number;
  sourceBuckets: string[];
  /** Keys written to more than one source bucket. */
  sharedKeys: number;
  versionsWritten: number;
  bytesWritten: number;
  overwrittenKeys: number;
  /** Deleted while their copy likely ran. */
  deletedKeys: number;
  /** Deleted after the first backup run finished: their backups must be retained. */
  lateDeletedKeys: number;
  events: { reported: number; deliveries: number; reorderedDeliveries: number; lateDeliveries: number; deduplicated: number };
  executions: { total: number; byStatus: Record<string, number>; byOutcome: Record<string, number> };
  /** Fault kind → times it fired (a kind of two instructions counts both). */
  faults: { s3: Record<string, number>; gcs: Record<string, number>; total: number };
  /** Step Functions retries (Retry rules that fired); client-level retries are under faults. */
  retries: number;
  escalations: number;
  escalationsBy: Record<string, number>;
  alerts: number;
  /** Source ids (bucket/key) named by an alert of a FAILED execution. */
  alertedKeys: string[];
  /** After the first run: late deletes, `s3gcs replay` of chosen keys, a backfill, then the held (late, older) events. */
  secondRun: { lateDeletes: number; replays: ReplayResult[]; backfill?: BackfillResult; lateEvents: number };
  verification: { keys: number; ok: number; alerted: number; strays: KeyCheck[]; sourceProblems: string[] };
  replays: ReplayResult[];
  afterReplay: { ok: number; notOk: number };
  /** The verdict after replays: every count must be 0. */
  verdict: Record<(typeof FAILING_VERDICTS)[number] | 'unfixed-alerts', number>;
  deadLetters: number;
  intakeProblems: string[];
  problems: string[];
  passed: boolean;
}

export class SoakTimeout extends Error {
  override readonly name = 'SoakTimeout';
}

export const GCS_FAULT_LABELS: Record<keyof GcsFaultShares, string> = {
  throttle429: 'gcs 429 on upload',
  unavailable503: 'gcs 503 on upload',
  readUnavailable503: 'gcs 503 on metadata read',
  reset: 'gcs connection reset on upload',
  brokenStream: 'gcs broken stream mid-upload',
  stall: 'gcs stall',
  corrupt: 'gcs corrupted upload bytes',
  crash: 'copier crash (stalled past its time budget)',
  outage: 'gcs outage (503 until replay)',
  lostResponse: 'gcs answer lost after commit (reset)',
  crashAfterCommit: 'copier crash after commit, before verification',
  patch503: 'gcs 503 on metadata patch (verified mark)',
  corruptThenDelete503: 'corrupt multipart upload, then 503 on cleanup delete',
  corruptThenDeleteStall: 'corrupt multipart upload, then cleanup delete stalled past the budget',
};

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { profile, seed, dataDir } = options;
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();
  const deadline = started + profile.deadlineMs;
  logger.setLogLevel('SILENT'); // thousands of executions; the report says what happened

  const prefix = SOAK_BUCKETS.destinationPrefix;
  const nameOf = (bucket: string, key: string): string => expectedDestinationName(prefix, bucket, key);
  const plan = planWorkload(profile, seed, nameOf);
  const system = await startSoakSystem(profile, seed, dataDir);
  const delivery = new EventDelivery(
    (event) => system.intake.push(event),
    new Random(seed).fork('delivery'),
    new Set(plan.filter((o) => o.reordered).map((o) => sourceId(o.bucket, o.key))),
    profile.duplicateDelayMaxMs,
    new Set(plan.filter((o) => o.lateEvents).map((o) => sourceId(o.bucket, o.key))),
  );
  const written = new Map<string, WrittenKey>();
  const sequencers: SequencersSeen = new Map();
  const ticker = setInterval(() => progress(statusLine(system, delivery.stats.events, written.size, profile.objects)), 5_000);
  try {
    const faultOf = new Map<string, keyof GcsFaultShares>();
    for (const o of plan) {
      if (!o.gcsFault) continue;
      for (const instruction of o.gcsFault.instructions) system.gcs.faults.inject(instruction);
      faultOf.set(nameOf(o.bucket, o.key), o.gcsFault.kind);
    }
    const sources = new Set(system.sourceBuckets);
    system.s3Server.onObjectEvent((event) => {
      if (!sources.has(event.bucket)) return;
      if (event.type === 'created') {
        const byEtag = sequencers.get(sourceId(event.bucket, event.key)) ?? new Map<string, Set<string>>();
        sequencers.set(sourceId(event.bucket, event.key), byEtag);
        byEtag.set(event.etag, (byEtag.get(event.etag) ?? new Set()).add(event.sequencer));
      }
      delivery.onEvent(event);
    });
    progress(`soak ${profile.name}: seed ${seed}, ${plan.length} objects in ${system.sourceBuckets.join(', ')}, data in ${dataDir}`);

    // 1. Write: every version, overwrites and deletes while the copies run.
    let bytesWritten = 0;
    await mapLimit(plan, profile.writers, async (o) => {
      bytesWritten += await writeObject(system, o, seed, written, profile.multipartPartBytes);
      checkDeadline(deadline, 'writing the objects');
    });
    let expectedEvents = plan.reduce((n, o) => n + o.sizes.length + (o.deleted ? 1 : 0), 0);
    const settle = async (what: string): Promise<void> => {
      await until(() => delivery.stats.events >= expectedEvents, deadline, `the S3 server to report every event (${what})`);
      await withDeadline(delivery.settle(), deadline, 'the duplicate deliveries');
      await withDeadline(system.intake.idle(), deadline, 'the intake queue to drain');
      await withDeadline(system.stepFunctions.idle(), deadline, 'every execution to end');
    };
    await settle('first run');

    // 2. After the first run: deletes of backed-up keys, replays and a backfill, then the held (late, older) events.
    // Only a key whose first backup SUCCEEDED is deleted late: the retain policy has something to keep.
    const backedUp = backedUpNames(system.stepFunctions.executions());
    const lateDeleted = plan.filter((o) => o.lateDelete && backedUp.has(`gs://${system.destinationBucket}/${nameOf(o.bucket, o.key)}`));
    progress(`second run: ${lateDeleted.length} late deletes, replays, a backfill of s3://${system.sourceBuckets[0]}, then late events…`);
    await mapLimit(lateDeleted, profile.writers, async (o) => {
      await system.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key }));
      written.get(sourceId(o.bucket, o.key))!.deleted = 'late';
    });
    expectedEvents += lateDeleted.length;
    const backfilled = system.sourceBuckets[0]!;
    const toReplayFirst = plan.filter((o) => (o.lateEvents && o.bucket !== backfilled) || o.replayed);
    const [secondReplays, backfill] = await Promise.all([
      mapLimit(toReplayFirst, 4, (o) => replayWithCli(dataDir, o.bucket, o.key, process.cwd())),
      backfillWithCli(dataDir, backfilled, join(dataDir, 'backfill-checkpoint.json'), process.cwd()),
    ]);
    await withDeadline(system.stepFunctions.idle(), deadline, 'the replays and the backfill');
    delivery.releaseLate();
    await settle('second run');
    // A request a stall fault holds still acts when the stall ends (a dead attempt's delete lands late): judge after.
    await until(() => system.gcs.requestsInFlight === 0, deadline, 'stalled GCS requests to land');
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
      storage: new Storage({ apiEndpoint: system.gcs.url, projectId: 'soak-verify' }),
      destinationBucket: system.destinationBucket,
      destinationPrefix: system.destinationPrefix,
    };
    progress(`verifying ${written.size} source objects against GCS…`);
    const verification = await verifyBackups(target, written, sequencers, stats.alertedKeys);
    const toReplay = verification.checks.filter((c) => c.verdict === 'alerted').map((c) => c.id);
    progress(`replaying ${toReplay.length} alerted key(s) with s3gcs replay…`);
    const replays = await mapLimit(toReplay, 4, (id) => {
      const w = written.get(id)!;
      return replayWithCli(dataDir, w.bucket, w.key, process.cwd());
    });
    checkDeadline(deadline, 'the replays');
    const after = toReplay.length > 0 ? await verifyBackups(target, written, sequencers, new Set(), new Set(toReplay)) : { checks: [] as KeyCheck[] };

    return buildReport({
      options,
      started,
      plan,
      sourceBuckets: system.sourceBuckets,
      bytesWritten,
      delivery: delivery.stats,
      stats,
      executions,
      gcsFired: gcsFired.map((f) => labelGcsFault(f.fault, f.objectName, faultOf)),
      s3Faults,
      secondRun: { lateDeletes: lateDeleted.length, replays: secondReplays, backfill, lateEvents: delivery.stats.late },
      verification,
      replays,
      after: after.checks,
      deadLetters: system.intake.deadLetters.length,
      intakeProblems: system.intakeProblems,
    });
  } finally {
    clearInterval(ticker);
    delivery.close();
    await system.close();
  }
}

async function writeObject(system: SoakSystem, o: PlannedObject, seed: string, written: Map<string, WrittenKey>, partBytes: number): Promise<number> {
  const id = sourceId(o.bucket, o.key);
  const entry: WrittenKey = { bucket: o.bucket, key: o.key, versions: [], deleted: 'no' };
  written.set(id, entry);
  let bytes = 0;
  for (let v = 0; v < o.sizes.length; v++) {
    if (v > 0) await sleep(o.changeDelaysMs[v - 1]!);
    // Keyed by bucket too: a shared key holds other bytes in each bucket.
    const body = contentOf(seed, id, v, o.sizes[v]!);
    const etag = await putObject(system.s3, o.bucket, o.key, body, {}, partBytes);
    entry.versions.push({ sha: sha256(body), size: body.length, etag, crc32c: crc32cOf(body) });
    bytes += body.length;
  }
  if (o.deleted) {
    await sleep(o.changeDelaysMs.at(-1)!);
    await system.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key }));
    entry.deleted = 'early';
  }
  return bytes;
}

/** gs:// URLs that a SUCCEEDED execution copied or found current. */
function backedUpNames(executions: ExecutionRecord[]): Set<string> {
  const names = new Set<string>();
  for (const record of executions) {
    const run = currentRun(record);
    if (run.status !== 'SUCCEEDED' || !run.output) continue;
    const output = JSON.parse(run.output) as { outcome?: string; destination?: string };
    if ((output.outcome === 'copied' || output.outcome === 'already-current') && output.destination) names.add(output.destination);
  }
  return names;
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
      const bucket = /\nBucket: (.*)\n/.exec(alert.message)?.[1];
      const key = /\nKey: (.*)\n/.exec(alert.message)?.[1];
      if (bucket !== undefined && key !== undefined && run.status === 'FAILED') s.alertedKeys.add(sourceId(bucket, key));
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
  sourceBuckets: string[];
  bytesWritten: number;
  delivery: EventDelivery['stats'];
  stats: ExecutionStats;
  executions: ExecutionRecord[];
  gcsFired: string[];
  s3Faults: Record<string, number>;
  secondRun: SoakReport['secondRun'];
  verification: Verification;
  replays: ReplayResult[];
  after: KeyCheck[];
  deadLetters: number;
  intakeProblems: string[];
}

function buildReport(i: ReportInputs): SoakReport {
  const gcs: Record<string, number> = {};
  for (const label of i.gcsFired) bump(gcs, label);
  const s3: Record<string, number> = {};
  for (const kind of S3_FAULT_KINDS) s3[`s3 ${kind}`] = i.s3Faults[kind] ?? 0;
  const fromEvents = i.executions.filter((e) => !e.name.startsWith('replay-') && !e.name.startsWith('backfill-')).length;
  const v = i.verification;
  // The final state: what the first verification found, with the alerted keys as their replays left them.
  const final = [...v.checks.filter((c) => c.verdict !== 'alerted'), ...i.after, ...v.strays];
  const verdict = Object.fromEntries(FAILING_VERDICTS.map((name) => [name, final.filter((c) => c.verdict === name).length])) as SoakReport['verdict'];
  verdict['unfixed-alerts'] = i.after.filter((c) => c.verdict === 'alerted').length + i.replays.filter((r) => r.status !== 'SUCCEEDED').length;
  const keyCount = new Map<string, number>();
  for (const o of i.plan) keyCount.set(o.key, (keyCount.get(o.key) ?? 0) + 1);
  const report: SoakReport = {
    profile: i.options.profile.name,
    seed: i.options.seed,
    dataDir: i.options.dataDir,
    durationMs: Date.now() - i.started,
    objects: i.plan.length,
    sourceBuckets: i.sourceBuckets,
    sharedKeys: [...keyCount.values()].filter((n) => n > 1).length,
    versionsWritten: i.plan.reduce((n, o) => n + o.sizes.length, 0),
    bytesWritten: i.bytesWritten,
    overwrittenKeys: i.plan.filter((o) => o.sizes.length > 1).length,
    deletedKeys: i.plan.filter((o) => o.deleted).length,
    lateDeletedKeys: i.secondRun.lateDeletes,
    events: {
      reported: i.delivery.events,
      deliveries: i.delivery.deliveries,
      reorderedDeliveries: i.delivery.reordered,
      lateDeliveries: i.delivery.late,
      deduplicated: i.delivery.deliveries - fromEvents,
    },
    executions: { total: i.executions.length, byStatus: i.stats.byStatus, byOutcome: i.stats.byOutcome },
    faults: { s3, gcs, total: Object.values(s3).reduce((a, b) => a + b, 0) + i.gcsFired.length },
    retries: i.stats.retries,
    escalations: i.stats.escalations,
    escalationsBy: i.stats.escalationsBy,
    alerts: i.stats.alerts,
    alertedKeys: [...i.stats.alertedKeys].sort(),
    secondRun: i.secondRun,
    verification: {
      keys: v.checks.length,
      ok: v.checks.filter((c) => c.verdict === 'ok').length,
      alerted: v.checks.filter((c) => c.verdict === 'alerted').length,
      strays: v.strays,
      sourceProblems: v.sourceProblems,
    },
    replays: i.replays,
    afterReplay: { ok: i.after.filter((c) => c.verdict === 'ok').length, notOk: i.after.filter((c) => c.verdict !== 'ok').length },
    verdict,
    deadLetters: i.deadLetters,
    intakeProblems: i.intakeProblems,
    problems: [],
    passed: false,
  };
  const problems = report.problems;
  for (const c of final) if (c.verdict !== 'ok') problems.push(`${c.verdict}: ${c.id} — ${c.detail}`);
  for (const p of v.sourceProblems) problems.push(`source: ${p}`);
  for (const r of i.replays) if (r.status !== 'SUCCEEDED') problems.push(`replay of ${r.key} ended ${r.status ?? `with exit code ${r.exitCode}`}: ${r.error ?? r.stderr}`);
  for (const r of i.secondRun.replays) if (r.exitCode !== 0 && r.status === undefined) problems.push(`second-run replay of ${r.key} could not start: ${r.stderr}`);
  const b = i.secondRun.backfill;
  if (b && b.exitCode !== 0) problems.push(`backfill of s3://${b.bucket} exited ${b.exitCode}: ${b.stderr}`);
  if (i.stats.running > 0) problems.push(`${i.stats.running} execution(s) still RUNNING`);
  if (i.deadLetters > 0) problems.push(`${i.deadLetters} intake message(s) dead-lettered`);
  report.passed = problems.length === 0 && Object.values(verdict).every((n) => n === 0);
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
