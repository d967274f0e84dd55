import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IntakeMode } from '../config/types';
import { INTAKE_BATCH_SIZE } from '../config/validate';
import { BackupFunction } from './backup-function';
import type { SourceBuckets } from './source-buckets';

export interface IntakeProps {
  readonly sources: SourceBuckets;
  /** 'eventbridge' or 's3-notifications' (see IntakeMode). */
  readonly mode: IntakeMode;
  /** Route Object Deleted / ObjectRemoved events too (only useful with the 'mirror' delete policy). */
  readonly includeDeletes: boolean;
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The state machine whose RUNNING executions the in-flight bound counts (Default: `stateMachine`). With the Express
   * fast path first, the Standard machine: ListExecutions refuses Express machines, and hand-offs run there.
   */
  readonly countedStateMachine?: sfn.IStateMachine;
  readonly skipPatterns: readonly string[];
  /** Most starter invocations at once; paces the StartExecution rate (sized from the copiers' concurrency by validation). */
  readonly maxConcurrency: number;
  /** Most executions RUNNING at once: the starters start one only below it (workflows/backup/in-flight-gate.ts). */
  readonly maxExecutionsInFlight: number;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * How long and how often EventBridge retries delivering an event to the intake queue before it gives up and puts it
 * in the delivery dead-letter queue: the service's maxima (24 h, 185 attempts), stated so a change is deliberate.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 */
export const EVENT_DELIVERY_RETRY = { maxEventAge: Duration.hours(24), retryAttempts: 185 } as const;

/**
 * S3 events → encrypted SQS queue (14-day retention, DLQ) → start-executions Lambda → one execution per object.
 * The queue absorbs bursts: the starter's concurrency is capped, and it starts an execution only while fewer than
 * `maxExecutionsInFlight` run (workflows/backup/in-flight-gate.ts), so a flood of events waits in the queue instead of
 * becoming executions that retry throttled copiers; a message that keeps failing lands in the DLQ (alarmed) rather
 * than being dropped.
 * With EventBridge intake, an event EventBridge cannot deliver to the queue (after its retry policy) lands in a
 * delivery dead-letter queue (alarmed too, as is the rules' FailedInvocations), instead of being dropped.
 */
export class Intake extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly key: kms.Key;
  public readonly starter: BackupFunction;
  /** The EventBridge rules routing S3 events to the queue (none with 's3-notifications'). */
  public readonly rules: events.Rule[] = [];
  /**
   * Events EventBridge could not deliver to the queue after EVENT_DELIVERY_RETRY ('eventbridge' intake only).
   * Encrypted with SQS-managed keys, not the intake key: it must still accept events when the intake key or queue is
   * what fails, and EventBridge gets no key policy for it. It holds what the queue would have: S3 event envelopes.
   */
  public readonly deliveryDeadLetterQueue: sqs.Queue | undefined;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);
    // Long enough to wait for capacity within an invocation (the bound on executions in flight): a message still
    // waiting 30 s before the end is sent back to the queue, delayed.
    const starterTimeout = Duration.minutes(5);

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the s3-gcs-backup intake queues',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Lambda's guidance: at least 6x the function timeout, so a slow batch is not redelivered while still running.
      visibilityTimeout: Duration.seconds(starterTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.deliveryDeadLetterQueue =
      props.mode === 'eventbridge'
        ? new sqs.Queue(this, 'UndeliveredEvents', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
        : undefined;
    if (this.deliveryDeadLetterQueue) {
      Validations.of(this.deliveryDeadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: "It is a dead-letter queue: EventBridge's, for the rules' targets (DeadLetterConfig), which cdk-nag does not recognize as one.",
      });
    }
    this.routeEvents(props, this.deliveryDeadLetterQueue);
    this.acknowledgeNotificationsHandler();

    this.starter = new BackupFunction(this, 'StartExecutions', {
      entry: 'handlers/start-executions.ts',
      description: 'Starts one backup execution per S3 object event',
      serviceName: props.serviceName,
      metricsNamespace: props.metricsNamespace,
      logRetention: props.logRetention,
      timeout: starterTimeout,
      environment: {
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        SKIP_PATTERNS: JSON.stringify(props.skipPatterns),
        MAX_EXECUTIONS_IN_FLIGHT: String(props.maxExecutionsInFlight),
        INTAKE_MAX_CONCURRENCY: String(props.maxConcurrency),
        INTAKE_QUEUE_URL: this.queue.queueUrl,
        ...(props.countedStateMachine ? { COUNTED_STATE_MACHINE_ARN: props.countedStateMachine.stateMachineArn } : {}),
      },
    });
    props.stateMachine.grantStartExecution(this.starter.role);
    // Counting RUNNING executions (ListExecutions is granted on the state machine ARN), and sending a message that
    // waited for capacity back to the queue (sqs:SendMessage + the intake key).
    this.starter.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'CountRunningExecutions', actions: ['states:ListExecutions'], resources: [(props.countedStateMachine ?? props.stateMachine).stateMachineArn] }),
    );
    this.starter.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendWaitingMessagesBack', actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    // SendMessage to a KMS-encrypted queue: a data key from the intake key (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    this.starter.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'EncryptWaitingMessages', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }),
    );
    this.starter.alias.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INTAKE_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
  }

  /**
   * Turning on a bucket's EventBridge delivery (or adding a notification) goes through CDK's BucketNotificationsHandler,
   * a stack-wide singleton Lambda that merges our configuration into the bucket's existing one.
   */
  private acknowledgeNotificationsHandler(): void {
    const stack = Stack.of(this);
    for (const child of stack.node.children.filter((c) => c.node.id.startsWith('BucketNotificationsHandler'))) {
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's BucketNotificationsHandler (runs only during deployment, to merge our notification settings into the " +
          "bucket's existing ones) comes with the basic execution policy; its role is not configurable.",
      });
    }
  }

  private routeEvents(props: IntakeProps, undelivered: sqs.IQueue | undefined): void {
    for (const [i, { config, bucket }] of props.sources.buckets.entries()) {
      if (undelivered) {
        bucket.enableEventBridgeNotification();
        const rule = new events.Rule(this, `Bucket${i}Events`, {
          description: `S3 object events of ${config.name} to the backup intake queue`,
          eventPattern: {
            source: ['aws.s3'],
            detailType: props.includeDeletes ? ['Object Created', 'Object Deleted'] : ['Object Created'],
            detail: {
              bucket: { name: [config.name] },
              ...(config.prefixes.length > 0 && { object: { key: config.prefixes.map((prefix) => ({ prefix })) } }),
            },
          },
          targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: undelivered, ...EVENT_DELIVERY_RETRY })],
        });
        this.rules.push(rule);
      } else {
        const destination = new s3n.SqsDestination(this.queue);
        // One configuration per prefix (S3 filters take a single prefix); none = the whole bucket.
        const filterSets: s3.NotificationKeyFilter[][] = config.prefixes.length > 0 ? config.prefixes.map((prefix) => [{ prefix }]) : [[]];
        for (const filters of filterSets) {
          bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, ...filters);
          if (props.includeDeletes) bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, destination, ...filters);
        }
      }
    }
  }
}
