import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ruleDeliveryAlarm, type AlertTopic } from './alerting';
import { BackupFunction } from './backup-function';
import { nagResourceName } from './nag';

export interface ExecutionAlertsProps {
  /** The backup state machine (a StateMachine, not an import: its name scopes the execution ARNs). */
  readonly stateMachine: sfn.StateMachine;
  readonly alerts: AlertTopic;
  readonly flood: { readonly maxAlerts: number; readonly windowSeconds: number };
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Alerts from outside the execution (handlers/alert-execution.ts): the state machine lets a failure end the execution
 * at the state that failed (so a redrive re-runs it), and this rule turns each FAILED, TIMED_OUT or ABORTED status
 * change into an alert on the topic. EventBridge retries a failed invocation for up to a day and then parks the event
 * in a dead-letter queue whose depth alarms: an alert can be late, never lost silently.
 */
export class ExecutionAlerts extends Construct {
  public readonly function: BackupFunction;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetters: cloudwatch.Alarm;
  /** The rule's FailedInvocations: status changes it could not deliver to the alert function (parked in the DLQ, or lost). */
  public readonly deliveryFailed: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ExecutionAlertsProps) {
    super(scope, id);
    const machineArn = props.stateMachine.stateMachineArn;
    this.function = new BackupFunction(this, 'Function', {
      entry: 'handlers/alert-execution.ts',
      description: 'Publishes an alert for each backup execution that failed, timed out or was aborted',
      serviceName: props.serviceName,
      metricsNamespace: props.metricsNamespace,
      logRetention: props.logRetention,
      timeout: Duration.seconds(60),
      environment: {
        ALERT_TOPIC_ARN: props.alerts.topic.topicArn,
        FLOOD_MAX_ALERTS: String(props.flood.maxAlerts),
        FLOOD_WINDOW_SECONDS: String(props.flood.windowSeconds),
      },
    });
    const role = this.function.role;
    // Executions are named per object, so their ARNs are known only as arn:…:execution:<machine name>:*
    // (the machine ARN is a token here: it cannot be rewritten as a string).
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadEndedExecutions', actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: [executions] }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'CountFailuresForFloodControl', actions: ['states:ListExecutions'], resources: [machineArn] }));
    props.alerts.grantPublish(role);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, executions)}]`,
      reason: "Executions of this state machine only: their names are the objects' and not known in advance.",
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the EventBridge target (cdk-nag only recognises SQS redrive policies).',
    });

    this.rule = new events.Rule(this, 'ExecutionEnded', {
      description: 'A backup execution ended FAILED, TIMED_OUT or ABORTED: alert',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [machineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.function.alias, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );

    // The target grants EventBridge sqs:SendMessage conditioned on this rule's ARN; the account condition is added so
    // every service Allow in this stack carries aws:SourceAccount (the confused-deputy guard the security test checks).
    // Statement 0 is enforceSSL's Deny, statement 1 the target's Allow.
    const queuePolicy = this.deadLetterQueue.node.findChild('Policy') as sqs.QueuePolicy;
    (queuePolicy.node.defaultChild as sqs.CfnQueuePolicy).addPropertyOverride(
      'PolicyDocument.Statement.1.Condition.StringEquals',
      { 'aws:SourceAccount': Stack.of(this).account },
    );

    this.deadLetters = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription:
          'Failure alerts that could not be published (the alert function failed for a day). Each message is an execution event: read its executionArn, then `s3gcs executions --status FAILED`.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.deliveryFailed = ruleDeliveryAlarm(this, 'DeliveryFailedAlarm', this.rule, {
      label: 'Execution status changes EventBridge could not deliver to the alert function',
      description:
        'EventBridge gave up invoking the alert function for failed executions (FailedInvocations): their events are in the ' +
        "alert dead-letter queue, or lost if InvocationsFailedToBeSentToDlq counts too. Check the function's errors and " +
        'permission, then list the unalerted failures with `s3gcs executions --status FAILED`.',
    });
    const action = new SnsAction(props.alerts.topic);
    for (const alarm of [this.deadLetters, this.deliveryFailed]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
