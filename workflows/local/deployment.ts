/**
 * The local counterpart of the deployed stack: the substitution values CDK would pass, and the functions, container
 * and topic those ARNs name — each built by the same factory as its handler in handlers/ (workflows/handlers/), against
 * the local S3 server and GCS emulator, within the tier's real limits. The local runtime reports no remaining time, so
 * a copier's own deadline (tierDeadline) stays off and the tier's time budget ends an attempt as States.Timeout.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import type { CopyEngine } from '../backup/copy-step';
import type { RoutingThresholds } from '../backup/routing';
import { compileSkipRules } from '../backup/skip-rules';
import { copyObject, deleteBackup, engineMemoryBytes } from '../copy/engine';
import type { CopyTarget, TierName } from '../copy/types';
import { copier, copyObjectHandler, type Copier } from '../handlers/copy-object';
import { describeObjectHandler } from '../handlers/describe-object';
import { heavySlotHandler } from '../handlers/heavy-slot';
import { heavyTaskHandler } from '../handlers/heavy-task';
import { prepareBackupHandler } from '../handlers/prepare-backup';
import { LocalAlertSink } from './alert-sink';
import type { Json } from './asl-definition';
import type { LocalDeployment, LocalStartExecution } from './bindings';
import { LocalMetricsSink } from './metrics-sink';
import { ConcurrencyLimit, DEFAULT_LOCAL_TIER_LIMITS, runWithinTierLimits, type MemoryModel, type TierLimits, type TierLimitsByName } from './tier-limits';

const MIB = 1024 * 1024;
const LOCAL_REGION = 'local';
const LOCAL_ACCOUNT = '000000000000';

/** Local ARNs: shaped like real ones, in a region and account that cannot exist. */
export const LOCAL_ARNS = {
  prepareFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-prepare`,
  describeFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-describe`,
  smallCopyFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-copy-small`,
  largeCopyFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-copy-large`,
  heavySlotFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-heavy-slot`,
  heavyCluster: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster/backup`,
  heavyTaskDefinition: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task-definition/backup-heavy-copy:1`,
  alertTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:backup-alerts`,
  stateMachine: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:backup-object`,
  /** The Express fast path (asl/fast-path.asl.json), which hands off to `stateMachine`. */
  fastPathStateMachine: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:backup-fast-path`,
} as const;
export const LOCAL_HEAVY_CONTAINER = 'heavy-copy';

/** The stage default of tiers.heavy.maxRunning, used when the local heavy tier sets no concurrencyLimit. */
export const DEFAULT_LOCAL_MAX_HEAVY_TASKS = 10;

const LOCAL_ADMISSION_GRACE_MS = 1_000;

export const DEFAULT_LOCAL_ROUTING: RoutingThresholds = { smallMaxBytes: 8 * MIB, largeMaxBytes: 256 * MIB };

/** The code the local copiers run (Default: the real engine). Tests of the ASL alone pass stand-ins. */
export interface LocalEngine extends CopyEngine {
  engineMemoryBytes: MemoryModel;
}

export interface LocalEnvironment {
  /** Client of the local S3 server (localS3Client). */
  s3: S3Client;
  /** Client of the GCS emulator. */
  storage: Storage;
  target: CopyTarget;
  /** Size bands of "Choose a copier by size" (Default: small <= 8 MiB < large <= 256 MiB < heavy). */
  routing?: Partial<RoutingThresholds>;
  /** Per-tier memory, time budget and engine tuning, merged over DEFAULT_LOCAL_TIER_LIMITS. */
  tiers?: Partial<Record<TierName, Partial<TierLimits>>>;
  skipPatterns?: string[];
  /** The DeletePolicy substitution (Default: 'retain'). */
  deletePolicy?: string;
  /** Where the alerts of executions that did not succeed are published (Default: a new in-memory sink). */
  alerts?: LocalAlertSink;
  /** Where the handlers publish BytesCopied/CopyDuration and SourceGone (Default: a new in-memory sink). */
  metrics?: LocalMetricsSink;
  engine?: LocalEngine;
  /** Pause before each retry, in ms, instead of the ASL's backoff (Default: the ASL's intervals). */
  retryIntervalMs?: number;
  /** Draw each such pause from 0 to retryIntervalMs, like JitterStrategy FULL (Default: false, exactly retryIntervalMs). */
  retryJitter?: boolean;
  /**
   * StartExecution of the Standard machine (LOCAL_ARNS.stateMachine), for the fast path's hand-off: normally the local
   * endpoint's. (Default: none — a definition that hands off is refused before it runs)
   */
  startExecution?: LocalStartExecution;
}

export interface ResolvedLocalEnvironment {
  substitutions: Record<string, string>;
  deployment: LocalDeployment;
  tiers: TierLimitsByName;
  /** The Lambda copiers' concurrency limits (what each ran at most at once, how many invocations were throttled). */
  concurrency: { small: ConcurrencyLimit; large: ConcurrencyLimit };
  /** Heavy tasks running now and at most (the local ecs:ListTasks count "Wait for a heavy slot" reads). */
  heavyTasks: { running: number; peak: number };
  alerts: LocalAlertSink;
  metrics: LocalMetricsSink;
}

export function resolveLocalEnvironment(env: LocalEnvironment): ResolvedLocalEnvironment {
  const tiers = mergeTiers(env.tiers);
  const routing = { ...DEFAULT_LOCAL_ROUTING, ...env.routing };
  const alerts = env.alerts ?? new LocalAlertSink();
  const metrics = env.metrics ?? new LocalMetricsSink();
  const engine = env.engine ?? { copyObject, deleteBackup, engineMemoryBytes };
  const substitutions: Record<string, string> = {
    PrepareFunctionArn: LOCAL_ARNS.prepareFunction,
    DescribeFunctionArn: LOCAL_ARNS.describeFunction,
    SmallCopyFunctionArn: LOCAL_ARNS.smallCopyFunction,
    LargeCopyFunctionArn: LOCAL_ARNS.largeCopyFunction,
    HeavySlotFunctionArn: LOCAL_ARNS.heavySlotFunction,
    // As deployed: the small copier's handler (copy-object) also performs mirror deletes.
    DeleteFunctionArn: LOCAL_ARNS.smallCopyFunction,
    HeavyClusterArn: LOCAL_ARNS.heavyCluster,
    HeavyTaskDefinitionArn: LOCAL_ARNS.heavyTaskDefinition,
    HeavyContainerName: LOCAL_HEAVY_CONTAINER,
    HeavySubnetIds: 'subnet-local-a,subnet-local-b',
    HeavySecurityGroupIds: 'sg-local',
    HeavyAssignPublicIp: 'ENABLED',
    SmallMaxBytes: String(routing.smallMaxBytes),
    LargeMaxBytes: String(routing.largeMaxBytes),
    DeletePolicy: env.deletePolicy ?? 'retain',
    BackupStateMachineArn: LOCAL_ARNS.stateMachine,
  };

  const skip = compileSkipRules(env.skipPatterns ?? []);
  // The tier's copier (the handlers' own factory), run within the tier's memory and time like the runtime would.
  const copierOf = (tier: TierName): Copier => {
    const copy = copier({ config: { tier, target: env.target, engine: tiers[tier].engine, routing }, s3: env.s3, storage: async () => env.storage, engine, metrics });
    return (event, invocation) =>
      runWithinTierLimits(tier, tiers[tier], event.size ?? 0, engine.engineMemoryBytes, (limitSignal) => {
        // The tier's limit stops the copy, and so does its caller's stop (the heavy task's SIGTERM).
        const stopSignal = invocation?.stopSignal ? AbortSignal.any([invocation.stopSignal, limitSignal]) : limitSignal;
        return copy(event, { ...invocation, stopSignal });
      });
  };
  // Each copier function within its concurrency limit, as Lambda throttles a function at its reserved concurrency.
  const concurrency = {
    small: new ConcurrencyLimit(LOCAL_ARNS.smallCopyFunction, tiers.small.concurrencyLimit),
    large: new ConcurrencyLimit(LOCAL_ARNS.largeCopyFunction, tiers.large.concurrencyLimit),
  };
  const limited = (limit: ConcurrencyLimit, fn: (payload: Json) => Promise<unknown>) => (payload: Json) => limit.run(() => fn(payload));
  const heavyTasks = { running: 0, peak: 0 };
  const slotChecks = new ConcurrencyLimit(LOCAL_ARNS.heavySlotFunction, 1);
  const heavyCopy = heavyTaskHandler({ copier: () => copierOf('heavy'), heartbeatMs: 60_000 });
  const deployment: LocalDeployment = {
    functions: {
      [LOCAL_ARNS.prepareFunction]: prepareBackupHandler({ target: env.target, skip }),
      [LOCAL_ARNS.describeFunction]: describeObjectHandler({ s3: env.s3, metrics }),
      [LOCAL_ARNS.smallCopyFunction]: limited(concurrency.small, copyObjectHandler(copierOf('small'))),
      [LOCAL_ARNS.largeCopyFunction]: limited(concurrency.large, copyObjectHandler(copierOf('large'))),
      // As deployed: reserved concurrency 1, so checks never overlap. Locally a container is listed as soon as it
      // starts, so the grace only needs to cover the step from this state to the next.
      [LOCAL_ARNS.heavySlotFunction]: limited(
        slotChecks,
        heavySlotHandler({
          count: async () => heavyTasks.running,
          settings: { maxRunning: tiers.heavy.concurrencyLimit ?? DEFAULT_LOCAL_MAX_HEAVY_TASKS },
          admissionGraceMs: LOCAL_ADMISSION_GRACE_MS,
        }),
      ),
    },
    taskDefinitions: {
      [LOCAL_ARNS.heavyTaskDefinition]: {
        containerName: LOCAL_HEAVY_CONTAINER,
        // A task counts as running from RunTask until its container exits, as ListTasks (desiredStatus RUNNING) sees it.
        run: async (containerEnv, reporter) => {
          heavyTasks.running += 1;
          heavyTasks.peak = Math.max(heavyTasks.peak, heavyTasks.running);
          try {
            return await heavyCopy(containerEnv, reporter);
          } finally {
            heavyTasks.running -= 1;
          }
        },
      },
    },
    topics: {
      [LOCAL_ARNS.alertTopic]: ({ topicArn, subject, message }) => alerts.publish({ topicArn, message, ...(subject ? { subject } : {}) }),
    },
    stateMachines: env.startExecution ? { [LOCAL_ARNS.stateMachine]: env.startExecution } : {},
  };
  return { substitutions, deployment, tiers, concurrency, heavyTasks, alerts, metrics };
}

function mergeTiers(overrides: LocalEnvironment['tiers'] = {}): TierLimitsByName {
  const merged = {} as TierLimitsByName;
  for (const tier of ['small', 'large', 'heavy'] as const) {
    const base = DEFAULT_LOCAL_TIER_LIMITS[tier];
    const o = overrides[tier] ?? {};
    merged[tier] = { ...base, ...o, engine: { ...base.engine, ...o.engine } };
  }
  return merged;
}
