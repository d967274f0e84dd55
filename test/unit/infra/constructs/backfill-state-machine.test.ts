import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BACKFILL_REPORT_PREFIX } from '../../../../infra/constructs/backfill-state-machine';
import { BACKFILL_ASL } from '../../../../infra/paths';
import { buildTestApp, TEST_STAGE } from '../support';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

let template: Template;
let resources: Record<string, Resource>;
beforeAll(() => {
  const { stacks } = buildTestApp({ stages: { staging: TEST_STAGE } });
  template = Template.fromStack(stacks[0]!);
  resources = template.toJSON().Resources;
});

/** Template assertion under a name the lint rule recognizes as an assertion. */
const expectResource = (type: string, props: unknown) => template.hasResourceProperties(type, props);
const idOf = (type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, got ${ids.join(', ')}`);
  return ids[0]!;
};
const machine = (): Resource => resources[idOf('AWS::StepFunctions::StateMachine', 'Backfill')]!;
/** Every statement of every policy attached to the backfill role. */
const statements = (): Statement[] => {
  const role = idOf('AWS::IAM::Role', 'BackfillRole');
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['Roles']).includes(`"${role}"`))
    .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
};
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const granting = (action: string): Statement[] => statements().filter((s) => actionsOf(s).includes(action));
const arn = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const NAME = `s3-gcs-backup-${TEST_STAGE.stage}-backfill`;

describe('backfill state machine', () => {
  it('expect a Standard state machine whose definition is asl/backfill.asl.json, inline, with both substitutions', () => {
    expect(machine().Properties).toMatchObject({
      StateMachineName: NAME,
      StateMachineType: 'STANDARD',
      DefinitionString: fs.readFileSync(BACKFILL_ASL, 'utf8'),
      DefinitionSubstitutions: {
        BackupStateMachineArn: { Ref: idOf('AWS::StepFunctions::StateMachine', 'Workflow') },
        BackfillReportBucket: { Ref: idOf('AWS::S3::Bucket', 'BackfillReports') },
      },
    });
  });

  it('expect logging ALL with execution data to its own log group with retention, and X-Ray tracing', () => {
    expect(machine().Properties).toMatchObject({
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [idOf('AWS::Logs::LogGroup', 'BackfillLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    expectResource('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', [`/aws/vendedlogs/states/${NAME}-`, { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] },
      RetentionInDays: TEST_STAGE.logRetentionDays,
    });
  });

  it('expect its child executions to start the backup state machine and no other', () => {
    const backup = { Ref: idOf('AWS::StepFunctions::StateMachine', 'Workflow') };
    const self = arn('arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:stateMachine:${NAME}`);
    expect(granting('states:StartExecution').map((s) => s.Resource)).toEqual([backup, self]);
  });

  it('expect the Distributed Map to describe and stop executions of this state machine, and its .sync children those of the backup', () => {
    const prefix = ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }];
    const executions = arn(...prefix, `:execution:${NAME}:*`);
    const backupName = { 'Fn::GetAtt': [idOf('AWS::StepFunctions::StateMachine', 'Workflow'), 'Name'] };
    const backupExecutions = arn(...prefix, ':execution:', backupName, ':*');
    expect(granting('states:DescribeExecution')).toEqual([
      expect.objectContaining({ Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: backupExecutions }),
      expect.objectContaining({ Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: executions }),
    ]);
  });

  it('expect the EventBridge rule that .sync uses to learn a child finished, and no other rule', () => {
    const rule = arn('arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
    const events = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
    expect(events).toEqual([expect.objectContaining({ Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Resource: rule })]);
  });

  it('expect listing only the source buckets, and only under the prefixes the stage backs up', () => {
    const created = idOf('AWS::S3::Bucket', 'SourcesBucket1');
    expect(granting('s3:ListBucket').map((s) => ({ Resource: s.Resource, Condition: s.Condition }))).toEqual([
      { Resource: arn('arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-data'), Condition: { StringLike: { 's3:prefix': ['invoices/*', 'photos/*'] } } },
      { Resource: { 'Fn::GetAtt': [created, 'Arn'] }, Condition: undefined },
    ]);
  });

  it("expect report writes only under the prefix the ASL's ResultWriter names", () => {
    const asl = JSON.parse(fs.readFileSync(BACKFILL_ASL, 'utf8')) as { States: Record<string, { ResultWriter?: { Parameters: { Prefix: string } } }> };
    const writers = Object.values(asl.States).flatMap((s) => (s.ResultWriter ? [s.ResultWriter.Parameters.Prefix] : []));
    expect(writers).toEqual([BACKFILL_REPORT_PREFIX]);
    const reports = arn({ 'Fn::GetAtt': [idOf('AWS::S3::Bucket', 'BackfillReports'), 'Arn'] }, `/${BACKFILL_REPORT_PREFIX}*`);
    expect(granting('s3:PutObject')).toEqual([
      expect.objectContaining({ Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'], Resource: reports }),
    ]);
  });

  it('expect a private, encrypted, TLS-only report bucket whose reports expire', () => {
    const bucket = idOf('AWS::S3::Bucket', 'BackfillReports');
    expectResource('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })]) },
    });
    expectResource('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expect the role to allow nothing beyond the listing, the backups, the reports, logging and tracing', () => {
    const services = new Set(statements().flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['events', 'logs', 's3', 'states', 'xray']);
    expect(statements().flatMap(actionsOf).filter((a) => a.startsWith('s3:') || a.startsWith('states:')).sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucket',
      's3:ListMultipartUploadParts',
      's3:PutObject',
      'states:DescribeExecution',
      'states:DescribeExecution',
      'states:StartExecution',
      'states:StartExecution',
      'states:StopExecution',
      'states:StopExecution',
    ]);
  });
});
