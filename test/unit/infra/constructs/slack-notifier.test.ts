import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { BackupStack } from '../../../../infra/stacks/backup-stack';
import { buildTestApp, TEST_STAGE } from '../support';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const PARAMETER = '/s3-gcs-backup/staging/slack-webhook';
const SECRET = 's3-gcs-backup/staging/slack-webhook';

function synth(alerts: NonNullable<typeof TEST_STAGE.alerts>) {
  const { stacks } = buildTestApp({ stages: { staging: { ...TEST_STAGE, alerts: { ...TEST_STAGE.alerts, ...alerts } } } });
  return { stack: stacks[0]!, template: Template.fromStack(stacks[0]!) };
}

let withParameter: { stack: BackupStack; template: Template };
let withSecret: { stack: BackupStack; template: Template };
let without: { stack: BackupStack; template: Template };
beforeAll(() => {
  withParameter = synth({ slackWebhookParameterName: PARAMETER });
  withSecret = synth({ slackWebhookSecretName: SECRET });
  without = synth({});
});

const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, Resource>;
const idOf = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, got ${ids.join(', ')}`);
  return ids[0]!;
};
/** Every statement of every policy attached to the role. */
const statementsOf = (template: Template, roleId: string): Statement[] =>
  Object.values(resourcesOf(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['Roles']).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** Template assertion under a name the lint rule recognizes as an assertion. */
const expectResource = (template: Template, type: string, props: unknown) => template.hasResourceProperties(type, props);
const unsuppressedFindings = (stack: BackupStack) =>
  new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => `${v.ruleName}: ${v.description}`);

describe('Slack notifier', () => {
  it('expect the Slack notifier to subscribe to the alert topic when configured', () => {
    const { template } = withParameter;
    const topic = idOf(template, 'AWS::SNS::Topic', 'AlertsTopic');
    const alias = idOf(template, 'AWS::Lambda::Alias', 'SlackNotifier');
    expectResource(template, 'AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { Ref: topic }, Endpoint: { Ref: alias } });
    expectResource(template, 'AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: alias },
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: topic },
    });
  });

  it('expect no notifier when not configured', () => {
    const { template } = without;
    expect(Object.keys(resourcesOf(template)).filter((id) => id.startsWith('SlackNotifier'))).toEqual([]);
    expect(Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => (s as Resource).Properties['Protocol'])).toEqual(['email']);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/SLACK_WEBHOOK/);
  });

  it('expect it may read only its parameter', () => {
    const { template } = withParameter;
    const role = idOf(template, 'AWS::IAM::Role', 'SlackNotifier');
    const statements = statementsOf(template, role);
    const reads = statements.filter((s) => actions(s).some((a) => a.startsWith('ssm:') || a.startsWith('secretsmanager:') || a.startsWith('kms:') || a.startsWith('s3:')));
    expect(reads).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:DescribeParameters', 'ssm:GetParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter${PARAMETER}`]] },
      },
    ]);
    // Beyond that read: its own log group and X-Ray, as every function of the stack.
    expect(statements.flatMap(actions).filter((a) => !a.startsWith('ssm:')).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    // And no other role may read the webhook.
    const readers = Object.entries(resourcesOf(template))
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['PolicyDocument']).includes(PARAMETER))
      .map(([, r]) => r.Properties['Roles']);
    expect(readers).toEqual([[{ Ref: role }]]);
  });

  it('expect it may read only its secret when the URL is kept in Secrets Manager', () => {
    const { template } = withSecret;
    const role = idOf(template, 'AWS::IAM::Role', 'SlackNotifier');
    const reads = statementsOf(template, role).filter((s) => actions(s).some((a) => /^(ssm|secretsmanager|kms|s3):/.test(a)));
    expect(reads).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${SECRET}-??????`]] },
      },
    ]);
  });

  it('expect the webhook passed by name, never by value, to a nodejs22.x arm64 function logging to its own group', () => {
    for (const [{ template }, variable, name] of [
      [withParameter, 'SLACK_WEBHOOK_PARAMETER', PARAMETER],
      [withSecret, 'SLACK_WEBHOOK_SECRET', SECRET],
    ] as const) {
      expectResource(template, 'AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Environment: { Variables: { [variable]: name } },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: idOf(template, 'AWS::Logs::LogGroup', 'SlackNotifier') } },
      });
    }
  });

  it('expect cdk-nag AwsSolutions to find nothing unacknowledged with a Slack notifier, either way the URL is kept', () => {
    expect({ parameter: unsuppressedFindings(withParameter.stack), secret: unsuppressedFindings(withSecret.stack) }).toEqual({ parameter: [], secret: [] });
  });
});
