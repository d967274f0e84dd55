import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

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
}

/**
 * The system-level alarms, each publishing to the alert topic when it fires and when it recovers:
 * executions that failed, timed out or were aborted (covers alerts the alert function could not publish);
 * messages in the intake DLQ (events that could not start an execution); and intake lag (the queue is not draining).
 */
export class BackupAlarms extends Construct {
  public readonly executionsFailed: cloudwatch.Alarm;
  public readonly deadLetters: cloudwatch.Alarm;
  public readonly intakeLag: cloudwatch.Alarm;

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
    const action = new SnsAction(props.topic);
    for (const alarm of [this.executionsFailed, this.deadLetters, this.intakeLag]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  get all(): cloudwatch.Alarm[] {
    return [this.executionsFailed, this.deadLetters, this.intakeLag];
  }
}
