/**
 * Typed per-stage configuration of one s3-gcs-backup deployment. Values live in infra/config/stages.ts and are
 * checked by validateStageConfig (infra/config/validate.ts) before any construct is built, so a bad value fails
 * `cdk synth` with a message naming the field, not a CloudFormation error at deploy time.
 */

export type StageName = 'staging' | 'production';

export interface SourceBucketConfig {
  /**
   * S3 bucket name. An existing bucket unless `create` is true; a created bucket is named `<name>-<account>-<region>`
   * (bucket names are global), so keep such a name to 35 characters.
   */
  readonly name: string;
  /**
   * Create the bucket in this stack (versioned, encrypted, TLS-only, private), for test data: it is deleted with the
   * stack, so a redeploy can create it again. (Default: false — import the existing bucket by name; its policy,
   * encryption and existing notification configuration are left untouched.)
   */
  readonly create?: boolean;
  /**
   * Key prefixes to back up, e.g. ['invoices/', 'photos/']. Copiers may read only these prefixes.
   * (Default: the whole bucket.)
   */
  readonly prefixes?: readonly string[];
  /** ARN of the KMS key the bucket's objects are encrypted with (SSE-KMS); copiers get kms:Decrypt via S3 on it. (Default: none) */
  readonly kmsKeyArn?: string;
  /**
   * Where this bucket's copies go under `destination.prefix`, e.g. 'billing/': its objects are named
   * `<destination.prefix><destinationPrefix><key>`. No two buckets' prefixes may be equal or one start with another
   * (validation refuses it: their names could collide). Not allowed with the legacy layout.
   * (Default: the bucket's name and a slash, `<destination.prefix><bucket>/<key>`)
   */
  readonly destinationPrefix?: string;
}

/**
 * How S3 events reach the intake queue.
 * - 'eventbridge': turns on the bucket's EventBridge delivery and routes Object Created (and Deleted) events with a
 *   rule. Leaves the bucket's existing notification configuration alone. Recommended.
 * - 's3-notifications': adds an S3 event notification to the queue. Existing configurations are kept (merged), but S3
 *   refuses overlapping prefix/event configurations, so a bucket that already notifies on the same events fails to deploy.
 */
export type IntakeMode = 'eventbridge' | 's3-notifications';

/**
 * Which state machine the intake starts for each object event.
 * - 'express-first': the Express fast path (asl/fast-path.asl.json) copies small objects whose size the event gives,
 *   billed per request and duration, and hands everything else — larger, size unknown, any failure or escalation —
 *   to the Standard machine under the same deterministic name. Its executions are kept only in its log group.
 * - 'standard-only': every event is a Standard execution (asl/backup-object.asl.json): 90-day history, redrive and an
 *   alert for every object, at about eight times the cost per small object (docs/benchmarks.md).
 * Manual replays and backfills start the Standard machine in both modes.
 */
export type ExecutionMode = 'express-first' | 'standard-only';

/**
 * How the copiers authenticate to Google Cloud Storage. Only NAMES are configured; values never enter the template.
 * - 'workload-identity': keyless Workload Identity Federation. The SSM String parameter holds the external-account
 *   credential configuration JSON produced by `gcloud iam workload-identity-pools create-cred-config --aws`.
 * - 'service-account-key': a service-account key JSON stored in a Secrets Manager secret.
 */
export type GcsAuthConfig =
  | { readonly mode: 'workload-identity'; readonly configParameterName: string }
  | { readonly mode: 'service-account-key'; readonly secretName: string };

export type DestinationLayoutName = 'by-source-bucket' | 'legacy';

export type GcsStorageClass = 'STANDARD' | 'NEARLINE' | 'COLDLINE' | 'ARCHIVE';

export interface DestinationConfig {
  /** GCS bucket that receives the copies. */
  readonly bucket: string;
  /** Prepended to every object name, e.g. 'aws/prod/'. (Default: '') */
  readonly prefix?: string;
  /**
   * How source objects are named under `prefix`:
   * - 'by-source-bucket': `<prefix><source-bucket>/<key>` (or the bucket's own `destinationPrefix`), so two buckets
   *   never share a name.
   * - 'legacy': `<prefix><key>`, the naming of deployments made before names carried the bucket. Allowed only with
   *   exactly one source bucket; see docs/operations.md ("Destination names") to migrate away from it.
   * (Default: 'by-source-bucket')
   */
  readonly layout?: DestinationLayoutName;
  /** Storage class of new objects. (Default: the bucket's default class) */
  readonly storageClass?: GcsStorageClass;
}

/** Copy-engine tuning of one tier (workflows/copy/engine.ts); memory use is bounded by about (concurrency + 4) parts. */
export interface EngineTuning {
  /** Parallel ranged GETs. (Default: the engine's, 4) */
  readonly concurrency?: number;
  /** Ranged-GET part and resumable-upload chunk size, in MiB. (Default: the engine's, 8) */
  readonly partSizeMiB?: number;
}

export interface LambdaTierConfig extends EngineTuning {
  /** Lambda memory in MiB (128-10240); CPU and network scale with it. */
  readonly memoryMiB: number;
  /** Lambda timeout in seconds (1-900). */
  readonly timeoutSeconds: number;
  /**
   * Reserved concurrency of this copier (1-900): the most copies it runs at once, guaranteed to it and never exceeded.
   * Beyond it an invocation is throttled, and the state machine waits and retries it in place (never escalates).
   * The two copiers together may reserve at most 900 (Lambda keeps 100 of an account's default 1,000 unreserved).
   * (Default: small 20, large 10)
   */
  readonly reservedConcurrency?: number;
}

export interface HeavyTierConfig extends EngineTuning {
  /** Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384. */
  readonly cpu: number;
  /** Fargate task memory in MiB; must be a valid combination with `cpu`. */
  readonly memoryMiB: number;
  /**
   * The task's time limit in seconds (DEADLINE_SECONDS): it stops itself and reports TierCapacityExceeded. At most
   * 42000, safely below the state's 12-hour TimeoutSeconds in the ASL.
   */
  readonly timeoutSeconds: number;
  /**
   * Most heavy tasks running at once (1-1000). Above it "Wait for a heavy slot" waits and retries; no copy fails for
   * it. Keep it within the account's Fargate On-Demand vCPU quota divided by the task's vCPUs. (Default: 10)
   */
  readonly maxRunning?: number;
}

export interface ThresholdsConfig {
  /** Objects up to this size (bytes) start on the small Lambda. */
  readonly smallMaxBytes: number;
  /** Objects up to this size (bytes) start on the large Lambda; bigger ones go straight to the heavy task. */
  readonly largeMaxBytes: number;
}

export interface AlertsConfig {
  /** E-mail address subscribed to the alert topic (the recipient confirms once). (Default: no subscription) */
  readonly email?: string;
  /**
   * Name of an SSM SecureString parameter holding a Slack incoming-webhook URL. When set, a notifier Lambda subscribed
   * to the alert topic posts every alert to Slack, and may read only this parameter. Encrypt it with the default
   * aws/ssm key (a customer managed key's policy must let the notifier's role decrypt). Exclusive with
   * `slackWebhookSecretName`. (Default: no Slack notifications)
   */
  readonly slackWebhookParameterName?: string;
  /**
   * Name of a Secrets Manager secret whose string is the Slack incoming-webhook URL; the alternative to
   * `slackWebhookParameterName`. (Default: no Slack notifications)
   */
  readonly slackWebhookSecretName?: string;
  /** Alarm when the oldest intake message is older than this, in seconds. (Default: 900) */
  readonly maxQueueAgeSeconds?: number;
  /**
   * Flood control of failure alerts: at most `maxAlerts` failed executions are alerted one by one per fixed window of
   * `windowSeconds`; the next one sends a single summary and later ones in that window none. (Default: 20 per 300 s)
   */
  readonly flood?: { readonly maxAlerts?: number; readonly windowSeconds?: number };
  /**
   * Alarm when more executions than this for one source bucket end `source-gone` within an hour: S3 had no object
   * under the event's key. Such executions succeed without an alert; for Object Created events a steady rate of them
   * usually means a wrong key encoding, prefix or permission, not deleted objects. (Default: 10)
   */
  readonly maxSourceGonePerHour?: number;
  /**
   * Alarm when more executions than this for one source bucket end `superseded` within an hour: the object changed
   * before it was copied (the newer event backs it up). Normal for keys rewritten often; a jump means a writer
   * rewrites objects faster than they are backed up. (Default: 100)
   */
  readonly maxSupersededPerHour?: number;
}

/**
 * A scheduled reconciliation (workflows/reconcile): compares each source bucket with its backups and starts the backup
 * workflow for every object missing, stale or unverified — what lost events missed. Alarms when it finds anything.
 */
export interface ReconcileConfig {
  /**
   * EventBridge Scheduler expression, e.g. 'rate(1 day)' or 'cron(0 3 * * ? *)' (UTC).
   * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly schedule: string;
  /** StartExecution calls per second while repairing (1-300). (Default: 20) */
  readonly ratePerSecond?: number;
  /**
   * Per source bucket, the S3 Inventory configuration folder (`s3://INVENTORY-BUCKET/PREFIX/SOURCE-BUCKET/CONFIG-ID/`)
   * whose newest CSV report is read instead of listing the bucket: for buckets too big to list within the run's
   * 15 minutes. (Default: ListObjectsV2 for every bucket)
   */
  readonly inventory?: Readonly<Record<string, string>>;
}

export interface StageConfig {
  readonly stage: StageName;
  /** AWS account to deploy to; omit for an environment-agnostic template. */
  readonly account?: string;
  /** AWS region to deploy to; omit for an environment-agnostic template. */
  readonly region?: string;
  /** One or more source buckets. */
  readonly sourceBuckets: readonly SourceBucketConfig[];
  /** (Default: 'eventbridge') */
  readonly intake?: IntakeMode;
  /** (Default: 'express-first') */
  readonly executionMode?: ExecutionMode;
  /**
   * Most start-executions Lambdas running at once (2-1000): paces the StartExecution rate. Each one starts a batch of
   * up to 10 executions, so at most ceil((small + large reservedConcurrency) / 10) is allowed: one round of batches
   * starts no more executions than the Lambda copiers can run at once. (Default: that bound rounded down, at least 2)
   */
  readonly intakeMaxConcurrency?: number;
  /**
   * Most backup executions RUNNING at once (2-1000). start-executions starts one only while fewer run (it counts them
   * with ListExecutions; the intakeMaxConcurrency starters share the free slots), so a burst waits in the intake queue
   * instead of becoming executions that retry throttled copiers. At least intakeMaxConcurrency.
   * (Default: what the copiers run at once: small + large reservedConcurrency + heavy maxRunning)
   */
  readonly maxExecutionsInFlight?: number;
  readonly destination: DestinationConfig;
  readonly gcsAuth: GcsAuthConfig;
  readonly thresholds: ThresholdsConfig;
  readonly tiers: {
    readonly small: LambdaTierConfig;
    readonly large: LambdaTierConfig;
    readonly heavy: HeavyTierConfig;
  };
  /** Glob patterns over the decoded key (see workflows/backup/skip-rules.ts); matching objects are not backed up. (Default: []) */
  readonly skipPatterns?: readonly string[];
  /**
   * What a source delete does: 'retain' keeps the copy (a backup protects against deletion); 'mirror' deletes it.
   * Delete events are only routed to the workflow under 'mirror'. (Default: 'retain')
   */
  readonly deletePolicy?: 'retain' | 'mirror';
  readonly alerts?: AlertsConfig;
  /** Run a reconciliation on a schedule. (Default: none; `s3gcs reconcile` runs one on demand) */
  readonly reconcile?: ReconcileConfig;
  /** Retention of every log group, in days (a CloudWatch Logs retention value). (Default: 90) */
  readonly logRetentionDays?: number;
  /** The Lambda functions' log-level filtering (advanced logging controls). (Default: INFO for both) */
  readonly lambdaLogLevels?: LambdaLogLevels;
  /** A scheduled restore drill (s3gcs drill, run by a Lambda) that alerts on any difference. (Default: none) */
  readonly restoreDrill?: RestoreDrillConfig;
}

/**
 * Lambda log-level filtering (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
 * `system`: the platform's own lines; START and REPORT of every invocation are INFO, so WARN keeps only the platform's
 * warnings and errors (a timeout, a crash). `application`: our handlers' lines; at most INFO, because Lambda files a
 * line without a `level` as INFO and our embedded-metric (EMF) lines have none: above INFO, the metrics the alarms and
 * the dashboard read would be dropped.
 */
export interface LambdaLogLevels {
  readonly application?: 'TRACE' | 'DEBUG' | 'INFO';
  readonly system?: 'DEBUG' | 'INFO' | 'WARN';
}

export interface RestoreDrillConfig {
  /** Backups restored per drill; each must fit the drill function's 15 minutes. (Default: 20) */
  readonly sample?: number;
  /** An EventBridge Scheduler expression. (Default: 'rate(7 days)') */
  readonly schedule?: string;
}
