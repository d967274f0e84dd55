import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { AlertTopic } from './alerting';
import { BackupFunction } from './backup-function';
import { nagResourceName } from './nag';

export interface RestoreDrillProps {
  /** Backups restored per drill. */
  readonly sample: number;
  /** EventBridge Scheduler expression, e.g. 'rate(7 days)'. */
  readonly schedule: string;
  /** The destination settings the copiers get (DEST_BUCKET, DEST_PREFIX, …): the drill samples all of the stage's backups. */
  readonly destination: Readonly<Record<string, string>>;
  /** GCS credential settings (GcsCredentials.environment) and who may read them. */
  readonly gcsEnvironment: Readonly<Record<string, string>>;
  readonly grantGcs: (grantee: iam.IGrantable) => void;
  /** Read access to the source buckets, to compare restored objects with their sources. */
  readonly grantSourceRead: (role: iam.Role) => void;
  /** Differences and failures are published here. */
  readonly alerts: Pick<AlertTopic, 'topic' | 'grantPublish'>;
  readonly stage: string;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The weekly restore drill (issue 14 §2): EventBridge Scheduler invokes a function (handlers/restore-drill.ts) that
 * restores a random sample of backups into a scratch bucket of its own, proves every byte and header, removes the
 * copies and publishes to the alert topic on any difference. The scratch bucket is not a source (its copies are never
 * backed up) and expires anything a failed drill left behind after a day.
 */
export class RestoreDrill extends Construct {
  public readonly function: BackupFunction;
  public readonly scratchBucket: s3.Bucket;
  public readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RestoreDrillProps) {
    super(scope, id);
    this.scratchBucket = new s3.Bucket(this, 'Scratch', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.scratchBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Scratch copies that live for one drill and are deleted by it (or expire after a day); access logs would outlive the data.',
    });
    this.function = new BackupFunction(this, 'Function', {
      entry: 'handlers/restore-drill.ts',
      description: 'Restores a random sample of backups, proves them byte for byte, alerts on differences',
      serviceName: props.serviceName,
      metricsNamespace: props.metricsNamespace,
      logRetention: props.logRetention,
      memoryMiB: 1024,
      timeout: Duration.minutes(15),
      reservedConcurrency: 1,
      nativeModules: ['@node-rs/crc32'],
      environment: {
        ...props.destination,
        ...props.gcsEnvironment,
        DRILL_SCRATCH_BUCKET: this.scratchBucket.bucketName,
        DRILL_SAMPLE: String(props.sample),
        ALERT_TOPIC_ARN: props.alerts.topic.topicArn,
        STAGE: props.stage,
      },
    });
    // Exactly what a restore into the scratch bucket and its clean-up need (HeadBucket is s3:ListBucket).
    const scratchObjects = this.scratchBucket.arnForObjects('*');
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], resources: [scratchObjects] }),
    );
    this.function.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.scratchBucket.bucketArn] }));
    Validations.of(this.function.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, scratchObjects)}]`,
      reason: 'Object ARNs need a trailing wildcard; the drill writes and deletes only in its own scratch bucket.',
    });
    props.grantSourceRead(this.function.role);
    props.grantGcs(this.function.role);
    props.alerts.grantPublish(this.function.role);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(props.schedule),
      description: `Restore drill of the ${props.stage} backups (s3gcs drill)`,
      // One attempt: a failed drill has already alerted; retrying would restore another sample on top.
      target: new targets.LambdaInvoke(this.function.alias, { retryAttempts: 0 }),
    });
  }
}
