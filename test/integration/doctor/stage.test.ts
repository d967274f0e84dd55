import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { Finding } from '../../../workflows/doctor/checks';
import { startTestGcs, type TestGcs } from '../../support/gcs-emulator';
import { runCli } from '../../support/cli-io';

/**
 * `s3gcs doctor` against a deployed stage, from its outputs file: the Google side is the emulator (the Storage client
 * honours STORAGE_EMULATOR_HOST), CloudWatch and SNS are mocked. Versioning and retention are read as on GCS.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:S3GcsBackup-production-AlertsTopic';
const cw = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const dir = mkdtempSync(join(tmpdir(), 'doctor-stage-'));
const outputs = join(dir, 'outputs.json');
let gcs: TestGcs;
const previousHost = process.env['STORAGE_EMULATOR_HOST'];

beforeAll(async () => {
  gcs = await startTestGcs({ buckets: ['acme-backup'] });
  gcs.emulator.setSoftDeletePolicy('acme-backup', 30 * 24 * 3600);
  process.env['STORAGE_EMULATOR_HOST'] = gcs.emulator.url;
  writeFileSync(
    outputs,
    JSON.stringify({
      'S3GcsBackup-production': {
        StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:s3-gcs-backup-production-object',
        DestinationBucket: 'acme-backup',
        AlertTopicArn: TOPIC,
        GcsCopierRoleNames: 'S3GcsBackup-production-SmallCopierRole,S3GcsBackup-production-LargeCopierRole',
      },
    }),
  );
});
afterAll(async () => {
  if (previousHost === undefined) delete process.env['STORAGE_EMULATOR_HOST'];
  else process.env['STORAGE_EMULATOR_HOST'] = previousHost;
  await gcs?.emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  cw.reset();
  sns.reset();
});

const doctor = () => runCli(['doctor', '--stack-outputs', outputs, '--json']);
const byCheck = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [`${f.area}/${f.check}`, f.status]));

describe('s3gcs doctor --stack-outputs', () => {
  it('passes a stage whose bucket soft-deletes, whose alarms notify the topic and whose topic has a confirmed subscriber', async () => {
    cw.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'S3GcsBackup-production-' }).resolves({ MetricAlarms: [{ AlarmName: 'S3GcsBackup-production-Failed', AlarmActions: [TOPIC], StateValue: 'OK' }] });
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC }).resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'ops@example.com', SubscriptionArn: `${TOPIC}:1` }] });
    const run = await doctor();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(byCheck(run.json<{ findings: Finding[] }>().findings)).toEqual({
      'bucket/soft delete': 'ok',
      'bucket/object versioning': 'warn',
      'bucket/retention lock': 'info',
      'copier/permissions': 'warn',
      'wif/attribute condition': 'info',
      'alarms/alarms notify': 'ok',
      'alerts/someone is subscribed': 'ok',
    });
  });

  it('fails a stage with a silent alarm and nobody subscribed', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'S3GcsBackup-production-Failed', AlarmActions: [], StateValue: 'ALARM' }] });
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    const run = await doctor();
    expect(run.code).toBe(1);
    expect(byCheck(run.json<{ findings: Finding[] }>().findings)).toMatchObject({ 'alarms/alarms notify': 'missing', 'alarms/alarms quiet': 'warn', 'alerts/someone is subscribed': 'missing' });
  });

  it('refuses a malformed service account or provider before connecting', async () => {
    expect((await runCli(['doctor', '--stack-outputs', outputs, '--copier-service-account', 'nobody'])).code).toBe(2);
    expect((await runCli(['doctor', '--stack-outputs', outputs, '--wif-provider', 'pools/x'])).code).toBe(2);
  });
});
