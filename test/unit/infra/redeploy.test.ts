/**
 * A deploy can be repeated: after a failed first deploy (rolled back) or a stack delete, nothing the stack kept may
 * hold a name the next deploy needs. CloudFormation keeps resources with DeletionPolicy Retain, so a Retain resource
 * must not carry a fixed physical name; a name ending with the stack's ID is new for every stack CloudFormation creates.
 * A name that is global (S3 buckets) must also carry the account and the region, so the same stage deployed to another
 * account or region does not collide with it.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { STAGES } from '../../../infra/config/stages';
import { buildTestApp } from './support';

/** The property that names each resource type this app (or CDK for it) can create. */
const PHYSICAL_NAME: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::Events::Rule': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::DynamoDB::Table': 'TableName',
};

/**
 * Retain resources allowed a fixed name, each with the reason. None today: add one only with a reason a reviewer
 * accepts (for example a name the stack imports rather than creates).
 */
const ALLOWED: Record<string, string> = {};

interface CfnResource {
  Type: string;
  DeletionPolicy?: string;
  Properties?: Record<string, unknown>;
}

/**
 * Names unique across all accounts and regions: a bucket name taken by the stack of another account or region (or by
 * this stack's earlier life, while S3 frees it) fails the deploy with "already exists", whatever the deletion policy.
 */
const GLOBAL_NAME: Record<string, string> = { 'AWS::S3::Bucket': 'BucketName' };

/** Resources with a global name set that does not carry both the account and the region. */
function globalNamesWithoutAccountAndRegion(template: Template, env: { account?: string; region?: string } = {}): string[] {
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  return Object.entries(resources).flatMap(([id, r]) => {
    const property = GLOBAL_NAME[r.Type];
    const name = property ? r.Properties?.[property] : undefined;
    if (name === undefined) return [];
    const text = JSON.stringify(name);
    const hasAccount = text.includes('"AWS::AccountId"') || (env.account !== undefined && text.includes(env.account));
    const hasRegion = text.includes('"AWS::Region"') || (env.region !== undefined && text.includes(env.region));
    return hasAccount && hasRegion ? [] : [`${id} (${r.Type}): ${property} ${text}`];
  });
}

/** Retain resources whose physical name is set and does not depend on the stack's ID. */
function fixedNameRetained(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  return Object.entries(resources)
    .filter(([, r]) => r.DeletionPolicy === 'Retain')
    .flatMap(([id, r]) => {
      const property = PHYSICAL_NAME[r.Type];
      const name = property ? r.Properties?.[property] : undefined;
      if (name === undefined || JSON.stringify(name).includes('"AWS::StackId"')) return [];
      return [`${id} (${r.Type}): ${property} ${JSON.stringify(name)}`];
    })
    .filter((entry) => !Object.keys(ALLOWED).some((id) => entry.startsWith(`${id} `)));
}

describe('a deploy can be repeated', () => {
  const shipped = buildTestApp();

  test.each(shipped.stacks.map((s) => [s.stackName, s] as const))('expect no Retain resource with a fixed name in %s', (_name, stack) => {
    expect(fixedNameRetained(Template.fromStack(stack))).toEqual([]);
  });

  test.each(shipped.stacks.map((s) => [s.stackName, s] as const))('expect every global name in %s to carry the account and the region', (_name, stack) => {
    expect(globalNamesWithoutAccountAndRegion(Template.fromStack(stack))).toEqual([]);
  });

  test('expect a stage that pins its account and region to name the created bucket with them literally', () => {
    const pinned = buildTestApp({ stages: { staging: { ...STAGES.staging, account: '111122223333', region: 'eu-west-1' } } });
    const template = Template.fromStack(pinned.stacks[0]!);
    expect(globalNamesWithoutAccountAndRegion(template, { account: '111122223333', region: 'eu-west-1' })).toEqual([]);
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: `${STAGES.staging.sourceBuckets[0]!.name}-111122223333-eu-west-1` });
  });

  test('expect the sweep to see the named resources it judges (state machines, their log groups, the created bucket)', () => {
    const template = Template.fromStack(shipped.stacks.find((s) => s.stackName.endsWith('staging'))!);
    // The Standard workflow, the backfill and the Express fast path (executionMode express-first).
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))).toHaveLength(3);
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as CfnResource[];
    const named = logGroups.filter((g) => g.Properties?.['LogGroupName'] !== undefined);
    expect(named.length).toBeGreaterThanOrEqual(2);
    for (const group of named) expect(JSON.stringify(group.Properties?.['LogGroupName'])).toContain('/aws/vendedlogs/states/');
    const created = Object.values(template.findResources('AWS::S3::Bucket')).filter((b) => (b as CfnResource).Properties?.['BucketName'] !== undefined);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ DeletionPolicy: 'Delete' });
    expect(JSON.stringify((created[0] as CfnResource).Properties?.['BucketName'])).toContain(`${STAGES.staging.sourceBuckets[0]!.name}-`);
  });
});
