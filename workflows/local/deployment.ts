/**
 * The local counterpart of the deployed stack: the substitution values CDK would pass, and the functions, container
 * and topic those ARNs name — each running the same workflow code as its handler in handlers/, against the local S3
 * server and GCS emulator, within the tier's real limits.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { parseBackupEvent, runCopyStep, type CopyEngine } from '../backup/copy-step';
import { describeObject, parsePreparedEvent } from '../backup/describe';
import { runHeavyTask } from '../backup/heavy-task';
import { prepareBackup } from '../backup/prepare';
import type { RoutingThresholds } from '../backup/routing';
import { compileSkipRules } from '../backup/skip-rules';
import { copyObject, deleteBackup, engineMemoryBytes } from '../copy/engine';
import type { CopyOutcome, CopyTarget, TierName } from '../copy/types';
import { LocalAlertSink } from './alert-sink';
import type { LocalDeployment } from './bindings';
import { DEFAULT_LOCAL_TIER_LIMITS, runWithinTierLimits, type MemoryModel, type TierLimits, type TierLimitsByName } from './tier-limits';

const MIB = 1024 * 1024;
const LOCAL_REGION = 'local';
const LOCAL_ACCOUNT = '000000000000';

/** Local ARNs: shaped like real ones, in a region and account that cannot exist. */
export const LOCAL_ARNS = {
  prepareFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-prepare`,
  describeFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-describe`,
  smallCopyFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-copy-small`,
  largeCopyFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:backup-copy-large`,
  heavyCluster: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster/backup`,
  heavyTaskDefinition: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task-definition/backup-heavy-copy:1`,
  alertTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:backup-alerts`,
  stateMachine: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:backup-object`,
} as const;
export const LOCAL_HEAVY_CONTAINER = 'heavy-copy';

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
  /** Where "Alert the operators" publishes (Default: a new in-memory sink). */
  alerts?: LocalAlertSink;
  engine?: LocalEngine;
  /** Pause before each retry, in ms, instead of the ASL's backoff (Default: the ASL's intervals). */
  retryIntervalMs?: number;
}

export interface ResolvedLocalEnvironment {
  substitutions: Record<string, string>;
  deployment: LocalDeployment;
  tiers: TierLimitsByName;
  alerts: LocalAlertSink;
}

export function resolveLocalEnvironment(env: LocalEnvironment): ResolvedLocalEnvironment {
  const tiers = mergeTiers(env.tiers);
  const routing = { ...DEFAULT_LOCAL_ROUTING, ...env.routing };
  const alerts = env.alerts ?? new LocalAlertSink();
  const engine = env.engine ?? { copyObject, deleteBackup, engineMemoryBytes };
  const substitutions: Record<string, string> = {
    PrepareFunctionArn: LOCAL_ARNS.prepareFunction,
    DescribeFunctionArn: LOCAL_ARNS.describeFunction,
    SmallCopyFunctionArn: LOCAL_ARNS.smallCopyFunction,
    LargeCopyFunctionArn: LOCAL_ARNS.largeCopyFunction,
    // As deployed: the small copier's handler (copy-object) also performs mirror deletes.
    DeleteFunctionArn: LOCAL_ARNS.smallCopyFunction,
    HeavyClusterArn: LOCAL_ARNS.heavyCluster,
    HeavyTaskDefinitionArn: LOCAL_ARNS.heavyTaskDefinition,
    HeavyContainerName: LOCAL_HEAVY_CONTAINER,
    HeavySubnetIds: 'subnet-local-a,subnet-local-b',
    HeavySecurityGroupIds: 'sg-local',
    HeavyAssignPublicIp: 'ENABLED',
    AlertTopicArn: LOCAL_ARNS.alertTopic,
    Region: LOCAL_REGION,
    SmallMaxBytes: String(routing.smallMaxBytes),
    LargeMaxBytes: String(routing.largeMaxBytes),
    DeletePolicy: env.deletePolicy ?? 'retain',
  };

  const skip = compileSkipRules(env.skipPatterns ?? []);
  const copier = (tier: TierName) => (event: ReturnType<typeof parseBackupEvent>) =>
    runWithinTierLimits(tier, tiers[tier], event.size ?? 0, engine.engineMemoryBytes, (signal) =>
      runCopyStep(event, { s3: env.s3, storage: env.storage, target: env.target, options: tiers[tier].engine, tier, signal }, engine),
    );
  const deployment: LocalDeployment = {
    functions: {
      [LOCAL_ARNS.prepareFunction]: async (payload) => prepareBackup(payload, { target: env.target, skip }),
      [LOCAL_ARNS.describeFunction]: async (payload) => describeObject(parsePreparedEvent(payload), env.s3),
      [LOCAL_ARNS.smallCopyFunction]: async (payload) => copier('small')(parseBackupEvent(payload)),
      [LOCAL_ARNS.largeCopyFunction]: async (payload) => copier('large')(parseBackupEvent(payload)),
    },
    taskDefinitions: {
      [LOCAL_ARNS.heavyTaskDefinition]: {
        containerName: LOCAL_HEAVY_CONTAINER,
        run: (containerEnv, reporter) =>
          runHeavyTask(containerEnv, (event): Promise<CopyOutcome> => copier('heavy')(event), reporter, { heartbeatMs: 60_000 }),
      },
    },
    topics: {
      [LOCAL_ARNS.alertTopic]: ({ topicArn, subject, message }) => alerts.publish({ topicArn, message, ...(subject ? { subject } : {}) }),
    },
  };
  return { substitutions, deployment, tiers, alerts };
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
