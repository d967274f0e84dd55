import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RECONCILE_FOUND_METRIC } from '../../workflows/reconcile/report';
import type { BackupFunction } from './backup-function';
import { nagResourceName } from './nag';
import type { SourceBuckets } from './source-buckets';

export interface ReconciliationProps {
  /** A BackupFunction running handlers/reconcile.ts (built by the stack, like every function). */
  readonly fn: BackupFunction;
  readonly sources: SourceBuckets;
  /** The backup-object (Standard) state machine it starts. */
  readonly stateMachine: sfn.IStateMachine;
  /** EventBridge Scheduler expression. */
  readonly schedule: string;
  /** Per source bucket, the S3 Inventory folder to read instead of listing. (Default: none) */
  readonly inventory: Readonly<Record<string, string>>;
  readonly topic: sns.ITopic;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

/**
 * The scheduled reconciliation: EventBridge Scheduler invokes the reconcile function (its alias) on the stage's
 * schedule; the function lists each source bucket (ListObjectsV2, or its newest S3 Inventory report), compares it
 * with the backups and starts the backup workflow for what the events missed. Alarms go to the alert topic when a run
 * finds anything (ReconcileFound > 0 for a bucket) and when a run fails.
 */
export class Reconciliation extends Construct {
  public readonly schedule: scheduler.CfnSchedule;
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const role = props.fn.role;
    this.grantListSources(props);
    this.grantReadInventories(props.inventory, role);
    props.stateMachine.grantStartExecution(role);

    const invoker = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused-deputy guard: only schedules of this account may assume it.
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: invokes the reconciliation function',
    });
    props.fn.alias.grantInvoke(invoker);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: 'Reconciles the source buckets with their backups (s3gcs reconcile, run by the cloud)',
      scheduleExpression: props.schedule,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.fn.alias.functionArn,
        roleArn: invoker.roleArn,
        input: JSON.stringify({}),
        // A failed run is alarmed (Errors) and the next scheduled run does the same work: no retry storm on a big bucket.
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 3600 },
      },
    });

    const action = new SnsAction(props.topic);
    // By position: a bucket the stack creates has a deploy-time name (account and region), no construct id.
    const found = props.sources.names.map(
      (bucket, i) =>
        new cloudwatch.Alarm(this, `Found${i}`, {
          alarmDescription:
            `Reconciliation of s3://${bucket} found objects the events missed (or backups gone bad) and started their backups. ` +
            'See the function log line "Reconciliation found objects the events missed" for the keys, and why events were lost (intake DLQs, EventBridge rule).',
          metric: new cloudwatch.Metric({
            namespace: props.metricsNamespace,
            metricName: RECONCILE_FOUND_METRIC,
            dimensionsMap: { service: props.serviceName, bucket },
            statistic: 'Sum',
            period: Duration.hours(1),
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    const failed = new cloudwatch.Alarm(this, 'Failed', {
      alarmDescription: 'A scheduled reconciliation failed (a bucket could not be listed or compared, or the run timed out): what lost events missed stays missing until it runs.',
      metric: props.fn.alias.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [...found, failed];
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }

  /** ListObjectsV2 on each source bucket, under its configured prefixes only; no object reads (the comparison needs none). */
  private grantListSources(props: ReconciliationProps): void {
    for (const { config, bucket } of props.sources.buckets) {
      props.fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          ...(config.prefixes.length > 0 && { conditions: { StringLike: { 's3:prefix': config.prefixes.map((p) => `${p}*`) } } }),
        }),
      );
    }
  }

  /** The inventory folders: list them (to find the newest report) and read their manifests and CSV files. */
  private grantReadInventories(inventory: Readonly<Record<string, string>>, role: iam.IRole): void {
    for (const url of Object.values(inventory)) {
      const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url)!;
      const [bucket, prefix] = [m[1]!, m[2]!];
      // The manifest names its data files under <prefix-of-the-inventory>/<source>/<id>/data/, inside this folder.
      const objects = `arn:${Stack.of(this).partition}:s3:::${bucket}/${prefix}*`;
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, objects)}]`,
        reason: 'Inventory reports are read under the configured inventory folder only (object ARNs need a trailing wildcard).',
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [`arn:${Stack.of(this).partition}:s3:::${bucket}`], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
      );
    }
  }
}
