import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmFacts } from './checks';

/** Transport of `s3gcs doctor` on the AWS side: the stack's alarms and who is subscribed to its alert topic. */

/**
 * The stack's metric alarms. CloudFormation names an alarm the stack does not name `<stack>-<logical id>-<suffix>`,
 * so the stack name is their common prefix.
 */
export async function readStackAlarms(cloudwatch: CloudWatchClient, stackName: string): Promise<AlarmFacts[]> {
  const alarms: AlarmFacts[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${stackName}-`, NextToken }));
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      alarms.push({ name: a.AlarmName ?? '', actions: a.AlarmActions ?? [], state: a.StateValue ?? 'UNKNOWN' });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return alarms;
}

export async function readSubscriptions(sns: SNSClient, topicArn: string): Promise<{ protocol: string; endpoint: string; confirmed: boolean }[]> {
  const subs: { protocol: string; endpoint: string; confirmed: boolean }[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    for (const s of page.Subscriptions ?? []) {
      // An unconfirmed subscription has the ARN "PendingConfirmation" instead of its own.
      subs.push({ protocol: s.Protocol ?? '', endpoint: s.Endpoint ?? '', confirmed: (s.SubscriptionArn ?? '').startsWith('arn:') });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return subs;
}

export { CloudWatchClient };
