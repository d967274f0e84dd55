import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { readStackAlarms, readSubscriptions } from '../../../workflows/doctor/probe-aws';

const cw = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
beforeEach(() => {
  cw.reset();
  sns.reset();
});

describe('doctor AWS probes', () => {
  it('reads every page of the alarms named after the stack', async () => {
    cw.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'S3GcsBackup-production-', NextToken: undefined })
      .resolves({ MetricAlarms: [{ AlarmName: 'S3GcsBackup-production-A', AlarmActions: ['arn:t'], StateValue: 'OK' }], NextToken: 'n' })
      .on(DescribeAlarmsCommand, { NextToken: 'n' })
      .resolves({ CompositeAlarms: [{ AlarmName: 'S3GcsBackup-production-B', StateValue: 'ALARM' }] });
    expect(await readStackAlarms(new CloudWatchClient({ region: 'eu-west-1' }), 'S3GcsBackup-production')).toEqual([
      { name: 'S3GcsBackup-production-A', actions: ['arn:t'], state: 'OK' },
      { name: 'S3GcsBackup-production-B', actions: [], state: 'ALARM' },
    ]);
  });

  it('tells a pending subscription from a confirmed one', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'a@example.com', SubscriptionArn: 'PendingConfirmation' },
        { Protocol: 'lambda', Endpoint: 'arn:aws:lambda:eu-west-1:1:function:slack', SubscriptionArn: 'arn:aws:sns:eu-west-1:1:alerts:abc' },
      ],
    });
    expect(await readSubscriptions(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:1:alerts')).toEqual([
      { protocol: 'email', endpoint: 'a@example.com', confirmed: false },
      { protocol: 'lambda', endpoint: 'arn:aws:lambda:eu-west-1:1:function:slack', confirmed: true },
    ]);
  });
});
