/**
 * A deploy can be repeated: after a failed first deploy (rolled back) or a stack delete, nothing the stack kept may
 * hold a name the next deploy needs. CloudFormation keeps resources with DeletionPolicy Retain, so a Retain resource
 * must not carry a fixed physical name; a name ending with the stack's ID is new for every stack CloudFormation creates.
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

  test('expect the sweep to see the named resources it judges (state machines, their log groups, the created bucket)', () => {
    const template = Template.fromStack(shipped.stacks.find((s) => s.stackName.endsWith('staging'))!);
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))).toHaveLength(2);
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as CfnResource[];
    const named = logGroups.filter((g) => g.Properties?.['LogGroupName'] !== undefined);
    expect(named.length).toBeGreaterThanOrEqual(2);
    for (const group of named) expect(JSON.stringify(group.Properties?.['LogGroupName'])).toContain('/aws/vendedlogs/states/');
    template.hasResource('AWS::S3::Bucket', { Properties: { BucketName: STAGES.staging.sourceBuckets[0]!.name }, DeletionPolicy: 'Delete' });
  });
});
