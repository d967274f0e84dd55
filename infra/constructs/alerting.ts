import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BackupEvent } from '../../workflows/backup/normalize';
import { SOURCE_GONE_METRIC, SUPERSEDED_METRIC } from '../../workflows/metrics';

export interface AlertTopicProps {
  /** Subscribed by e-mail (confirmed once by the recipient). (Default: no subscription) */
  readonly email?: string;
  /** Shown as the sender of e-mail alerts. */
  readonly displayName: string;
}

/**
 * Where every alert goes: the alert function (./execution-alerts.ts) publishes object-level failures here, and
 * CloudWatch alarms publish system-level ones. KMS-encrypted with a customer key (CloudWatch cannot publish through the
 * AWS-managed SNS key) and TLS-only.
 */
export class AlertTopic extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the s3-gcs-backup alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Alarms publish as the CloudWatch service, which needs the key to encrypt the message.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: props.displayName, masterKey: this.key, enforceSSL: true });
    // The topic policy replaces SNS's default one, so the alarms of this account are allowed explicitly.
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisAccountPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  /** Lets `grantee` (the alert function) publish alerts: sns:Publish on this topic plus the key use it needs. */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    // Publishing to an SSE topic: SNS generates a data key and decrypts it on the publisher's behalf.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }),
    );
  }
}

export interface BackupAlarmsProps {
  readonly topic: sns.ITopic;
  readonly stateMachine: sfn.IStateMachine;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Alarm when the oldest intake message is older than this. */
  readonly maxQueueAge: Duration;
  /** The EventBridge rules that deliver S3 events to the intake queue. (Default: none, S3 notifications) */
  readonly eventRules?: readonly events.IRule[];
  /** Where EventBridge puts the events it could not deliver to the intake queue. (Default: none, S3 notifications) */
  readonly undeliveredEvents?: sqs.IQueue;
  /** The source buckets, each alarmed on its own SourceGone and Superseded counts. */
  readonly sourceBuckets: readonly string[];
  /** Where the copiers publish (POWERTOOLS_METRICS_NAMESPACE) and their `service` dimension. */
  readonly metricsNamespace: string;
  readonly serviceName: string;
  /** Alarm when more executions than this for one bucket end source-gone within an hour. */
  readonly maxSourceGonePerHour: number;
  /** Alarm when more executions than this for one bucket end superseded within an hour. */
  readonly maxSupersededPerHour: number;
}

/**
 * An alarm on the first event `rule` gave up delivering to its target after its retry policy: FailedInvocations (the
 * event went to the target's dead-letter queue) plus InvocationsFailedToBeSentToDlq (it could not even go there: lost).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
 */
export function ruleDeliveryAlarm(scope: Construct, id: string, rule: events.IRule, text: { label: string; description: string }): cloudwatch.Alarm {
  const period = Duration.minutes(5);
  const ruleMetric = (metricName: string) =>
    new cloudwatch.Metric({ namespace: 'AWS/Events', metricName, dimensionsMap: { RuleName: rule.ruleName }, period, statistic: 'Sum' });
  return new cloudwatch.MathExpression({
    expression: 'FILL(failed, 0) + FILL(lost, 0)',
    usingMetrics: { failed: ruleMetric('FailedInvocations'), lost: ruleMetric('InvocationsFailedToBeSentToDlq') },
    label: text.label,
    period,
  }).createAlarm(scope, id, {
    alarmDescription: text.description,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** The origins a SourceGone/Superseded data point is published under (its `origin` dimension; workflows/metrics.ts). */
export const EVENT_ORIGINS: readonly BackupEvent['origin'][] = ['s3-notification', 'eventbridge', 'manual'];

/**
 * The system-level alarms, each publishing to the alert topic when it fires and when it recovers:
 * executions that failed, timed out or were aborted (covers alerts the alert function could not publish);
 * messages in the intake DLQ (events that could not start an execution); intake lag (the queue is not draining);
 * EventBridge failing to deliver S3 events to the queue (each rule's FailedInvocations) and the events it parked in
 * its delivery DLQ; and per source bucket, executions ending source-gone or superseded faster than the stage allows
 * (they succeed without an alert, so a rate is the only signal).
 */
export class BackupAlarms extends Construct {
  public readonly executionsFailed: cloudwatch.Alarm;
  public readonly deadLetters: cloudwatch.Alarm;
  public readonly intakeLag: cloudwatch.Alarm;
  /** One per EventBridge rule: FailedInvocations (and events that could not even reach the DLQ). */
  public readonly eventDeliveryFailed: cloudwatch.Alarm[];
  public readonly undeliveredEvents: cloudwatch.Alarm | undefined;
  /** One per source bucket and outcome (SourceGone, Superseded). */
  public readonly benignEndings: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: BackupAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const failed = new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      usingMetrics: {
        failed: props.stateMachine.metricFailed({ period, statistic: 'Sum' }),
        timedOut: props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        aborted: props.stateMachine.metricAborted({ period, statistic: 'Sum' }),
      },
      label: 'Executions failed, timed out or aborted',
      period,
    });
    this.executionsFailed = failed.createAlarm(this, 'ExecutionsFailed', {
      alarmDescription: 'Backup executions ended FAILED, TIMED_OUT or ABORTED: objects not copied. See the console; redrive or replay them.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetters = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLetters', {
        alarmDescription: 'S3 events in the intake dead-letter queue could not start an execution. Inspect, fix, then redrive the DLQ.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.intakeLag = props.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'IntakeLag', {
        alarmDescription: `The oldest S3 event has waited more than ${props.maxQueueAge.toSeconds()} s: the intake is not keeping up or is failing.`,
        threshold: props.maxQueueAge.toSeconds(),
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.eventDeliveryFailed = (props.eventRules ?? []).map((rule, i) =>
      ruleDeliveryAlarm(this, `EventDeliveryFailed${i}`, rule, {
        label: 'S3 events EventBridge could not deliver to the intake queue',
        description:
          'EventBridge could not deliver S3 events to the intake queue (FailedInvocations): they are in the undelivered-events ' +
          'queue, or lost if InvocationsFailedToBeSentToDlq counts too. Check the intake queue policy and key, then replay them.',
      }),
    );
    this.undeliveredEvents = props.undeliveredEvents
      ?.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'UndeliveredEvents', {
        alarmDescription:
          'S3 events EventBridge could not deliver to the intake queue wait in the undelivered-events queue: no execution ' +
          'was started for them. Fix the delivery, then send each message body (the S3 event, as EventBridge delivers it) to the intake queue.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.benignEndings = props.sourceBuckets.flatMap((bucket, i) => [
      this.endingRateAlarm(`SourceGone${i}`, props, bucket, SOURCE_GONE_METRIC, props.maxSourceGonePerHour,
        `Executions for s3://${bucket} end source-gone (S3 has no object under the event's key) more than ${props.maxSourceGonePerHour} times an hour: ` +
          'check key encoding, prefixes and read permission; these objects are not backed up.'),
      this.endingRateAlarm(`Superseded${i}`, props, bucket, SUPERSEDED_METRIC, props.maxSupersededPerHour,
        `Executions for s3://${bucket} end superseded (the object changed before it was copied) more than ${props.maxSupersededPerHour} times an hour: ` +
          'a writer rewrites objects faster than they are backed up; check that the newer versions reach GCS.'),
    ]);

    const action = new SnsAction(props.topic);
    for (const alarm of this.all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  get all(): cloudwatch.Alarm[] {
    return [
      this.executionsFailed,
      this.deadLetters,
      this.intakeLag,
      ...this.eventDeliveryFailed,
      ...(this.undeliveredEvents ? [this.undeliveredEvents] : []),
      ...this.benignEndings,
    ];
  }

  /** Alarm when `metricName` (summed over the event origins) for `bucket` exceeds `maxPerHour` within an hour. */
  private endingRateAlarm(id: string, props: BackupAlarmsProps, bucket: string, metricName: string, maxPerHour: number, description: string): cloudwatch.Alarm {
    const period = Duration.hours(1);
    const byOrigin = Object.fromEntries(
      EVENT_ORIGINS.map((origin, j) => [
        `o${j}`,
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName,
          dimensionsMap: { service: props.serviceName, bucket, origin },
          period,
          statistic: 'Sum',
        }),
      ]),
    );
    return new cloudwatch.MathExpression({
      expression: Object.keys(byOrigin).map((m) => `FILL(${m}, 0)`).join(' + '),
      usingMetrics: byOrigin,
      label: `${metricName} of ${bucket} per hour`,
      period,
    }).createAlarm(this, id, {
      alarmDescription: description,
      threshold: maxPerHour,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
