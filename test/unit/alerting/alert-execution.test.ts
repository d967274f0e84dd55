/**
 * The alert function (workflows/handlers/alert-execution.ts) with Step Functions and SNS mocked: the event EventBridge
 * sends when an execution ends → the execution read back → the alert published, or the flood summary.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { alertExecutionHandler, type StatusChangeEvent } from '../../../workflows/handlers/alert-execution';
import { replayCommand } from '../../../workflows/backup/alert';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:s3-gcs-backup-staging-object';
const exec = (name: string): string => MACHINE.replace(':stateMachine:', ':execution:') + `:${name}`;
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const STOP = new Date('2026-12-04T10:02:30Z');
const REPORT = { bucket: 'src', key: "it's a key.bin", version: 'v-1', replayCommand: replayCommand(MACHINE, { bucket: 'src', key: "it's a key.bin", versionId: 'v-1' }) };

const sfnMock = mockClient(SFNClient);
const snsMock = mockClient(SNSClient);
const handler = alertExecutionHandler({
  sfn: new SFNClient({ region: 'eu-west-1' }),
  sns: new SNSClient({ region: 'eu-west-1' }),
  topicArn: TOPIC,
  flood: { maxAlerts: 2, windowSeconds: 300 },
  logger: new Logger({ logLevel: 'SILENT' }),
});

const event = (name: string, status: string): StatusChangeEvent => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  account: '111122223333',
  time: STOP.toISOString(),
  region: 'eu-west-1',
  resources: [exec(name)],
  detail: { executionArn: exec(name), stateMachineArn: MACHINE, status, stopDate: STOP.getTime() },
});

/** A history as AWS records it: normalized, escalated from small to large, failed at the large copier. */
const history = (): HistoryEvent[] => {
  let id = 0;
  const e = (type: string, details: Record<string, unknown> = {}): HistoryEvent => ({ id: ++id, previousEventId: id - 1, timestamp: STOP, type, ...details }) as HistoryEvent;
  return [
    e('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } }),
    e('TaskStateEntered', { stateEnteredEventDetails: { name: 'Normalize the event' } }),
    e('TaskSucceeded', { taskSucceededEventDetails: { resource: 'invoke', resourceType: 'lambda', output: '{}' } }),
    e('TaskStateExited', { stateExitedEventDetails: { name: 'Normalize the event', output: JSON.stringify({ prepared: { report: REPORT } }) } }),
    e('TaskStateEntered', { stateEnteredEventDetails: { name: 'Copy the object with the small Lambda' } }),
    e('TaskFailed', { taskFailedEventDetails: { resource: 'invoke', resourceType: 'lambda', error: 'Runtime.OutOfMemory', cause: 'oom' } }),
    e('TaskStateExited', { stateExitedEventDetails: { name: 'Copy the object with the small Lambda' } }),
    e('PassStateEntered', { stateEnteredEventDetails: { name: 'Escalate from the small Lambda to the large Lambda' } }),
    e('PassStateExited', { stateExitedEventDetails: { name: 'Escalate from the small Lambda to the large Lambda', output: JSON.stringify({ prepared: { report: REPORT } }) } }),
    e('TaskStateEntered', { stateEnteredEventDetails: { name: 'Copy the object with the large Lambda' } }),
    e('TaskFailed', { taskFailedEventDetails: { resource: 'invoke', resourceType: 'lambda', error: 'DestinationAccessDenied', cause: 'GCS 403' } }),
    e('ExecutionFailed', { executionFailedEventDetails: { error: 'DestinationAccessDenied', cause: 'GCS 403' } }),
  ];
};

function described(name: string, status: string, extra: Record<string, unknown> = {}) {
  return { executionArn: exec(name), stateMachineArn: MACHINE, status, startDate: new Date(STOP.getTime() - 1000), stopDate: STOP, ...extra } as never;
}

beforeEach(() => {
  sfnMock.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sfnMock.on(GetExecutionHistoryCommand).resolves({ events: history() });
  sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
});

test('a FAILED execution: the alert names the object, the error, the tiers tried, where it failed, and both commands', async () => {
  sfnMock.on(DescribeExecutionCommand).resolves(described('x1', 'FAILED', { error: 'DestinationAccessDenied', cause: 'GCS 403' }));
  await expect(handler(event('x1', 'FAILED'))).resolves.toEqual({ published: 'alert' });
  expect(sfnMock).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: exec('x1'), includeExecutionData: true });
  expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  const { Subject, Message, TopicArn } = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
  expect(TopicArn).toBe(TOPIC);
  expect(Subject).toBe('S3 to GCS backup failed');
  expect(Message!.split('\n')).toEqual(
    expect.arrayContaining([
      'Bucket: src',
      "Key: it's a key.bin",
      'Version: v-1',
      'Status: FAILED at "Copy the object with the large Lambda"',
      'Error: DestinationAccessDenied',
      'Cause: GCS 403',
      'Copiers tried:',
      '  - the small Lambda failed with Runtime.OutOfMemory',
      '  - the large Lambda failed with DestinationAccessDenied',
      `Execution (console): https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${exec('x1')}`,
      `aws stepfunctions redrive-execution --execution-arn '${exec('x1')}'`,
      REPORT.replayCommand,
    ]),
  );
});

test.each([
  ['TIMED_OUT', 'S3 to GCS backup timed out', 'Error: States.Timeout'],
  ['ABORTED', 'S3 to GCS backup aborted', 'Error: Aborted (StopExecution was called)'],
])('%s alerts too, without flood counting, naming the status', async (status, subject, errorLine) => {
  sfnMock.on(DescribeExecutionCommand).resolves(described('x2', status));
  sfnMock.on(GetExecutionHistoryCommand).resolves({ events: history().slice(0, -1) });
  await expect(handler(event('x2', status))).resolves.toEqual({ published: 'alert' });
  const { Subject, Message } = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
  expect(Subject).toBe(subject);
  expect(Message).toContain(`Status: ${status} at "Copy the object with the large Lambda"`);
  expect(Message).toContain(errorLine);
  expect(sfnMock).not.toHaveReceivedCommand(ListExecutionsCommand);
});

test('a status that is not an ending (RUNNING, SUCCEEDED) publishes nothing', async () => {
  await expect(handler(event('x3', 'SUCCEEDED'))).resolves.toEqual({ published: 'none' });
  expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
});

describe('flood control (2 alerts per 5 minutes in these tests)', () => {
  const failures = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ executionArn: exec(`f${i + 1}`), stateMachineArn: MACHINE, name: `f${i + 1}`, status: 'FAILED', startDate: new Date(STOP.getTime() - 60_000), stopDate: new Date(STOP.getTime() - (n - 1 - i) * 1000) })) as never[];

  beforeEach(() => {
    sfnMock.on(ListExecutionsCommand).resolves({ executions: failures(4) });
    sfnMock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) =>
      described(input.executionArn.split(':').at(-1)!, 'FAILED', { error: input.executionArn.endsWith('f2') ? 'TransientError' : 'DestinationAccessDenied', cause: 'c' }),
    );
  });

  test('the failures within the limit alert one by one', async () => {
    await expect(handler(event('f2', 'FAILED'))).resolves.toEqual({ published: 'alert' });
    expect(sfnMock).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: MACHINE, statusFilter: 'FAILED' });
  });

  test('the first failure over the limit sends one summary: count, most common error, the command that lists them', async () => {
    await expect(handler(event('f3', 'FAILED'))).resolves.toEqual({ published: 'summary' });
    const { Subject, Message } = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(Subject).toBe('S3 to GCS backup: many failures');
    expect(Message).toContain('3 backup executions failed since 2026-12-04T10:00:00.000Z');
    expect(Message).toContain('Most common error: DestinationAccessDenied (2 of 3)');
    expect(Message).toContain('s3gcs executions --status FAILED --since 2026-12-04T10:00:00.000Z');
  });

  test('later failures in the same window publish nothing', async () => {
    await expect(handler(event('f4', 'FAILED'))).resolves.toEqual({ published: 'none' });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  test('failures that stopped in an earlier window do not count', async () => {
    const earlier = failures(4).map((e, i) => (i < 3 ? { ...(e as object), stopDate: new Date('2026-12-04T09:59:00Z') } : e));
    sfnMock.on(ListExecutionsCommand).resolves({ executions: earlier as never[] });
    await expect(handler(event('f4', 'FAILED'))).resolves.toEqual({ published: 'alert' });
  });
});

test('a publish SNS refuses throws, so EventBridge retries the event (and finally parks it in the DLQ)', async () => {
  sfnMock.on(DescribeExecutionCommand).resolves(described('x5', 'FAILED', { error: 'E', cause: 'C' }));
  snsMock.on(PublishCommand).rejects(new Error('KMS key disabled'));
  await expect(handler(event('x5', 'FAILED'))).rejects.toThrow('KMS key disabled');
});
