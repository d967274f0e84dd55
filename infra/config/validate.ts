import { destinationPrefixOf } from '../../workflows/backup/keys';
import { compileSkipRules } from '../../workflows/backup/skip-rules';
import { engineMemoryBytes } from '../../workflows/copy/engine';
import type { CopyTarget, DestinationLayout } from '../../workflows/copy/types';
import type {
  AlertsConfig,
  DestinationLayoutName,
  EngineTuning,
  GcsAuthConfig,
  GcsStorageClass,
  HeavyTierConfig,
  ExecutionMode,
  IntakeMode,
  LambdaLogLevels,
  LambdaTierConfig,
  ReconcileConfig,
  SourceBucketConfig,
  StageConfig,
  StageName,
} from './types';

export interface ResolvedSourceBucket {
  readonly name: string;
  readonly create: boolean;
  /** Empty = the whole bucket. */
  readonly prefixes: readonly string[];
  readonly kmsKeyArn?: string;
}

/** The alert settings validateStageConfig gives a default. */
type AlertDefaults = 'maxQueueAgeSeconds' | 'maxSourceGonePerHour' | 'maxSupersededPerHour';
/** Reserved concurrency of the Lambda copiers when a stage sets none. */
export const DEFAULT_RESERVED_CONCURRENCY = { small: 20, large: 10 } as const;
/** Lambda keeps 100 of an account's default 1,000 concurrent executions unreserved. */
const MAX_RESERVED_CONCURRENCY = 900;
/** Heavy tasks running at once when a stage sets no tiers.heavy.maxRunning. */
export const DEFAULT_MAX_HEAVY_TASKS = 10;
/** Messages per starter invocation (the intake's SQS batch size): executions one starter starts at once. */
export const INTAKE_BATCH_SIZE = 10;

/** A StageConfig with every default applied: what the constructs consume. */
export interface DeploymentConfig {
  readonly stage: StageName;
  readonly account?: string;
  readonly region?: string;
  readonly sourceBuckets: readonly ResolvedSourceBucket[];
  readonly intake: IntakeMode;
  readonly executionMode: ExecutionMode;
  readonly intakeMaxConcurrency: number;
  readonly maxExecutionsInFlight: number;
  readonly destination: {
    readonly bucket: string;
    readonly prefix: string;
    /** The copiers' DEST_LAYOUT: how each source bucket's objects are named (workflows/backup/keys.ts). */
    readonly layout: DestinationLayout;
    readonly storageClass?: GcsStorageClass;
  };
  readonly gcsAuth: GcsAuthConfig;
  readonly thresholds: { readonly smallMaxBytes: number; readonly largeMaxBytes: number };
  readonly tiers: {
    readonly small: LambdaTierConfig & { readonly reservedConcurrency: number };
    readonly large: LambdaTierConfig & { readonly reservedConcurrency: number };
    readonly heavy: HeavyTierConfig & { readonly maxRunning: number };
  };
  readonly skipPatterns: readonly string[];
  readonly deletePolicy: 'retain' | 'mirror';
  readonly alerts: Required<Pick<AlertsConfig, AlertDefaults>> &
    Omit<AlertsConfig, AlertDefaults | 'flood'> & { readonly flood: { readonly maxAlerts: number; readonly windowSeconds: number } };
  readonly reconcile?: { readonly schedule: string; readonly ratePerSecond: number; readonly inventory: Readonly<Record<string, string>> };
  readonly logRetentionDays: number;
  readonly lambdaLogLevels: Required<LambdaLogLevels>;
  readonly restoreDrill?: { readonly sample: number; readonly schedule: string };
}

/** Thrown at synth when a stage's configuration is invalid; the message lists every problem with its field path. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
  constructor(
    readonly stage: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for stage "${stage}" (infra/config/stages.ts):\n` + problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

const STAGES: readonly StageName[] = ['staging', 'production'];
const INTAKE_MODES: readonly IntakeMode[] = ['eventbridge', 's3-notifications'];
const LAYOUTS: readonly DestinationLayoutName[] = ['by-source-bucket', 'legacy'];
const STORAGE_CLASSES: readonly GcsStorageClass[] = ['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'];
/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** Fargate CPU units → allowed memory (MiB): [min, max, step]. */
const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};
/** The heavy task's longest DEADLINE_SECONDS: below the heavy state's TimeoutSeconds, with its start and report. */
export const HEAVY_MAX_SECONDS = 42_000;
const MIB = 1024 * 1024;
/** Node, the SDKs and the handler before any object data (as the local tier limits assume). */
const RUNTIME_BASELINE_MIB = 96;
const S3_MAX_OBJECT_BYTES = 5 * 1024 ** 4;
const SSM_PARAMETER_NAME = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Checks one stage's configuration and applies defaults. Collects every problem before throwing, so one synth shows
 * them all.
 */
export function validateStageConfig(config: StageConfig): DeploymentConfig {
  const problems: string[] = [];
  const fail = (path: string, message: string) => problems.push(`${path}: ${message}`);

  if (!STAGES.includes(config.stage)) fail('stage', `must be one of ${STAGES.join(', ')}, got ${JSON.stringify(config.stage)}`);
  if (config.account !== undefined && !/^\d{12}$/.test(config.account)) {
    fail('account', `must be a 12-digit AWS account id, got ${JSON.stringify(config.account)}`);
  }
  if (config.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(config.region)) {
    fail('region', `must be an AWS region such as eu-west-1, got ${JSON.stringify(config.region)}`);
  }

  checkSourceBuckets(config.sourceBuckets, fail, createdBucketSuffixLength(config));

  const executionMode = config.executionMode ?? 'express-first';
  if (executionMode !== 'express-first' && executionMode !== 'standard-only') {
    fail('executionMode', `must be 'express-first' or 'standard-only', got ${JSON.stringify(executionMode)}`);
  }
  const intake = config.intake ?? 'eventbridge';
  if (!INTAKE_MODES.includes(intake)) fail('intake', `must be one of ${INTAKE_MODES.join(', ')}, got ${JSON.stringify(intake)}`);

  const destination = config.destination ?? ({} as StageConfig['destination']);
  const gcsBucketProblem = gcsBucketNameProblem(destination.bucket);
  if (gcsBucketProblem) fail('destination.bucket', gcsBucketProblem);
  const prefix = destination.prefix ?? '';
  checkNamePrefix('destination.prefix', prefix, fail);
  const layout = resolveLayout(config, fail);
  if (layout) checkDisjointNames(namePrefixesOf(config.stage, destination.bucket, prefix, layout, config.sourceBuckets), fail);
  if (destination.storageClass !== undefined && !STORAGE_CLASSES.includes(destination.storageClass)) {
    fail('destination.storageClass', `must be one of ${STORAGE_CLASSES.join(', ')}, got ${JSON.stringify(destination.storageClass)}`);
  }

  checkGcsAuth(config.gcsAuth, fail);

  const thresholds = config.thresholds ?? ({} as StageConfig['thresholds']);
  checkInteger('thresholds.smallMaxBytes', thresholds.smallMaxBytes, 1, S3_MAX_OBJECT_BYTES, fail);
  checkInteger('thresholds.largeMaxBytes', thresholds.largeMaxBytes, 1, S3_MAX_OBJECT_BYTES, fail);
  if (thresholds.smallMaxBytes >= thresholds.largeMaxBytes) {
    fail('thresholds', `smallMaxBytes (${thresholds.smallMaxBytes}) must be below largeMaxBytes (${thresholds.largeMaxBytes})`);
  }

  const tiers = config.tiers ?? ({} as StageConfig['tiers']);
  checkLambdaTier('tiers.small', tiers.small, fail);
  checkLambdaTier('tiers.large', tiers.large, fail);
  if (tiers.small && tiers.large && tiers.large.memoryMiB < tiers.small.memoryMiB) {
    fail('tiers.large.memoryMiB', `must be at least tiers.small.memoryMiB (${tiers.small.memoryMiB}): escalation must add capacity`);
  }
  checkHeavyTier(tiers.heavy, fail);
  const reserved = {
    small: tiers.small?.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY.small,
    large: tiers.large?.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY.large,
  };
  checkInteger('tiers.small.reservedConcurrency', reserved.small, 1, MAX_RESERVED_CONCURRENCY, fail);
  checkInteger('tiers.large.reservedConcurrency', reserved.large, 1, MAX_RESERVED_CONCURRENCY, fail);
  if (reserved.small + reserved.large > MAX_RESERVED_CONCURRENCY) {
    fail(
      'tiers',
      `small and large reservedConcurrency add up to ${reserved.small + reserved.large}; at most ${MAX_RESERVED_CONCURRENCY} ` +
        '(Lambda keeps 100 of the default 1,000 per account unreserved)',
    );
  }
  const maxHeavyTasks = tiers.heavy?.maxRunning ?? DEFAULT_MAX_HEAVY_TASKS;
  checkInteger('tiers.heavy.maxRunning', maxHeavyTasks, 1, 1000, fail);

  // Each starter invocation starts up to one batch of executions: a round of batches must fit the copiers' slots.
  const intakeBound = Math.max(2, Math.ceil((reserved.small + reserved.large) / INTAKE_BATCH_SIZE));
  const intakeMaxConcurrency = config.intakeMaxConcurrency ?? Math.max(2, Math.floor((reserved.small + reserved.large) / INTAKE_BATCH_SIZE));
  checkInteger('intakeMaxConcurrency', intakeMaxConcurrency, 2, 1000, fail);
  if (intakeMaxConcurrency > intakeBound) {
    fail(
      'intakeMaxConcurrency',
      `${intakeMaxConcurrency} starters x ${INTAKE_BATCH_SIZE} executions each would start more executions at once than the copiers ` +
        `can run (small + large reservedConcurrency = ${reserved.small + reserved.large}); at most ${intakeBound}`,
    );
  }
  // The executions the copiers can run at once; the starters share the free slots, so each needs at least one.
  const maxExecutionsInFlight = config.maxExecutionsInFlight ?? Math.min(1000, reserved.small + reserved.large + maxHeavyTasks);
  checkInteger('maxExecutionsInFlight', maxExecutionsInFlight, 2, 1000, fail);
  if (Number.isInteger(maxExecutionsInFlight) && maxExecutionsInFlight < intakeMaxConcurrency) {
    fail(
      'maxExecutionsInFlight',
      `${maxExecutionsInFlight} is below intakeMaxConcurrency (${intakeMaxConcurrency}): each starter may start floor(free slots / starters) ` +
        'executions, so with fewer slots than starters none could start',
    );
  }
  if (problems.length === 0) {
    checkMemoryFits('tiers.small', tiers.small, thresholds.smallMaxBytes, fail);
    checkMemoryFits('tiers.large', tiers.large, thresholds.largeMaxBytes, fail);
    checkMemoryFits('tiers.heavy', tiers.heavy, Number.MAX_SAFE_INTEGER, fail);
  }

  const skipPatterns = config.skipPatterns ?? [];
  try {
    compileSkipRules([...skipPatterns]);
  } catch (err) {
    fail('skipPatterns', (err as Error).message);
  }

  const deletePolicy = config.deletePolicy ?? 'retain';
  if (deletePolicy !== 'retain' && deletePolicy !== 'mirror') {
    fail('deletePolicy', `must be 'retain' or 'mirror', got ${JSON.stringify(deletePolicy)}`);
  }

  const alerts = config.alerts ?? {};
  if (alerts.email !== undefined && !EMAIL.test(alerts.email)) fail('alerts.email', `is not an e-mail address: ${JSON.stringify(alerts.email)}`);
  if (alerts.slackWebhookParameterName !== undefined && !SSM_PARAMETER_NAME.test(alerts.slackWebhookParameterName)) {
    fail('alerts.slackWebhookParameterName', `is not a valid SSM parameter name: ${JSON.stringify(alerts.slackWebhookParameterName)}`);
  }
  if (alerts.slackWebhookSecretName !== undefined && !SECRET_NAME.test(alerts.slackWebhookSecretName)) {
    fail('alerts.slackWebhookSecretName', `is not a valid Secrets Manager secret name: ${JSON.stringify(alerts.slackWebhookSecretName)}`);
  }
  if (alerts.slackWebhookParameterName !== undefined && alerts.slackWebhookSecretName !== undefined) {
    fail('alerts', 'set slackWebhookParameterName (SSM) or slackWebhookSecretName (Secrets Manager), not both: the webhook URL comes from one place');
  }
  const maxQueueAgeSeconds = alerts.maxQueueAgeSeconds ?? 900;
  checkInteger('alerts.maxQueueAgeSeconds', maxQueueAgeSeconds, 60, 14 * 24 * 3600, fail);
  const flood = { maxAlerts: alerts.flood?.maxAlerts ?? 20, windowSeconds: alerts.flood?.windowSeconds ?? 300 };
  checkInteger('alerts.flood.maxAlerts', flood.maxAlerts, 1, 1000, fail);
  checkInteger('alerts.flood.windowSeconds', flood.windowSeconds, 60, 24 * 3600, fail);
  const maxSourceGonePerHour = alerts.maxSourceGonePerHour ?? 10;
  checkInteger('alerts.maxSourceGonePerHour', maxSourceGonePerHour, 0, 1_000_000, fail);
  const maxSupersededPerHour = alerts.maxSupersededPerHour ?? 100;
  checkInteger('alerts.maxSupersededPerHour', maxSupersededPerHour, 0, 1_000_000, fail);

  const reconcile = config.reconcile && validateReconcile(config.reconcile, config.sourceBuckets.map((b) => b.name), fail);

  const logRetentionDays = config.logRetentionDays ?? 90;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    fail('logRetentionDays', `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}`);
  }

  const lambdaLogLevels = { application: config.lambdaLogLevels?.application ?? 'INFO', system: config.lambdaLogLevels?.system ?? 'INFO' } as const;
  if (!['TRACE', 'DEBUG', 'INFO'].includes(lambdaLogLevels.application)) {
    fail('lambdaLogLevels.application', `must be TRACE, DEBUG or INFO (Lambda files our metric lines, which have no level, as INFO), got ${JSON.stringify(lambdaLogLevels.application)}`);
  }
  if (!['DEBUG', 'INFO', 'WARN'].includes(lambdaLogLevels.system)) fail('lambdaLogLevels.system', `must be DEBUG, INFO or WARN, got ${JSON.stringify(lambdaLogLevels.system)}`);

  const drill = config.restoreDrill && { sample: config.restoreDrill.sample ?? 20, schedule: config.restoreDrill.schedule ?? 'rate(7 days)' };
  if (drill && (!Number.isInteger(drill.sample) || drill.sample < 1 || drill.sample > 1000)) fail('restoreDrill.sample', `must be an integer from 1 to 1000, got ${drill.sample}`);
  if (drill && !/^(rate|cron|at)\(.+\)$/.test(drill.schedule)) fail('restoreDrill.schedule', `must be a Scheduler expression such as rate(7 days) or cron(0 3 ? * MON *), got ${JSON.stringify(drill.schedule)}`);
  if (problems.length > 0) throw new StageConfigError(String(config.stage), problems);

  return {
    stage: config.stage,
    ...(config.account !== undefined && { account: config.account }),
    ...(config.region !== undefined && { region: config.region }),
    sourceBuckets: config.sourceBuckets.map((b) => ({
      name: b.name,
      create: b.create ?? false,
      prefixes: b.prefixes ?? [],
      ...(b.kmsKeyArn !== undefined && { kmsKeyArn: b.kmsKeyArn }),
    })),
    intake,
    executionMode,
    intakeMaxConcurrency,
    maxExecutionsInFlight,
    destination: {
      bucket: destination.bucket,
      prefix,
      layout: layout!,
      ...(destination.storageClass !== undefined && { storageClass: destination.storageClass }),
    },
    gcsAuth: config.gcsAuth,
    thresholds: { smallMaxBytes: thresholds.smallMaxBytes, largeMaxBytes: thresholds.largeMaxBytes },
    tiers: {
      small: { ...tiers.small, reservedConcurrency: reserved.small },
      large: { ...tiers.large, reservedConcurrency: reserved.large },
      heavy: { ...tiers.heavy, maxRunning: maxHeavyTasks },
    },
    skipPatterns,
    deletePolicy,
    alerts: { ...alerts, maxQueueAgeSeconds, flood, maxSourceGonePerHour, maxSupersededPerHour },
    ...(reconcile && { reconcile }),
    logRetentionDays,
    lambdaLogLevels,
    ...(drill && { restoreDrill: drill }),
  };
}

/** EventBridge Scheduler's rate(), cron() (six fields) or at() expressions. */
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\)|at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\))$/;

function validateReconcile(r: ReconcileConfig, buckets: readonly string[], fail: Fail): NonNullable<DeploymentConfig['reconcile']> {
  if (typeof r.schedule !== 'string' || !SCHEDULE.test(r.schedule)) {
    fail('reconcile.schedule', `must be an EventBridge Scheduler expression like 'rate(1 day)' or 'cron(0 3 * * ? *)', got ${JSON.stringify(r.schedule)}`);
  }
  const ratePerSecond = r.ratePerSecond ?? 20;
  checkInteger('reconcile.ratePerSecond', ratePerSecond, 1, 300, fail);
  const inventory = r.inventory ?? {};
  for (const [bucket, url] of Object.entries(inventory)) {
    if (!buckets.includes(bucket)) fail(`reconcile.inventory.${bucket}`, 'is not one of the source buckets');
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\/$/.test(url)) fail(`reconcile.inventory.${bucket}`, `must be s3://BUCKET/PREFIX/SOURCE-BUCKET/CONFIG-ID/, got ${JSON.stringify(url)}`);
  }
  return { schedule: r.schedule, ratePerSecond, inventory };
}

type Fail = (path: string, message: string) => void;

function checkNamePrefix(path: string, prefix: string, fail: Fail): void {
  if (prefix.startsWith('/')) fail(path, `must not start with '/' (GCS names have no leading slash), got ${JSON.stringify(prefix)}`);
  if (/[\r\n]/.test(prefix)) fail(path, 'must not contain CR or LF (GCS refuses such names)');
  if (Buffer.byteLength(prefix, 'utf8') > 512) fail(path, 'must be at most 512 bytes (UTF-8), leaving room for the key');
}

/** The runtime layout of a stage (undefined when it cannot be built: the problems are reported). */
function resolveLayout(config: StageConfig, fail: Fail): DestinationLayout | undefined {
  const kind = config.destination?.layout ?? 'by-source-bucket';
  const buckets = Array.isArray(config.sourceBuckets) ? config.sourceBuckets : [];
  if (!LAYOUTS.includes(kind)) {
    fail('destination.layout', `must be one of ${LAYOUTS.join(', ')}, got ${JSON.stringify(kind)}`);
    return undefined;
  }
  const own = buckets.flatMap((b, i) => (b.destinationPrefix === undefined ? [] : [{ bucket: b.name, prefix: b.destinationPrefix, path: `sourceBuckets[${i}].destinationPrefix` }]));
  if (kind === 'legacy') {
    if (buckets.length > 1) {
      fail(
        'destination.layout',
        `'legacy' names every object <prefix><key>, so ${buckets.map((b) => `"${b.name}"`).join(' and ')} would overwrite each other's ` +
          "backups of the same key; it is allowed only with one source bucket (use 'by-source-bucket')",
      );
    }
    for (const o of own) fail(o.path, "has no effect with destination.layout 'legacy' (names are <prefix><key>); remove it or use 'by-source-bucket'");
    return buckets.length === 1 ? { kind: 'legacy', sourceBucket: buckets[0]!.name } : undefined;
  }
  let malformed = false;
  const failPrefix: Fail = (path, message) => {
    malformed = true;
    fail(path, message);
  };
  for (const o of own) {
    if (typeof o.prefix !== 'string' || o.prefix === '') failPrefix(o.path, "must be a non-empty prefix such as 'billing/' (omit it to use the bucket's name)");
    else checkNamePrefix(o.path, o.prefix, failPrefix);
  }
  if (malformed) return undefined;
  return own.length === 0 ? { kind: 'by-source-bucket' } : { kind: 'by-source-bucket', bucketPrefixes: Object.fromEntries(own.map((o) => [o.bucket, o.prefix])) };
}

/** One source bucket's share of a destination bucket: every name it can write starts with `prefix`. */
interface NamePrefix {
  readonly stage: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly prefix: string;
}

function namePrefixesOf(stage: string, destinationBucket: string, prefix: string, layout: DestinationLayout, buckets: readonly SourceBucketConfig[]): NamePrefix[] {
  const target: CopyTarget = { bucket: destinationBucket, prefix, layout };
  return buckets.map((b) => ({ stage, sourceBucket: b.name, destinationBucket, prefix: destinationPrefixOf(target, b.name) }));
}

/**
 * Two sources can write one name exactly when one's name prefix starts with the other's (equal included): a key
 * `rest` of the shorter one and the key of the longer one after its prefix meet. Prefixes that are not prefixes of
 * each other differ at some character before either ends, so every pair of their names does too. `acrossStages`
 * checks only pairs from different stages (each stage checks its own pairs) and names the stages.
 */
function checkDisjointNames(shares: readonly NamePrefix[], fail: Fail, acrossStages = false): void {
  const who = (s: NamePrefix) => `${acrossStages ? `stage "${s.stage}" ` : ''}source bucket "${s.sourceBucket}"`;
  for (const [i, a] of shares.entries()) {
    for (const b of shares.slice(i + 1)) {
      if (a.destinationBucket !== b.destinationBucket || (a.stage === b.stage && (acrossStages || a.sourceBucket === b.sourceBucket))) continue;
      const [short, long] = a.prefix.length <= b.prefix.length ? [a, b] : [b, a];
      if (!long.prefix.startsWith(short.prefix)) continue;
      const where = `gs://${a.destinationBucket}/`;
      fail(
        'destination',
        short.prefix === long.prefix
          ? `${who(a)} and ${who(b)} both write under ${where}${a.prefix}: the same key in both would overwrite one backup with the other`
          : `${who(short)} writes under ${where}${short.prefix}, which contains ${who(long)}'s ${where}${long.prefix}: key ` +
              `${JSON.stringify(long.prefix.slice(short.prefix.length) + 'k')} of "${short.sourceBucket}" and key "k" of "${long.sourceBucket}" would share a name`,
      );
    }
  }
}

/**
 * Stages that write into one GCS bucket must not write the same names either (the stack validates one stage at a
 * time; this checks them together). Throws StageConfigError naming both stages and buckets.
 */
export function validateSharedDestinations(stages: Readonly<Record<string, StageConfig>>): void {
  const shares: NamePrefix[] = [];
  for (const [name, config] of Object.entries(stages)) {
    const layout = resolveLayout(config, () => undefined);
    if (!layout || !config.destination || !Array.isArray(config.sourceBuckets)) continue; // its own validation reports it
    shares.push(...namePrefixesOf(name, config.destination.bucket, config.destination.prefix ?? '', layout, config.sourceBuckets));
  }
  const problems: string[] = [];
  checkDisjointNames(shares, (path, message) => problems.push(`${path}: ${message}`), true);
  if (problems.length > 0) throw new StageConfigError(Object.keys(stages).join(', '), problems);
}

/** The most characters `-<account>-<region>` adds to a created bucket's name (12-digit account, 14-character region). */
const CREATED_BUCKET_SUFFIX_MAX = 1 + 12 + 1 + 14;
const S3_BUCKET_NAME_MAX = 63;

/** What infra/constructs/source-buckets.ts createdBucketName adds: exact when the stage pins both, else the most. */
function createdBucketSuffixLength(config: StageConfig): number {
  return config.account !== undefined && config.region !== undefined ? `-${config.account}-${config.region}`.length : CREATED_BUCKET_SUFFIX_MAX;
}

function checkSourceBuckets(buckets: readonly SourceBucketConfig[] | undefined, fail: Fail, createdSuffix: number): void {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    fail('sourceBuckets', 'must list at least one bucket');
    return;
  }
  const seen = new Set<string>();
  buckets.forEach((bucket, i) => {
    const path = `sourceBuckets[${i}]`;
    const nameProblem = s3BucketNameProblem(bucket.name);
    if (nameProblem) fail(`${path}.name`, nameProblem);
    else if (bucket.create && bucket.name.length + createdSuffix > S3_BUCKET_NAME_MAX) {
      fail(
        `${path}.name`,
        `is ${bucket.name.length} characters; a bucket the stack creates is named <name>-<account>-<region> (up to ${createdSuffix} more), ` +
          `and S3 allows ${S3_BUCKET_NAME_MAX}: use at most ${S3_BUCKET_NAME_MAX - createdSuffix}`,
      );
    }
    if (seen.has(bucket.name)) fail(`${path}.name`, `"${bucket.name}" is listed twice; give each bucket once with all its prefixes`);
    seen.add(bucket.name);
    const prefixes: readonly string[] = bucket.prefixes ?? [];
    prefixes.forEach((prefix, j) => {
      if (typeof prefix !== 'string' || prefix.length === 0) {
        fail(`${path}.prefixes[${j}]`, 'must be a non-empty string (omit `prefixes` to back up the whole bucket)');
      } else if (/[*?]/.test(prefix)) {
        fail(`${path}.prefixes[${j}]`, `must not contain '*' or '?' (IAM would read them as wildcards): ${JSON.stringify(prefix)}`);
      }
    });
    for (const a of prefixes) {
      for (const b of prefixes) {
        if (a !== b && b.startsWith(a)) {
          fail(`${path}.prefixes`, `"${b}" is inside "${a}"; overlapping prefixes would deliver every event twice`);
        }
      }
    }
    if (new Set(prefixes).size !== prefixes.length) fail(`${path}.prefixes`, 'lists the same prefix twice');
    if (bucket.kmsKeyArn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(bucket.kmsKeyArn)) {
      fail(`${path}.kmsKeyArn`, `must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), got ${JSON.stringify(bucket.kmsKeyArn)}`);
    }
  });
}

function checkGcsAuth(auth: GcsAuthConfig | undefined, fail: Fail): void {
  if (auth === undefined) {
    fail('gcsAuth', "is required: { mode: 'workload-identity', configParameterName } or { mode: 'service-account-key', secretName }");
    return;
  }
  if (auth.mode === 'workload-identity') {
    if (!SSM_PARAMETER_NAME.test(auth.configParameterName ?? '')) {
      fail('gcsAuth.configParameterName', `is not a valid SSM parameter name: ${JSON.stringify(auth.configParameterName)}`);
    }
  } else if (auth.mode === 'service-account-key') {
    if (!SECRET_NAME.test(auth.secretName ?? '')) {
      fail('gcsAuth.secretName', `is not a valid Secrets Manager secret name: ${JSON.stringify(auth.secretName)}`);
    }
  } else {
    fail('gcsAuth.mode', `must be 'workload-identity' or 'service-account-key', got ${JSON.stringify((auth as { mode: unknown }).mode)}`);
  }
}

function checkLambdaTier(path: string, tier: LambdaTierConfig | undefined, fail: Fail): void {
  if (tier === undefined) {
    fail(path, 'is required: { memoryMiB, timeoutSeconds }');
    return;
  }
  checkTuning(path, tier, fail);
  checkInteger(`${path}.memoryMiB`, tier.memoryMiB, 128, 10240, fail);
  checkInteger(`${path}.timeoutSeconds`, tier.timeoutSeconds, 1, 900, fail);
}

function checkHeavyTier(tier: HeavyTierConfig | undefined, fail: Fail): void {
  if (tier === undefined) {
    fail('tiers.heavy', 'is required: { cpu, memoryMiB, timeoutSeconds }');
    return;
  }
  checkTuning('tiers.heavy', tier, fail);
  const range = FARGATE_MEMORY[tier.cpu];
  if (range === undefined) {
    fail('tiers.heavy.cpu', `must be one of ${Object.keys(FARGATE_MEMORY).join(', ')} (Fargate CPU units), got ${tier.cpu}`);
  } else {
    const [min, max, step] = range;
    if (!Number.isInteger(tier.memoryMiB) || tier.memoryMiB < min || tier.memoryMiB > max || (tier.memoryMiB - min) % step !== 0) {
      fail('tiers.heavy.memoryMiB', `with cpu ${tier.cpu} Fargate allows ${min}-${max} MiB in steps of ${step}, got ${tier.memoryMiB}`);
    }
  }
  // The ASL waits at most 12 h (TimeoutSeconds 43200) for the task; its own deadline must come first.
  checkInteger('tiers.heavy.timeoutSeconds', tier.timeoutSeconds, 60, HEAVY_MAX_SECONDS, fail);
}

function checkTuning(path: string, tuning: EngineTuning, fail: Fail): void {
  if (tuning.concurrency !== undefined) checkInteger(`${path}.concurrency`, tuning.concurrency, 1, 64, fail);
  if (tuning.partSizeMiB !== undefined) checkInteger(`${path}.partSizeMiB`, tuning.partSizeMiB, 1, 256, fail);
}

/**
 * The engine's own memory model (engineMemoryBytes) plus the runtime's baseline must fit the tier's memory for the
 * biggest object routed to it — else every such copy would die of OOM and escalate.
 */
function checkMemoryFits(path: string, tier: LambdaTierConfig | HeavyTierConfig, maxObjectBytes: number, fail: Fail): void {
  const needed = RUNTIME_BASELINE_MIB * MIB + engineMemoryBytes(maxObjectBytes, engineOptionsOf(tier));
  if (needed > tier.memoryMiB * MIB) {
    fail(
      path,
      `copying objects up to ${maxObjectBytes === Number.MAX_SAFE_INTEGER ? 'any size' : `${maxObjectBytes} bytes`} needs about ` +
        `${Math.ceil(needed / MIB)} MiB (${RUNTIME_BASELINE_MIB} MiB runtime + engine buffers) but memoryMiB is ${tier.memoryMiB}; ` +
        'raise memoryMiB or lower concurrency/partSizeMiB (or the threshold)',
    );
  }
}

/** The engine options a tier's tuning sets (absent = the engine's defaults). */
export function engineOptionsOf(tuning: EngineTuning): { concurrency?: number; partSizeBytes?: number } {
  return {
    ...(tuning.concurrency !== undefined && { concurrency: tuning.concurrency }),
    ...(tuning.partSizeMiB !== undefined && { partSizeBytes: tuning.partSizeMiB * MIB }),
  };
}

function checkInteger(path: string, value: number, min: number, max: number, fail: Fail): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(path, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
}

/** S3 general-purpose bucket naming rules; undefined when valid. */
export function s3BucketNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a bucket name, got ${JSON.stringify(name)}`;
  const rules = '3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return `"${name}" is not a valid S3 bucket name (${rules})`;
  if (name.includes('..')) return `"${name}" is not a valid S3 bucket name (no two adjacent dots)`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `"${name}" is not a valid S3 bucket name (must not look like an IP address)`;
  if (name.startsWith('xn--') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) {
    return `"${name}" is not a valid S3 bucket name (reserved prefix or suffix)`;
  }
  return undefined;
}

/** GCS bucket naming rules; undefined when valid. */
export function gcsBucketNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a GCS bucket name, got ${JSON.stringify(name)}`;
  const rules = 'lowercase letters, digits, dashes, underscores and dots, starting and ending with a letter or digit';
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name)) return `"${name}" is not a valid GCS bucket name (${rules})`;
  const max = name.includes('.') ? 222 : 63;
  if (name.length < 3 || name.length > max) return `"${name}" is not a valid GCS bucket name (3-${max} characters)`;
  if (name.split('.').some((part) => part.length > 63)) return `"${name}" is not a valid GCS bucket name (dot-separated parts are at most 63 characters)`;
  if (name.startsWith('goog') || name.includes('google')) return `"${name}" is not a valid GCS bucket name (must not start with "goog" or contain "google")`;
  return undefined;
}
