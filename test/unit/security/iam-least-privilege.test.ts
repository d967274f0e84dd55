/**
 * Least privilege across the whole synthesized template, as sweeps (test/unit/infra/ checks each construct's own
 * grants; these check that nothing anywhere grants more): no wildcard actions, `*` resources only where AWS offers no
 * resource-level permission, no write to a source bucket's objects, PassRole only for the heavy task's roles, only AWS
 * services may assume our roles, no IAM users or keys, no resource policy open to anyone, and the GCS credential
 * (either mode) readable by the copiers alone. Both stacks are synthesized once: the Workload Identity stage and a
 * stage using a service-account key secret.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { StageConfig } from '../../../infra/config/types';
import { buildTestApp, TEST_STAGE } from '../infra/support';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
}
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Json;
}

const KEY_SECRET = 's3-gcs-backup/production/gcs-key';
// Its own destination prefix: two stages backing up the same buckets into the same names would be refused.
const KEYED_STAGE: StageConfig = {
  ...TEST_STAGE,
  stage: 'production',
  destination: { ...TEST_STAGE.destination, prefix: 'keyed/' },
  gcsAuth: { mode: 'service-account-key', secretName: KEY_SECRET },
};

/** Actions that have no resource-level permissions in IAM: `Resource: "*"` is the only way to grant them. */
const RESOURCE_LESS_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'ecr:GetAuthorizationToken',
  // Step Functions logging to CloudWatch Logs (vended log delivery) requires these on "*".
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);
/** Writing a bucket's notification configuration is the only write to a source bucket, by CDK's notifications handler. */
const NOTIFICATION_ACTIONS = new Set(['s3:PutBucketNotification', 's3:GetBucketNotification']);

/**
 * ecs:ListTasks names no task resource (only container instances, which Fargate has none of): it is scoped by the
 * ecs:cluster condition to the heavy cluster instead.
 */
function isListTasksOfOneCluster(statement: { Action?: unknown; Condition?: unknown }): boolean {
  const condition = statement.Condition as { ArnEquals?: Record<string, unknown> } | undefined;
  return list(statement.Action as string | string[]).every((a) => a === 'ecs:ListTasks') && condition?.ArnEquals?.['ecs:cluster'] !== undefined;
}

let stacks: { name: string; resources: Record<string, Resource> }[];

beforeAll(() => {
  const app = buildTestApp({ stages: { staging: TEST_STAGE, production: KEYED_STAGE } });
  stacks = app.stacks.map((stack) => ({ name: stack.stackName, resources: Template.fromStack(stack).toJSON()['Resources'] as Record<string, Resource> }));
});

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Identity-policy statements, with the role(s) they are attached to. */
function identityStatements(resources: Record<string, Resource>): { policy: string; roles: string[]; statement: Statement }[] {
  const out: { policy: string; roles: string[]; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = list(r.Properties?.['Roles'] as { Ref: string }[] | undefined).map((x) => x.Ref);
      for (const statement of list((r.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement)) out.push({ policy: id, roles, statement });
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of list(r.Properties?.['Policies'] as { PolicyDocument: { Statement: Statement[] } }[] | undefined)) {
        for (const statement of inline.PolicyDocument.Statement) out.push({ policy: `${id} (inline)`, roles: [id], statement });
      }
    }
  }
  return out;
}

/** Resource-policy statements (buckets, queues, topics). KMS key policies follow CDK's default: the account root. */
function resourcePolicyStatements(resources: Record<string, Resource>): { owner: string; statement: Statement }[] {
  return Object.entries(resources)
    .filter(([, r]) => ['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(r.Type))
    .flatMap(([id, r]) => list((r.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement).map((statement) => ({ owner: id, statement })));
}

function sourceBucketRefs(resources: Record<string, Resource>): string[] {
  const created = Object.entries(resources)
    .filter(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.startsWith('SourcesBucket'))
    .map(([id]) => id);
  return [...created, ...TEST_STAGE.sourceBuckets.filter((b) => !('create' in b && b.create)).map((b) => `:s3:::${b.name}`)];
}

const roleNamed = (resources: Record<string, Resource>, prefix: string): string[] =>
  Object.entries(resources)
    .filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(prefix))
    .map(([id]) => id);

describe.each(['staging', 'production'])('the %s stack', (stage) => {
  const resources = (): Record<string, Resource> => stacks.find((s) => s.name.endsWith(stage))!.resources;

  it('expect no Allow with a wildcard action (no "*", no "service:*")', () => {
    const wild = identityStatements(resources())
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ policy, statement }) => list(statement.Action).filter((a) => a === '*' || a.endsWith(':*')).map((a) => `${policy}: ${a}`));
    expect(wild).toEqual([]);
    expect(identityStatements(resources()).filter(({ statement }) => statement.NotAction || statement.NotResource)).toEqual([]);
  });

  it('expect Resource "*" only for actions AWS cannot scope to a resource', () => {
    const unscoped = identityStatements(resources())
      .filter(({ statement }) => statement.Effect === 'Allow' && list(statement.Resource).includes('*'))
      .filter(({ statement }) => !isListTasksOfOneCluster(statement))
      .flatMap(({ policy, statement }) => list(statement.Action).filter((a) => !RESOURCE_LESS_ACTIONS.has(a)).map((a) => `${policy}: ${a}`));
    expect(unscoped).toEqual([]);
  });

  it("expect no role able to write or delete a source bucket's objects or change its policy", () => {
    const sources = sourceBucketRefs(resources());
    const writes = identityStatements(resources())
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(({ statement }) => sources.some((ref) => JSON.stringify(statement.Resource).includes(ref)))
      .flatMap(({ policy, statement }) =>
        list(statement.Action)
          .filter((a) => a.startsWith('s3:') && !a.startsWith('s3:Get') && !a.startsWith('s3:List') && !NOTIFICATION_ACTIONS.has(a))
          .map((a) => `${policy}: ${a}`),
      );
    expect(writes).toEqual([]);
    const notifiers = identityStatements(resources())
      .filter(({ statement }) => list(statement.Action).some((a) => NOTIFICATION_ACTIONS.has(a)))
      .map(({ policy }) => policy);
    expect(notifiers.every((p) => /Notifications?Handler/.test(p))).toBe(true);
  });

  it("expect iam:PassRole only for the heavy task's own roles, only by the state machine, only to ECS", () => {
    const passRole = identityStatements(resources()).filter(({ statement }) => list(statement.Action).includes('iam:PassRole'));
    expect(passRole.length).toBeGreaterThan(0);
    const heavyRoles = roleNamed(resources(), 'HeavyTaskDefinition');
    for (const { roles, statement } of passRole) {
      const sorted = (items: unknown[]): string[] => items.map((x) => JSON.stringify(x)).sort();
      expect(sorted(list(statement.Resource))).toEqual(sorted(heavyRoles.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))));
      expect(roles.every((r) => r.startsWith('WorkflowRole'))).toBe(true);
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
  });

  it('expect only AWS services to assume our roles (no account, user or "*" principal)', () => {
    const principals = Object.entries(resources())
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .flatMap(([id, r]) =>
        list((r.Properties?.['AssumeRolePolicyDocument'] as { Statement: Statement[] }).Statement).map((s) => ({ id, principal: s.Principal })),
      );
    const nonService = principals.filter(({ principal }) => Object.keys(principal as Json).some((k) => k !== 'Service'));
    expect(nonService).toEqual([]);
  });

  it('expect no IAM users, groups or long-lived access keys, and no broad AWS managed policies', () => {
    const types = Object.values(resources()).map((r) => r.Type);
    expect(types.filter((t) => ['AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::AccessKey', 'AWS::IAM::UserToGroupAddition'].includes(t))).toEqual([]);
    const managed = Object.values(resources())
      .filter((r) => r.Type === 'AWS::IAM::Role')
      .flatMap((r) => list(r.Properties?.['ManagedPolicyArns'] as unknown[] | undefined))
      .map((arn) => JSON.stringify(arn));
    expect(managed.filter((arn) => !arn.includes('service-role/AWSLambdaBasicExecutionRole'))).toEqual([]);
  });

  it('expect every resource policy open to "*" to be a Deny, and every Allow to a service scoped to this account or one of its resources', () => {
    const statements = resourcePolicyStatements(resources());
    const isAnyone = (p: unknown): boolean => p === '*' || (typeof p === 'object' && p !== null && list((p as Json)['AWS'] as string | string[]).includes('*'));
    const openAllows = statements.filter(({ statement }) => isAnyone(statement.Principal) && statement.Effect !== 'Deny');
    // Scoped: to this account, or to one resource of this stack by ARN (narrower: e.g. EventBridge's DLQ policy names the rule).
    const ownArn = (condition: unknown): boolean => {
      const arn = (condition as { ArnEquals?: Record<string, unknown> } | undefined)?.ArnEquals?.['aws:SourceArn'] as { 'Fn::GetAtt'?: [string, string] } | undefined;
      return arn?.['Fn::GetAtt']?.[1] === 'Arn' && arn['Fn::GetAtt'][0] in resources();
    };
    const unscopedAllows = statements.filter(
      ({ statement }) => statement.Effect === 'Allow' && !JSON.stringify(statement.Condition ?? {}).includes('aws:SourceAccount') && !ownArn(statement.Condition),
    );
    expect(statements.length).toBeGreaterThan(0);
    expect(openAllows.map((s) => s.owner)).toEqual([]);
    expect(unscopedAllows.map((s) => s.owner)).toEqual([]);
  });
});

describe('the GCS credential', () => {
  it('expect a service-account key secret passed by name and readable by the copiers only', () => {
    const { resources } = stacks.find((s) => s.name.endsWith('production'))!;
    const copiers = [...roleNamed(resources, 'SmallCopierRole'), ...roleNamed(resources, 'LargeCopierRole'), ...roleNamed(resources, 'HeavyTaskDefinitionTaskRole')];
    expect(copiers).toHaveLength(3);
    const readers = identityStatements(resources)
      .filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('secretsmanager:')))
      .flatMap(({ roles, statement }) => {
        expect(JSON.stringify(statement.Resource)).toContain(`secret:${KEY_SECRET}`);
        expect(list(statement.Action).every((a) => a === 'secretsmanager:GetSecretValue' || a === 'secretsmanager:DescribeSecret')).toBe(true);
        return roles;
      });
    expect([...new Set(readers)].sort()).toEqual(copiers.sort());
    // The name travels in the environment, never a value.
    const envs = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' || r.Type === 'AWS::ECS::TaskDefinition')
      .map((r) => JSON.stringify(r.Properties));
    expect(envs.filter((e) => e.includes('GCS_CREDENTIALS_SECRET')).length).toBeGreaterThanOrEqual(3);
    expect(envs.some((e) => /private_key|BEGIN PRIVATE KEY/.test(e))).toBe(false);
  });
});
