import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import type { StartLogger } from '../../backup/start-executions';
import type { RoutingThresholds } from '../../backup/routing';
import type { DestinationLayout, TierName } from '../../copy/types';
import { reconcileOnce } from '../../reconcile/reconcile-once';
import type { ReconcileReport } from '../../reconcile/reconcile';
import { targetOfSandbox } from '../../cli/target';
import { startConsole } from '../../console/server';
import { LocalAlertSink } from '../alert-sink';
import { alertUnreportedEndings } from './unreported-alerts';
import { LOCAL_ARNS, type LocalEnvironment } from '../deployment';
import { startGcsEmulator, type GcsEmulator } from '../gcs-emulator';
import { intakeStateMachineArn, localStateMachines, type ExecutionMode } from '../machines';
import { localS3Client, startS3Server, type LocalS3Server } from '../s3-server';
import { ExpressLog, LocalStepFunctions, localSfnClient, startSfnApi, type SfnApiServer } from '../sfn-api';
import type { TierLimits } from '../tier-limits';
import { LocalIntake } from './intake';
import { IntakeJournal } from './intake-journal';
import { EXPRESS_LOG_FILE, removeReadyFile, writeReadyFile, type SandboxEndpoints } from './ready-file';

const MIB = 1024 * 1024;

/** Size bands that let a short demo show every tier: small <= 1 MiB < large <= 16 MiB < heavy. */
export const SANDBOX_ROUTING: RoutingThresholds = { smallMaxBytes: 1 * MIB, largeMaxBytes: 16 * MIB };
export const SANDBOX_REGION = 'local';

export interface SandboxOptions {
  /** Everything the sandbox writes: ready file, alerts, logs and (unless ephemeral) its state, see SANDBOX_STATE_DIRS. */
  dataDir: string;
  /** Keep S3 and GCS objects, the intake queue and executions in memory: gone when the sandbox stops (Default: false). */
  ephemeral?: boolean;
  /** Ports on 127.0.0.1 (Default: 0, a free port each). */
  s3Port?: number;
  gcsPort?: number;
  sfnPort?: number;
  /** (Default: 'sandbox-source') */
  sourceBucket?: string;
  /** (Default: 'sandbox-backup') */
  destinationBucket?: string;
  /** (Default: '') */
  destinationPrefix?: string;
  /** A second, unwatched S3 bucket to restore into (Default: 'sandbox-restore'). */
  restoreBucket?: string;
  routing?: RoutingThresholds;
  tiers?: Partial<Record<TierName, Partial<TierLimits>>>;
  /** Executions run at once (Default: 4). */
  maxConcurrentExecutions?: number;
  /** Serve the web console (Default: true) on this port of 127.0.0.1 (Default: 0, a free port). */
  console?: boolean;
  consolePort?: number;
  /** Which machine the intake starts (Default: 'express-first', the Express fast path). */
  executionMode?: ExecutionMode;
  /** Warnings worth a person's attention (dead letters, intake failures). */
  onWarning?: (line: string) => void;
}

export interface Sandbox extends SandboxEndpoints {
  dataDir: string;
  ephemeral: boolean;
  /** The data directory held state of an earlier run when this one started (see hasEarlierState). */
  earlierState: boolean;
  /**
   * What this start found: queued events it resumed, executions the previous process left running (now FAILED), and,
   * on earlier state, the reconciliation it ran (objects whose events were lost, their backups started).
   */
  recovered: { queuedEvents: number; interruptedExecutions: string[]; reconciled?: ReconcileReport };
  s3: S3Client;
  storage: Storage;
  stepFunctions: LocalStepFunctions;
  intake: LocalIntake;
  alerts: LocalAlertSink;
  /** Resolves when every object event so far was started and every execution finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Where, under the data directory, each part of the sandbox keeps its state (none of it with `ephemeral`). */
export const SANDBOX_STATE_DIRS = { s3: 's3', gcs: 'gcs', intake: 'intake', executions: 'executions' } as const;

/**
 * Whether `dataDir` holds state an earlier sandbox left: objects, queued events or executions. Issue 14 §3: a sandbox
 * starting on earlier state runs the reconciliation once (see the call point in startSandbox).
 */
export function hasEarlierState(dataDir: string): boolean {
  return Object.values(SANDBOX_STATE_DIRS).some((sub) => holdsFiles(join(dataDir, sub)));
}

function holdsFiles(path: string): boolean {
  if (!existsSync(path)) return false;
  if (!statSync(path).isDirectory()) return statSync(path).size > 0;
  return readdirSync(path).some((entry) => holdsFiles(join(path, entry)));
}

/**
 * Starts the whole local system on 127.0.0.1: S3 server → object events → local intake queue → start-executions →
 * local Step Functions endpoint → asl/backup-object.asl.json run locally → GCS emulator. Same path as in AWS, minus
 * the cloud. Unless `ephemeral`, S3 and GCS objects, the intake queue and executions are kept in `dataDir` and a
 * restart on it resumes them (docs/operations.md, "What the sandbox keeps").
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const ephemeral = options.ephemeral ?? false;
  const stateDir = (part: keyof typeof SANDBOX_STATE_DIRS): string | undefined => (ephemeral ? undefined : join(dataDir, SANDBOX_STATE_DIRS[part]));
  const earlierState = !ephemeral && hasEarlierState(dataDir);
  const sourceBucket = options.sourceBucket ?? 'sandbox-source';
  const destinationBucket = options.destinationBucket ?? 'sandbox-backup';
  const restoreBucket = options.restoreBucket ?? 'sandbox-restore';
  const destinationPrefix = options.destinationPrefix ?? '';
  const destinationLayout: DestinationLayout = { kind: 'by-source-bucket' };
  const warn = options.onWarning ?? (() => undefined);

  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const s3Dir = stateDir('s3');
    const s3Server: LocalS3Server = await startS3Server({ port: options.s3Port ?? 0, ...(s3Dir ? { dataDir: s3Dir } : {}) });
    cleanups.push(() => s3Server.close());
    const gcsDir = stateDir('gcs');
    const gcs: GcsEmulator = await startGcsEmulator({ port: options.gcsPort ?? 0, ...(gcsDir ? { dataDir: gcsDir, persist: true } : {}) });
    cleanups.push(() => gcs.close());
    // Object Versioning keeps replaced backups as noncurrent generations, which `s3gcs restore --as-of` reads.
    gcs.createBucket(destinationBucket, { versioning: true });
    const s3 = localS3Client(s3Server.endpoint);
    await ensureS3Bucket(s3, sourceBucket);
    await ensureS3Bucket(s3, restoreBucket);
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'sandbox' });

    const alertsFile = join(dataDir, 'alerts.jsonl');
    const alerts = new LocalAlertSink(alertsFile);
    const env: LocalEnvironment = {
      s3,
      storage,
      target: { bucket: destinationBucket, prefix: destinationPrefix, layout: destinationLayout },
      routing: options.routing ?? SANDBOX_ROUTING,
      ...(options.tiers ? { tiers: options.tiers } : {}),
      alerts,
    };
    // Fails now, not at the first object, when an ASL has a Task without a local binding or an unresolved substitution.
    // Replays (s3gcs replay, start-execution) go to the Standard machine; the intake starts the one its mode names.
    const stateMachineArn = LOCAL_ARNS.stateMachine;
    const executionMode = options.executionMode ?? 'express-first';
    const stepFunctions: LocalStepFunctions = new LocalStepFunctions({
      stateMachines: localStateMachines(env, { stepFunctions: () => stepFunctions, alertsFile }),
      ...(stateDir('executions') ? { dataDir: stateDir('executions')! } : {}),
      maxConcurrent: options.maxConcurrentExecutions ?? 4,
      // The fast path's log group: its executions' only record, read by `s3gcs executions` and `s3gcs history`.
      expressLog: new ExpressLog(join(dataDir, EXPRESS_LOG_FILE)),
    });
    alertUnreportedEndings(stepFunctions, alerts);
    const sfnServer: SfnApiServer = await startSfnApi(stepFunctions, { port: options.sfnPort ?? 0 });
    cleanups.push(async () => {
      await stepFunctions.idle();
      await sfnServer.close();
    });

    const logger = fileLogger(join(dataDir, 'intake.log'), warn);
    const sfn = localSfnClient(sfnServer.endpoint);
    cleanups.push(async () => sfn.destroy());
    const intakeDir = stateDir('intake');
    const journal = intakeDir ? IntakeJournal.inDirectory(intakeDir) : undefined;
    if (journal) cleanups.push(async () => journal.close());
    // The in-flight bound, when set, counts Standard executions: ListExecutions refuses Express machines.
    const intake = new LocalIntake({ sfn, stateMachineArn: intakeStateMachineArn(executionMode), countedStateMachineArn: stateMachineArn, logger, ...(journal ? { journal } : {}) });
    intake.onDeadLetter((letter) =>
      warn(`intake: message ${letter.record.messageId} failed ${letter.record.attributes.ApproximateReceiveCount} times; moved to the dead-letter list`),
    );
    cleanups.push(() => intake.close());
    // The S3 request that caused an event is answered once the event is durably queued (s3-server/event-acks.ts).
    s3Server.onObjectEvent((event) => (event.bucket === sourceBucket ? intake.push(event) : undefined));
    const interrupted = stepFunctions.announceInterrupted();

    const endpoints: SandboxEndpoints = {
      s3Endpoint: s3Server.endpoint,
      gcsEndpoint: gcs.url,
      sfnEndpoint: sfnServer.endpoint,
      sourceBucket,
      destinationBucket,
      destinationPrefix,
      destinationLayout,
      restoreBucket,
      stateMachineArn,
      ...(executionMode === 'express-first' ? { fastPathStateMachineArn: LOCAL_ARNS.fastPathStateMachine } : {}),
      region: SANDBOX_REGION,
    };
    if (options.console !== false) {
      const consoleTarget = targetOfSandbox(endpoints, dataDir);
      cleanups.push(async () => consoleTarget.close());
      const consoleServer = await startConsole(consoleTarget, { port: options.consolePort ?? 0 });
      cleanups.push(() => consoleServer.close());
      endpoints.consoleUrl = consoleServer.url;
    }
    writeReadyFile(dataDir, endpoints);
    cleanups.push(async () => removeReadyFile(dataDir));
    // Issue 14 §3: on earlier state, reconcile the source against the destination's provenance once, now that
    // everything is up (queued events resumed, interrupted executions announced). It repairs what the crash lost before
    // it was acknowledged: an object stored whose event was not yet queued (its PUT was never answered).
    const reconciled = earlierState ? await reconcileOnce({ ...endpoints, s3, storage }) : undefined;
    if (reconciled && reconciled.foundCount > 0) {
      const kinds = Object.entries(reconciled.found).map(([kind, n]) => `${kind} ${n}`).join(', ');
      warn(`reconcile: ${reconciled.foundCount} object(s) the events missed (${kinds}); their backups were started`);
    }

    let closed: Promise<void> | undefined;
    return {
      ...endpoints,
      dataDir,
      ephemeral,
      earlierState,
      recovered: { queuedEvents: intake.resumed, interruptedExecutions: interrupted.map((r) => r.name), ...(reconciled ? { reconciled } : {}) },
      s3,
      storage,
      stepFunctions,
      intake,
      alerts,
      idle: async () => {
        await intake.idle();
        await stepFunctions.idle();
      },
      close: () => (closed ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The source bucket, kept when an earlier run on the same data directory created it. */
async function ensureS3Bucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as Error).name !== 'BucketAlreadyOwnedByYou' && (err as Error).name !== 'BucketAlreadyExists') throw err;
  }
}

/** start-executions' log as JSON lines in the data directory; warnings and errors also reach the person. */
function fileLogger(path: string, warn: (line: string) => void): StartLogger {
  const write = (level: string, message: unknown, extra: unknown[]): void => {
    const fields = Object.assign({}, ...extra.filter((e) => typeof e === 'object' && e !== null)) as Record<string, unknown>;
    appendFileSync(path, `${JSON.stringify({ level, timestamp: new Date().toISOString(), message, ...fields })}\n`);
    if (level === 'WARN' || level === 'ERROR') warn(`intake: ${String(message)}${fields['reason'] ? ` (${String(fields['reason'])})` : ''}`);
  };
  return {
    debug: () => undefined,
    info: (message: unknown, ...extra: unknown[]) => write('INFO', message, extra),
    warn: (message: unknown, ...extra: unknown[]) => write('WARN', message, extra),
    error: (message: unknown, ...extra: unknown[]) => write('ERROR', message, extra),
  } as StartLogger;
}
