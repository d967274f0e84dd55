import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { BackupStack } from '../../../../infra/stacks/backup-stack';
import { actionsOf, buildTestApp, idOf, resourcesOf, statementsOf, TEST_STAGE } from '../support';


function synth(restoreDrill: typeof TEST_STAGE.restoreDrill) {
  const { stacks } = buildTestApp({ stages: { staging: { ...TEST_STAGE, ...(restoreDrill ? { restoreDrill } : {}) } } });
  return { stack: stacks[0]!, template: Template.fromStack(stacks[0]!) };
}

let withDrill: { stack: BackupStack; template: Template };
let without: { stack: BackupStack; template: Template };
beforeAll(() => {
  withDrill = synth({ sample: 50 });
  without = synth(undefined);
});

const expectResource = (template: Template, type: string, props: unknown) => template.hasResourceProperties(type, props);

describe('restore drill', () => {
  it('expect a weekly schedule that invokes the drill function alias once, without retries', () => {
    const { template } = withDrill;
    const alias = idOf(template, 'AWS::Lambda::Alias', 'RestoreDrill');
    expectResource(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(7 days)',
      Target: { Arn: { Ref: alias }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
  });

  it('expect the drill to know its sample, scratch bucket, backups and alert topic', () => {
    const { template } = withDrill;
    const fn = idOf(template, 'AWS::Lambda::Function', 'RestoreDrill');
    const env = (resourcesOf(template)[fn]!.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      DRILL_SAMPLE: '50',
      DRILL_SCRATCH_BUCKET: { Ref: idOf(template, 'AWS::S3::Bucket', 'RestoreDrillScratch') },
      ALERT_TOPIC_ARN: { Ref: idOf(template, 'AWS::SNS::Topic', 'AlertsTopic') },
      DEST_BUCKET: TEST_STAGE.destination.bucket,
    });
  });

  it('expect the drill to write and delete only in its scratch bucket, which expires leftovers after a day', () => {
    const { template } = withDrill;
    const role = idOf(template, 'AWS::IAM::Role', 'RestoreDrill');
    const scratch = idOf(template, 'AWS::S3::Bucket', 'RestoreDrillScratch');
    const writes = statementsOf(template, role).filter((s) => actionsOf(s).some((a) => /^s3:(Put|Delete|Abort)/.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) expect(JSON.stringify(s.Resource)).toContain(scratch);
    expectResource(template, 'AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 1, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }] } });
  });

  it('expect no drill, schedule or scratch bucket when the stage does not ask for one', () => {
    const { template } = without;
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule'))).toEqual([]);
    expect(Object.keys(resourcesOf(template)).filter((id) => id.startsWith('RestoreDrill'))).toEqual([]);
  });

  it('expect no unacknowledged cdk-nag finding from the drill', () => {
    const { stack } = withDrill;
    const findings = new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => JSON.stringify(v));
    expect(findings.filter((f) => f.includes('RestoreDrill'))).toEqual([]);
  });
});
