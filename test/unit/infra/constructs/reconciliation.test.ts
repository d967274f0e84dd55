import { Match, Template } from 'aws-cdk-lib/assertions';
import type { StageConfig } from '../../../../infra/config/types';
import { validateStageConfig } from '../../../../infra/config/validate';
import { actionsOf, buildTestApp, idOf as idIn, resourcesOf, statementsOf as statementsIn, TEST_STAGE } from '../support';

/** Existing buckets only: a bucket the stack creates has a deploy-time name (a token), asserted elsewhere. */
const STAGE: StageConfig = {
  ...TEST_STAGE,
  sourceBuckets: [TEST_STAGE.sourceBuckets[0]!, { name: 'second-existing' }],
  reconcile: { schedule: 'cron(0 3 * * ? *)', ratePerSecond: 50, inventory: { 'existing-data': 's3://acme-inventory/reports/existing-data/daily/' } },
};

let template: Template;
beforeAll(() => {
  const { stacks } = buildTestApp({ stages: { staging: STAGE } });
  template = Template.fromStack(stacks[0]!);
});

const expectResource = (type: string, props: unknown) => template.hasResourceProperties(type, props);
const idOf = (type: string, prefix: string) => idIn(template, type, prefix);
const statementsOf = (rolePrefix: string) => statementsIn(template, idOf('AWS::IAM::Role', rolePrefix));
const resource = (id: string) => resourcesOf(template)[id]!;
const reconcileFunction = () => resource(idOf('AWS::Lambda::Function', 'ReconcileFunction'));

describe('scheduled reconciliation', () => {
  it('expect an EventBridge Scheduler schedule on the stage expression that invokes the function alias with its own role', () => {
    const schedule = resource(idOf('AWS::Scheduler::Schedule', 'ReconciliationSchedule'));
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { Ref: idOf('AWS::Lambda::Alias', 'ReconcileLive') }, RoleArn: { 'Fn::GetAtt': [idOf('AWS::IAM::Role', 'ReconciliationSchedulerRole'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    expect(statementsOf('ReconciliationSchedulerRole')).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: idOf('AWS::Lambda::Alias', 'ReconcileLive') } },
    ]);
    expectResource('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } } })] },
    });
  });

  it('expect the function to know the state machine, the destination, the skip patterns, each bucket with its prefixes and inventory, and the rate', () => {
    const env = (reconcileFunction().Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      STATE_MACHINE_ARN: { Ref: idOf('AWS::StepFunctions::StateMachine', 'WorkflowStateMachine') },
      DEST_BUCKET: STAGE.destination.bucket,
      RECONCILE_RATE: '50',
      GCS_AUTH_MODE: STAGE.gcsAuth.mode,
    });
    expect(JSON.parse(env['RECONCILE_SOURCES'] as string)).toEqual([
      { bucket: 'existing-data', prefixes: ['invoices/', 'photos/'], inventory: 's3://acme-inventory/reports/existing-data/daily/' },
      { bucket: 'second-existing', prefixes: [''] },
    ]);
    expect(reconcileFunction().Properties).toMatchObject({ Timeout: 900, ReservedConcurrentExecutions: 1 });
  });

  it('expect the function to list the sources under their prefixes, read only the inventory folder, and start only the backup workflow', () => {
    const statements = statementsOf('ReconcileRole');
    const gets = statements.filter((s) => actionsOf(s).includes('s3:GetObject'));
    expect(gets.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining(':s3:::acme-inventory/reports/existing-data/daily/*')]);
    const lists = statements.filter((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(lists.map((s) => s.Condition ?? null)).toEqual([
      { StringLike: { 's3:prefix': ['invoices/*', 'photos/*'] } },
      null,
      { StringLike: { 's3:prefix': ['reports/existing-data/daily/*'] } },
    ]);
    expect(statements.filter((s) => actionsOf(s).includes('states:StartExecution'))).toEqual([
      expect.objectContaining({ Resource: { Ref: idOf('AWS::StepFunctions::StateMachine', 'WorkflowStateMachine') } }),
    ]);
    expect(statements.flatMap(actionsOf).filter((a) => /^s3:(Put|Delete)|^states:(Stop|Redrive)/.test(a))).toEqual([]);
  });

  it('expect an alarm per source bucket on ReconcileFound > 0 and one on failed runs, each notifying the alert topic', () => {
    for (const bucket of ['existing-data', 'second-existing']) {
      expectResource('AWS::CloudWatch::Alarm', {
        MetricName: 'ReconcileFound',
        Namespace: 'S3GcsBackup',
        Dimensions: Match.arrayWith([{ Name: 'bucket', Value: bucket }]),
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: idOf('AWS::SNS::Topic', 'AlertsTopic') }],
      });
    }
    expectResource('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: Match.arrayWith([Match.objectLike({ Name: 'FunctionName' })]),
      AlarmDescription: Match.stringLikeRegexp('reconciliation failed'),
      AlarmActions: [{ Ref: idOf('AWS::SNS::Topic', 'AlertsTopic') }],
    });
  });

  it('expect the reconcile role among the roles the Workload Identity pool must admit', () => {
    const output = template.toJSON().Outputs['GcsCopierRoleNames'] as { Value: { 'Fn::Join': [string, unknown[]] } };
    expect(JSON.stringify(output.Value)).toContain(idOf('AWS::IAM::Role', 'ReconcileRole'));
  });

  it('expect a Workload Identity attribute condition output naming exactly the roles that sign in to Google', () => {
    const output = template.toJSON().Outputs['GcsWifAttributeCondition'] as { Value: unknown };
    const text = JSON.stringify(output.Value);
    const roles = ['SmallCopierRole', 'LargeCopierRole', 'HeavyTaskDefinitionTaskRole', 'ReconcileRole'].map((prefix) => idOf('AWS::IAM::Role', prefix));
    for (const role of roles) expect(text).toContain(`{"Ref":"${role}"}`);
    expect(text.match(/assumed-role\//g)).toHaveLength(roles.length);
    expect(text).toContain('attribute.aws_role in [');
    expect(text).toContain('{"Ref":"AWS::AccountId"}');
  });

  it('expect the restore drill role admitted by the attribute condition too, but not listed among the copiers', () => {
    const { stacks } = buildTestApp({ stages: { staging: { ...STAGE, restoreDrill: {} } } });
    const withDrill = Template.fromStack(stacks[0]!);
    const outputs = withDrill.toJSON().Outputs as Record<string, { Value: unknown }>;
    const drillRole = JSON.stringify(outputs['RestoreDrillRoleName']!.Value);
    expect(JSON.stringify(outputs['GcsWifAttributeCondition']!.Value)).toContain(drillRole);
    expect(JSON.stringify(outputs['GcsCopierRoleNames']!.Value)).not.toContain(drillRole);
  });

  it('expect a bucket the stack creates (named at deploy time) reconciled and alarmed like the others', () => {
    const { stacks } = buildTestApp({ stages: { staging: { ...TEST_STAGE, reconcile: { schedule: 'rate(1 day)' } } } });
    const created = Template.fromStack(stacks[0]!);
    const found = Object.values(created.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ReconcileFound' } }));
    expect(found).toHaveLength(2);
    const fn = Object.values(created.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('RECONCILE_SOURCES'))!;
    const sources = JSON.stringify((fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables['RECONCILE_SOURCES']);
    expect(sources).toContain('created-by-the-stack-');
    expect(sources).toContain('{"Ref":"AWS::AccountId"}');
  });

  it('expect no reconciliation resources when the stage schedules none', () => {
    const { stacks } = buildTestApp({ stages: { staging: TEST_STAGE } });
    expect(Object.keys(Template.fromStack(stacks[0]!).findResources('AWS::Scheduler::Schedule'))).toEqual([]);
  });

  it('expect a bad schedule, rate or inventory to fail validation naming the field', () => {
    expect(() => validateStageConfig({ ...STAGE, reconcile: { schedule: 'every day' } })).toThrow(/reconcile\.schedule/);
    expect(() => validateStageConfig({ ...STAGE, reconcile: { schedule: 'rate(1 day)', ratePerSecond: 0 } })).toThrow(/reconcile\.ratePerSecond/);
    expect(() => validateStageConfig({ ...STAGE, reconcile: { schedule: 'rate(1 day)', inventory: { other: 's3://inv/x/' } } })).toThrow(/reconcile\.inventory\.other.*not one of the source buckets/);
  });
});
