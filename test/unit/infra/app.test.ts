import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { STAGES } from '../../../infra/config/stages';
import type { StageConfig } from '../../../infra/config/types';
import type { BackupStack } from '../../../infra/stacks/backup-stack';
import { buildTestApp, TEST_STAGE } from './support';

/** The other branches of the configuration: S3 notifications, a key secret, mirrored deletes, no e-mail. */
const VARIANT: StageConfig = {
  ...TEST_STAGE,
  stage: 'production',
  intake: 's3-notifications',
  gcsAuth: { mode: 'service-account-key', secretName: 's3-gcs-backup/gcs-key' },
  deletePolicy: 'mirror',
  alerts: {},
};

/** cdk-nag findings not acknowledged, as readable strings. */
function unsuppressedFindings(stack: BackupStack): string[] {
  return new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => `${v.ruleName}: ${v.description}`);
}

function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // aws-cdk-lib records an id without a plugin prefix as 'Annotation::<id>'; cdk-nag matches it either way.
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason })),
      ),
  );
}

describe('the CDK app', () => {
  let shipped: ReturnType<typeof buildTestApp>;
  let variant: ReturnType<typeof buildTestApp>;
  beforeAll(() => {
    shipped = buildTestApp();
    variant = buildTestApp({ stages: { production: VARIANT } });
  });

  it('expect one stack per configured stage', () => {
    expect(shipped.stacks.map((s) => s.stackName)).toEqual(Object.keys(STAGES).map((stage) => `S3GcsBackup-${stage}`));
  });

  it('expect cdk-nag AwsSolutions to find nothing unacknowledged in any shipped stage', () => {
    for (const stack of shipped.stacks) expect({ stack: stack.stackName, findings: unsuppressedFindings(stack) }).toEqual({ stack: stack.stackName, findings: [] });
  });

  it('expect cdk-nag AwsSolutions to find nothing unacknowledged with S3 notifications, a key secret and mirrored deletes', () => {
    expect(unsuppressedFindings(variant.stacks[0]!)).toEqual([]);
  });

  it('expect S3 notifications mode to add one queue configuration per prefix, merged into the existing ones', () => {
    const template = Template.fromStack(variant.stacks[0]!);
    const queue = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('IntakeQueue'))!;
    const configuration = (prefix: string, event: string) => ({
      Events: [event],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
      QueueArn: { 'Fn::GetAtt': [queue, 'Arn'] },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'existing-data',
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          configuration('invoices/', 's3:ObjectCreated:*'),
          configuration('invoices/', 's3:ObjectRemoved:*'),
          configuration('photos/', 's3:ObjectCreated:*'),
          configuration('photos/', 's3:ObjectRemoved:*'),
        ],
      },
    });
    // No intake rule on S3's events; the one rule left is the alert rule on the workflow's status changes.
    const sources = Object.values(template.findResources('AWS::Events::Rule')).map((r) => (r.Properties as { EventPattern: { source: string[] } }).EventPattern.source);
    expect(sources).toEqual([['aws.states']]);
  });

  it('expect every cdk-nag acknowledgement to carry a written reason', () => {
    const acks = [...acknowledgements(shipped.app), ...acknowledgements(variant.app)].filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect({ ...ack, reasoned: ack.reason.length >= 40 }).toEqual({ ...ack, reasoned: true });
  });

  it('expect a new cdk-nag finding to fail synth', () => {
    const { app, stacks } = buildTestApp({ only: ['staging'] });
    new sqs.Queue(stacks[0]!, 'UnencryptedQueueWithoutDlq', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });

  it('expect `-c stage=NAME` to select one stage, and an unknown stage to be named', () => {
    expect(buildTestApp({ context: { stage: 'staging' } }).stacks.map((s) => s.stackName)).toEqual(['S3GcsBackup-staging']);
    expect(() => buildTestApp({ context: { stage: 'prod' } })).toThrow('Unknown stage "prod"; stages are: staging, production');
  });

  it('expect an invalid configuration to stop synth with its problems', () => {
    expect(() => buildTestApp({ stages: { staging: { ...STAGES.staging, sourceBuckets: [] } } })).toThrow(
      /Invalid configuration for stage "staging".*\n.*sourceBuckets: must list at least one bucket/,
    );
  });
});
