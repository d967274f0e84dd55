import { Aspects, CfnOutput, Duration, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EngineTuning } from '../config/types';
import { engineOptionsOf, type DeploymentConfig } from '../config/validate';
import { AlertTopic, BackupAlarms } from '../constructs/alerting';
import { ExecutionAlerts } from '../constructs/execution-alerts';
import { BackfillStateMachine } from '../constructs/backfill-state-machine';
import { BackupFunction } from '../constructs/backup-function';
import { BackupStateMachine } from '../constructs/backup-state-machine';
import { FastPathStateMachine } from '../constructs/fast-path-state-machine';
import { BackupDashboard } from '../constructs/dashboard';
import { GcsCredentials } from '../constructs/gcs-credentials';
import { giveDeployTimeHandlersLogRetention } from '../constructs/handler-log-groups';
import { HeavyTask } from '../constructs/heavy-task';
import { Intake } from '../constructs/intake';
import { LambdaLogLevelsAspect } from '../constructs/lambda-log-levels';
import { Reconciliation } from '../constructs/reconciliation';
import { RestoreDrill } from '../constructs/restore-drill';
import { SlackNotifier, type SlackWebhookSource } from '../constructs/slack-notifier';
import { SourceBuckets, withPhysicalBucketNames } from '../constructs/source-buckets';
import { BACKFILL_ASL, BACKUP_OBJECT_ASL, FAST_PATH_ASL } from '../paths';

export interface BackupStackProps extends StackProps {
  /** A validated stage configuration (validateStageConfig). */
  readonly config: DeploymentConfig;
  /** (Default: asl/backup-object.asl.json) */
  readonly definitionFile?: string;
}

const SERVICE_NAME = 's3-gcs-backup';

/** CONCURRENCY / PART_SIZE_BYTES for a tier's copier, only when the stage tunes them. */
function engineEnvironment(tuning: EngineTuning): Record<string, string> {
  const o = engineOptionsOf(tuning);
  return {
    ...(o.concurrency !== undefined && { CONCURRENCY: String(o.concurrency) }),
    ...(o.partSizeBytes !== undefined && { PART_SIZE_BYTES: String(o.partSizeBytes) }),
  };
}
const METRICS_NAMESPACE = 'S3GcsBackup';

/**
 * One deployment of s3-gcs-backup: intake → state machine → copiers (small Lambda, large Lambda, heavy Fargate task)
 * → GCS, with alerts, alarms and a dashboard. Everything a copier may read is scoped to the configured buckets and
 * prefixes; everything the state machine may do is granted here, next to the substitution that needs it.
 */
export class BackupStack extends Stack {
  public readonly workflow: BackupStateMachine;
  public readonly backfill: BackfillStateMachine;
  /** The Express fast path the intake starts, in executionMode 'express-first'. */
  public readonly fastPath: FastPathStateMachine | undefined;

  constructor(scope: Construct, id: string, props: BackupStackProps) {
    super(scope, id, props);
    // Buckets the stack creates are named with the account and region; everything below uses those names.
    const config = withPhysicalBucketNames(props.config, this);
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const prefix = `s3-gcs-backup-${config.stage}`;
    Aspects.of(this).add(new LambdaLogLevelsAspect(config.lambdaLogLevels));
    Tags.of(this).add('project', 's3-gcs-backup');
    Tags.of(this).add('stage', config.stage);

    const sources = new SourceBuckets(this, 'Sources', { buckets: config.sourceBuckets });
    const gcs = new GcsCredentials(this, 'GcsCredentials', { auth: config.gcsAuth });
    // The size bands of "Choose a copier by size": a copier given a smaller band's object counts an escalation.
    const routing = { SMALL_MAX_BYTES: String(config.thresholds.smallMaxBytes), LARGE_MAX_BYTES: String(config.thresholds.largeMaxBytes) };
    const destination: Record<string, string> = {
      DEST_BUCKET: config.destination.bucket,
      DEST_PREFIX: config.destination.prefix,
      DEST_LAYOUT: JSON.stringify(config.destination.layout),
      ...(config.destination.storageClass && { STORAGE_CLASS: config.destination.storageClass }),
    };
    const fn = (id: string, entry: string, description: string, more: Partial<ConstructorParameters<typeof BackupFunction>[2]> = {}) =>
      new BackupFunction(this, id, {
        entry,
        description,
        serviceName: SERVICE_NAME,
        metricsNamespace: METRICS_NAMESPACE,
        logRetention,
        ...more,
      });

    // Workflow steps. Each gets exactly the access its step needs.
    const prepare = fn('Prepare', 'handlers/prepare-backup.ts', 'Normalizes the execution input and names the GCS object', {
      environment: { ...destination, SKIP_PATTERNS: JSON.stringify(config.skipPatterns) },
    });
    const describe = fn('Describe', 'handlers/describe-object.ts', 'HeadObject for events without size or ETag', {
      environment: destination,
    });
    sources.grantRead(describe.role);
    const copier = (tier: 'small' | 'large') => {
      const copy = fn(tier === 'small' ? 'SmallCopier' : 'LargeCopier', 'handlers/copy-object.ts', `Copies objects to GCS (${tier} tier)`, {
        memoryMiB: config.tiers[tier].memoryMiB,
        timeout: Duration.seconds(config.tiers[tier].timeoutSeconds),
        // Throttled beyond this, which the state machine retries in place (asl/README.md, "Retry and escalation").
        reservedConcurrency: config.tiers[tier].reservedConcurrency,
        environment: { TIER: tier, ...destination, ...routing, ...gcs.environment, ...engineEnvironment(config.tiers[tier]) },
        // SIMD CRC32C for end-to-end integrity (workflows/copy/checksums.ts); a native addon.
        nativeModules: ['@node-rs/crc32'],
      });
      sources.grantRead(copy.role);
      gcs.grantRead(copy.role);
      return copy;
    };
    const small = copier('small');
    const large = copier('large');

    const heavy = new HeavyTask(this, 'Heavy', {
      tier: config.tiers.heavy,
      environment: {
        TIER: 'heavy',
        // The task stops itself before this and reports TierCapacityExceeded, instead of being timed out silently.
        DEADLINE_SECONDS: String(config.tiers.heavy.timeoutSeconds),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...destination,
        ...routing,
        ...gcs.environment,
        ...engineEnvironment(config.tiers.heavy),
      },
      logRetention,
    });
    sources.grantRead(heavy.taskDefinition.taskRole);
    gcs.grantRead(heavy.taskDefinition.taskRole);

    // "Wait for a heavy slot": one check at a time (reserved concurrency 1), so two executions never take the last slot.
    const heavySlot = fn('HeavySlot', 'handlers/heavy-slot.ts', 'Waits until fewer heavy tasks run than the stage allows', {
      reservedConcurrency: 1,
      environment: {
        HEAVY_CLUSTER_ARN: heavy.cluster.clusterArn,
        HEAVY_TASK_FAMILY: heavy.taskDefinition.family,
        MAX_HEAVY_TASKS: String(config.tiers.heavy.maxRunning),
      },
    });
    heavySlot.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CountTheHeavyTasks',
        actions: ['ecs:ListTasks'],
        // ListTasks is authorized on container instances (none on Fargate); the cluster condition scopes it.
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': heavy.cluster.clusterArn } },
      }),
    );
    Validations.of(heavySlot.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecs:ListTasks has no task resource type; it is limited to the heavy cluster by the ecs:cluster condition.',
    });

    const alerts = new AlertTopic(this, 'Alerts', { displayName: `S3 to GCS backup (${config.stage})`, email: config.alerts.email });
    const slackWebhook: SlackWebhookSource | undefined =
      config.alerts.slackWebhookParameterName !== undefined
        ? { parameterName: config.alerts.slackWebhookParameterName }
        : config.alerts.slackWebhookSecretName !== undefined
          ? { secretName: config.alerts.slackWebhookSecretName }
          : undefined;
    if (slackWebhook) {
      new SlackNotifier(this, 'SlackNotifier', {
        topic: alerts.topic,
        webhook: slackWebhook,
        serviceName: SERVICE_NAME,
        metricsNamespace: METRICS_NAMESPACE,
        logRetention,
      });
    }

    // Every ${Name} in asl/backup-object.asl.json; BackupStateMachine fails synth if this and the file disagree.
    const aliases: Record<string, lambda.IFunction> = {
      PrepareFunctionArn: prepare.alias,
      DescribeFunctionArn: describe.alias,
      SmallCopyFunctionArn: small.alias,
      LargeCopyFunctionArn: large.alias,
      HeavySlotFunctionArn: heavySlot.alias,
      // Deletes (mirror policy) run the copy handler's delete action on the small copier: same code and credentials.
      DeleteFunctionArn: small.alias,
    };
    this.workflow = new BackupStateMachine(this, 'Workflow', {
      definitionFile: props.definitionFile ?? BACKUP_OBJECT_ASL,
      stateMachineName: `${prefix}-object`,
      logRetention,
      substitutions: {
        ...Object.fromEntries(Object.entries(aliases).map(([name, alias]) => [name, alias.functionArn])),
        SmallMaxBytes: String(config.thresholds.smallMaxBytes),
        LargeMaxBytes: String(config.thresholds.largeMaxBytes),
        HeavyClusterArn: heavy.cluster.clusterArn,
        HeavyTaskDefinitionArn: heavy.taskDefinition.taskDefinitionArn,
        HeavyContainerName: heavy.container.containerName,
        HeavySubnetIds: heavy.vpc.publicSubnets.map((s) => s.subnetId).join(','),
        HeavySecurityGroupIds: heavy.securityGroup.securityGroupId,
        // Public subnets without NAT: the task needs a public IP to pull its image and reach GCS and Step Functions.
        HeavyAssignPublicIp: 'ENABLED',
        DeletePolicy: config.deletePolicy,
      },
    });
    const role = this.workflow.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeTheWorkflowStepsByAlias',
        actions: ['lambda:InvokeFunction'],
        resources: [...new Set(Object.values(aliases))].map((alias) => alias.functionArn),
      }),
    );
    heavy.grantRun(role);
    // Failures end the execution at the state that failed (so a redrive re-runs it); the alert is published from outside.
    const executionAlerts = new ExecutionAlerts(this, 'ExecutionAlerts', {
      stateMachine: this.workflow.stateMachine,
      alerts,
      flood: config.alerts.flood,
      serviceName: SERVICE_NAME,
      metricsNamespace: METRICS_NAMESPACE,
      logRetention,
    });
    // The heavy task reports its outcome (or named error) and heartbeats with its task token.
    this.workflow.stateMachine.grantTaskResponse(heavy.taskDefinition.taskRole);

    // `s3gcs backfill --distributed`: existing objects, one backup-object execution each, started from AWS.
    this.backfill = new BackfillStateMachine(this, 'Backfill', {
      definitionFile: BACKFILL_ASL,
      stateMachineName: `${prefix}-backfill`,
      backupStateMachine: this.workflow.stateMachine,
      sources,
      logRetention,
    });

    // express-first: the intake starts the Express fast path, which hands what it does not finish to the workflow
    // under the same name. standard-only: the intake starts the workflow itself. Replays go to the workflow either way.
    if (config.executionMode === 'express-first') {
      const fastAliases = { PrepareFunctionArn: prepare.alias, SmallCopyFunctionArn: small.alias, DeleteFunctionArn: small.alias };
      this.fastPath = new FastPathStateMachine(this, 'FastPath', {
        definitionFile: FAST_PATH_ASL,
        stateMachineName: `${prefix}-fast-path`,
        logRetention,
        alertTopic: alerts.topic,
        backupStateMachine: this.workflow.stateMachine,
        substitutions: {
          ...Object.fromEntries(Object.entries(fastAliases).map(([name, alias]) => [name, alias.functionArn])),
          SmallMaxBytes: String(config.thresholds.smallMaxBytes),
          DeletePolicy: config.deletePolicy,
          BackupStateMachineArn: this.workflow.stateMachine.stateMachineArn,
        },
      });
      this.fastPath.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'InvokeTheFastPathStepsByAlias',
          actions: ['lambda:InvokeFunction'],
          resources: [...new Set(Object.values(fastAliases))].map((alias) => alias.functionArn),
        }),
      );
    }

    const intake = new Intake(this, 'Intake', {
      sources,
      mode: config.intake,
      includeDeletes: config.deletePolicy === 'mirror',
      stateMachine: this.fastPath?.stateMachine ?? this.workflow.stateMachine,
      ...(this.fastPath ? { countedStateMachine: this.workflow.stateMachine } : {}),
      skipPatterns: config.skipPatterns,
      maxConcurrency: config.intakeMaxConcurrency,
      maxExecutionsInFlight: config.maxExecutionsInFlight,
      serviceName: SERVICE_NAME,
      metricsNamespace: METRICS_NAMESPACE,
      logRetention,
    });

    const alarms = new BackupAlarms(this, 'Alarms', {
      topic: alerts.topic,
      stateMachine: this.workflow.stateMachine,
      queue: intake.queue,
      deadLetterQueue: intake.deadLetterQueue,
      maxQueueAge: Duration.seconds(config.alerts.maxQueueAgeSeconds),
      eventRules: intake.rules,
      undeliveredEvents: intake.deliveryDeadLetterQueue,
      sourceBuckets: config.sourceBuckets.map((b) => b.name),
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      maxSourceGonePerHour: config.alerts.maxSourceGonePerHour,
      maxSupersededPerHour: config.alerts.maxSupersededPerHour,
    });
    // The scheduled reconciliation: repairs what lost events missed (workflows/reconcile, `s3gcs reconcile`).
    let reconciliation: Reconciliation | undefined;
    let reconcileRole: iam.IRole | undefined;
    if (config.reconcile) {
      const reconcileFn = fn('Reconcile', 'handlers/reconcile.ts', 'Starts the backup workflow for objects the events missed', {
        memoryMiB: 1024,
        timeout: Duration.minutes(15),
        // One run at a time: two would start the same repairs (deduplicated by name, but twice the listing).
        reservedConcurrency: 1,
        environment: {
          STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
          ...destination,
          SKIP_PATTERNS: JSON.stringify(config.skipPatterns),
          RECONCILE_SOURCES: JSON.stringify(
            config.sourceBuckets.map((b, i) => {
              // The inventory is configured by the bucket's configured name; a created bucket's physical name differs.
              const inventory = config.reconcile!.inventory[props.config.sourceBuckets[i]!.name];
              return { bucket: b.name, prefixes: b.prefixes.length > 0 ? b.prefixes : [''], ...(inventory && { inventory }) };
            }),
          ),
          RECONCILE_RATE: String(config.reconcile.ratePerSecond),
          ...gcs.environment,
        },
      });
      gcs.grantRead(reconcileFn.role);
      reconcileRole = reconcileFn.role;
      reconciliation = new Reconciliation(this, 'Reconciliation', {
        fn: reconcileFn,
        sources,
        stateMachine: this.workflow.stateMachine,
        schedule: config.reconcile.schedule,
        inventory: config.reconcile.inventory,
        topic: alerts.topic,
        metricsNamespace: METRICS_NAMESPACE,
        serviceName: SERVICE_NAME,
      });
    }

    const dashboard = new BackupDashboard(this, 'Dashboard', {
      dashboardName: prefix,
      stateMachine: this.workflow.stateMachine,
      heavyLogGroup: heavy.logGroup,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      queue: intake.queue,
      deadLetterQueue: intake.deadLetterQueue,
      alertTopic: alerts.topic,
      alarms: [...alarms.all, executionAlerts.deadLetters, executionAlerts.deliveryFailed, ...(reconciliation?.alarms ?? []), ...(this.fastPath ? [this.fastPath.failedAlarm] : [])],
    });

    let drillRole: iam.IRole | undefined;
    if (config.restoreDrill) {
      const drill = new RestoreDrill(this, 'RestoreDrill', {
        ...config.restoreDrill,
        destination,
        gcsEnvironment: gcs.environment,
        grantGcs: (grantee) => gcs.grantRead(grantee),
        grantSourceRead: (role) => sources.grantRead(role),
        alerts,
        stage: config.stage,
        serviceName: SERVICE_NAME,
        metricsNamespace: METRICS_NAMESPACE,
        logRetention,
      });
      drillRole = drill.function.role;
      new CfnOutput(this, 'RestoreDrillRoleName', {
        value: drill.function.role.roleName,
        description: 'Signs in to Google Cloud to READ the backups: allow it in the Workload Identity pool with a read-only binding (docs/deploy.md)',
      });
      new CfnOutput(this, 'RestoreDrillScratchBucket', { value: drill.scratchBucket.bucketName, description: 'Where the weekly restore drill restores its sample' });
    }

    giveDeployTimeHandlersLogRetention(this, logRetention);

    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn, description: 'Replays: aws stepfunctions start-execution --state-machine-arn <this> --input \'{"bucket":"B","key":"K"}\'' });
    // Read by the CLI from `cdk deploy --outputs-file` (workflows/cli/target.ts): backfill --distributed and verify.
    new CfnOutput(this, 'BackfillStateMachineArn', {
      value: this.backfill.stateMachine.stateMachineArn,
      description: 'Backfills existing objects: s3gcs backfill --stack-outputs outputs.json s3://BUCKET/PREFIX/ --distributed',
    });
    if (this.fastPath) {
      new CfnOutput(this, 'FastPathStateMachineArn', { value: this.fastPath.stateMachine.stateMachineArn, description: 'The Express fast path the intake starts (executionMode express-first)' });
      new CfnOutput(this, 'FastPathLogGroupName', { value: this.fastPath.logGroup.logGroupName, description: 'The fast path executions (their only record): Logs Insights or the Step Functions console' });
    }
    new CfnOutput(this, 'BackfillReportBucket', { value: this.backfill.reportBucket.bucketName, description: 'Per-item results of distributed backfills' });
    new CfnOutput(this, 'DestinationBucket', { value: config.destination.bucket, description: 'The GCS bucket holding the backups' });
    // CloudFormation refuses an empty output value; the CLI reads a missing DestinationPrefix as ''.
    if (config.destination.prefix) new CfnOutput(this, 'DestinationPrefix', { value: config.destination.prefix, description: 'Prepended to every destination name' });
    new CfnOutput(this, 'DestinationLayout', {
      value: JSON.stringify(config.destination.layout),
      description: 'How source buckets and keys become destination names (DEST_LAYOUT; s3gcs verify reads it)',
    });
    new CfnOutput(this, 'AlertTopicArn', { value: alerts.topic.topicArn, description: 'Subscribe to receive alerts' });
    // Every role that signs in to Google: the copiers, and the reconciliation (it lists the backups).
    const googleRoles: iam.IRole[] = [small.role, large.role, heavy.taskDefinition.taskRole, ...(reconcileRole ? [reconcileRole] : [])];
    new CfnOutput(this, 'GcsCopierRoleNames', {
      value: googleRoles.map((r) => r.roleName).join(','),
      description: 'The IAM roles that sign in to Google Cloud: allow these in the Workload Identity pool (docs/deploy.md)',
    });
    new CfnOutput(this, 'GcsWifAttributeCondition', {
      // The drill signs in too (read-only binding), so the provider must admit it as well.
      value: gcs.attributeConditionFor([...googleRoles, ...(drillRole ? [drillRole] : [])]),
      description: "The Workload Identity pool provider's attribute condition admitting only the roles that sign in to Google (docs/deploy.md)",
    });
    new CfnOutput(this, 'IntakeQueueUrl', { value: intake.queue.queueUrl });
    new CfnOutput(this, 'IntakeDeadLetterQueueUrl', { value: intake.deadLetterQueue.queueUrl });
    if (intake.deliveryDeadLetterQueue) {
      new CfnOutput(this, 'UndeliveredEventsQueueUrl', {
        value: intake.deliveryDeadLetterQueue.queueUrl,
        description: 'S3 events EventBridge could not deliver to the intake queue (alarmed)',
      });
    }
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
  }
}
