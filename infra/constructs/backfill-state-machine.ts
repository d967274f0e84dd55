import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { loadAslDefinition } from './asl-definition';
import { stateMachineLogGroup } from './state-machine-logs';
import { nagResourceName } from './nag';
import type { SourceBuckets } from './source-buckets';

/** Where asl/backfill.asl.json's ResultWriter puts its reports (the file names it; the role may write only there). */
export const BACKFILL_REPORT_PREFIX = 'backfill-reports/';

export interface BackfillStateMachineProps {
  /** Path of the ASL file (asl/backfill.asl.json). */
  readonly definitionFile: string;
  /** Also fixes the log group's name. */
  readonly stateMachineName: string;
  /** The per-object workflow each listed object is handed to (its name scopes the grants to wait for its executions). */
  readonly backupStateMachine: sfn.StateMachine;
  /** The only buckets (and configured prefixes) the Distributed Map may list. */
  readonly sources: SourceBuckets;
  readonly logRetention: logs.RetentionDays;
  /** How long per-item reports are kept. (Default: 90 days) */
  readonly reportRetention?: Duration;
}

/**
 * The distributed backfill (`s3gcs backfill --distributed`): a Standard state machine running asl/backfill.asl.json, a
 * Distributed Map whose ItemReader lists a source bucket and whose Standard child executions each run one backup-object
 * execution to its end (.sync), so the Map's concurrency bounds the backups in flight; per-item results go to a report
 * bucket created here. Logs ALL with execution data and traces
 * with X-Ray like the per-object workflow (a child's few log events cost about 1 % of the backup execution it starts).
 * Its role starts empty; each grant below is one the ASL needs, and nothing else.
 */
export class BackfillStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly reportBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BackfillStateMachineProps) {
    super(scope, id);
    this.reportBucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: props.reportRetention ?? Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const substitutions = {
      BackupStateMachineArn: props.backupStateMachine.stateMachineArn,
      BackfillReportBucket: this.reportBucket.bucketName,
    };
    const definition = loadAslDefinition(props.definitionFile, substitutions);

    this.logGroup = stateMachineLogGroup(this, 'Logs', { stateMachineName: props.stateMachineName, retention: props.logRetention });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      role: this.role,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    this.grantRunBackups(props.backupStateMachine);
    this.grantListSources(props.sources);
    this.grantWriteReports();
    this.grantRunOwnChildren(props.stateMachineName);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups, …) and X-Ray ' +
        '(PutTraceSegments, GetSamplingRules, …) support no resource-level permissions; CDK adds exactly these.',
    });
    Validations.of(this.reportBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "Holds only this state machine's per-item backfill results, written by its role alone and expiring; " +
        'access logs would record nothing but those writes (CloudTrail has the API calls).',
    });
  }

  /**
   * "Back up the object" (child executions run with this role) starts one backup and waits for it with
   * startExecution.sync:2, which AWS documents as needing StartExecution on the state machine, DescribeExecution and
   * StopExecution on its executions, and PutTargets/PutRule/DescribeRule on the managed rule through which Step Functions
   * learns that the execution finished (https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html).
   */
  private grantRunBackups(backup: sfn.StateMachine): void {
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${backup.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const rule = stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StartOneBackupPerObject', actions: ['states:StartExecution'], resources: [backup.stateMachineArn] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'WaitForEachBackup', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'LearnWhenEachBackupEnds', actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], resources: [rule] }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, executions)}]`,
      reason: 'Backup execution names are per object; the wildcard covers only executions of the backup state machine.',
    });
  }

  /**
   * The ItemReader (ListObjectsV2): s3:ListBucket on each source bucket, and where the stage backs up only some prefixes,
   * only listings under them — a backfill of keys the copiers may not read would only end in alerts.
   */
  private grantListSources(sources: SourceBuckets): void {
    for (const { config, bucket } of sources.buckets) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          ...(config.prefixes.length > 0 && { conditions: { StringLike: { 's3:prefix': config.prefixes.map((p) => `${p}*`) } } }),
        }),
      );
    }
  }

  /** The ResultWriter writes its manifest and result files by multipart upload, under the prefix the ASL names. */
  private grantWriteReports(): void {
    const reports = this.reportBucket.arnForObjects(`${BACKFILL_REPORT_PREFIX}*`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteBackfillReports',
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [reports],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, reports)}]`,
      reason: "The ResultWriter names its files per Map Run; this wildcard is limited to the report prefix of this construct's own bucket.",
    });
  }

  /**
   * A Distributed Map starts its child executions as executions of this state machine, and describes and stops them:
   * AWS requires StartExecution on the state machine itself and DescribeExecution/StopExecution on its executions.
   * The ARNs are built from the fixed name, so the role's policy does not depend on the state machine it belongs to.
   */
  private grantRunOwnChildren(name: string): void {
    const stack = Stack.of(this);
    const self = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DistributedMapStartsItsChildren', actions: ['states:StartExecution'], resources: [self] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DistributedMapWatchesItsChildren', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, executions)}]`,
      reason: 'Child execution names are chosen by the Distributed Map; the wildcard covers only executions of this state machine.',
    });
  }
}
