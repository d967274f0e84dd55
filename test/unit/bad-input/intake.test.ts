/**
 * Bad-input corpus, intake rows (I*): what start-executions does with every malformed, empty or unknown message, in
 * ONE batch with good messages. Each bad message is reported in batchItemFailures (SQS redelivers it, then moves it to
 * the dead-letter queue, which alarms), its reason is logged, the good messages are started, and nothing throws.
 * The rows are documented in docs/reliability.md.
 */
import { ExecutionAlreadyExists, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { compileSkipRules } from '../../../workflows/backup/skip-rules';
import { startExecutionsForBatch, type StartExecutionsDeps, type StartLogger } from '../../../workflows/backup/start-executions';
import { S3_TEST_EVENT, eventBridge, s3Record, snsEnvelope, sqsMessage } from './events';

const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:backup-object';
const sfnMock = mockClient(SFNClient);

/** id → [message body, the reason its failure is logged with (undefined: the message succeeds)] */
const BAD: Record<string, [unknown, RegExp]> = {
  I1: ['{"Records": [', /SQS message body is not JSON/],
  I2: ['', /SQS message body is not JSON: ""/],
  I3: [{ hello: 'world' }, /is not an S3 event: expected S3 notification JSON/],
  I4: [{ Records: [] }, /has no S3 notification records/],
  I5: [{ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, /Records\[0\] is not an S3 notification record \(eventSource string "aws:sqs"\)/],
  I7: [{ Records: [s3Record('tagged.txt', { eventName: 'ObjectTagging:Put' })] }, /"ObjectTagging:Put" is not backed up: only ObjectCreated/],
  I8: [eventBridge('Object Restore Completed', 'restored.txt'), /detail-type "Object Restore Completed" is not backed up/],
  I9: [{ Records: [s3Record('', {})] }, /needs a non-empty string "key"/],
  I10: [{ Records: [s3Record('bad%E0%A4%Akey', {})] }, /S3 event key is not valid percent-encoding/],
  I11: [{ Records: [s3Record('sized.txt', { object: { size: -1 } })] }, /"size" must be a non-negative integer/],
  I12: [snsEnvelope({ Records: [s3Record('x.txt')] }), /SNS envelope has no string Message/],
};

function setup(): { deps: StartExecutionsDeps; logger: jest.Mocked<StartLogger> } {
  const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as jest.Mocked<StartLogger>;
  const deps: StartExecutionsDeps = {
    sfn: new SFNClient({ region: 'us-east-1', maxAttempts: 1 }),
    stateMachineArn: ARN,
    skipReason: compileSkipRules([]),
    logger,
    sleep: () => Promise.resolve(),
    random: () => 0.5,
  };
  return { deps, logger };
}

function startedNames(): string[] {
  return sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name!);
}

function failureReason(logger: jest.Mocked<StartLogger>, messageId: string): string | undefined {
  const call = logger.error.mock.calls.find(([, extra]) => (extra as { messageId?: string } | undefined)?.messageId === messageId);
  return (call?.[1] as { reason?: string } | undefined)?.reason;
}

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `${ARN}:${input.name}`, startDate: new Date() }));
});

describe('bad messages in one batch with good ones', () => {
  const good = [
    sqsMessage({ Records: [s3Record('good/one.txt')] }, 'good-1'),
    sqsMessage(snsEnvelope(JSON.stringify({ Records: [s3Record('good/two.txt', { object: { sequencer: '0055AED6DCD90281F1' } })] })), 'good-2'),
    sqsMessage(eventBridge('Object Created', 'good/three+plus.txt'), 'good-3'),
  ];
  const bad = Object.entries(BAD).map(([id, [body]]) => sqsMessage(body, id));

  test.each(Object.keys(BAD))('%s is reported failed with a clear reason; the batch goes on', async (id) => {
    const { deps, logger } = setup();
    const response = await startExecutionsForBatch({ Records: [...bad, ...good] }, deps);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toContain(id);
    expect(failureReason(logger, id)).toMatch(BAD[id]![1]);
    expect(logger.error.mock.calls.find(([, e]) => (e as { messageId?: string }).messageId === id)?.[1]).toMatchObject({ errorName: 'InvalidInput' });
  });

  test('I15 a batch of every bad message and three good ones: only the bad ones fail, the good ones start, nothing throws', async () => {
    const { deps } = setup();
    const response = await startExecutionsForBatch({ Records: [...bad, ...good] }, deps);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(Object.keys(BAD).sort());
    expect(startedNames()).toHaveLength(3);
    expect(startedNames().some((n) => n.startsWith('copy-good-three-plus-txt-'))).toBe(true);
  });
});

test('I6 the S3 TestEvent is acknowledged and starts nothing', async () => {
  const { deps, logger } = setup();
  const response = await startExecutionsForBatch({ Records: [sqsMessage(S3_TEST_EVENT, 'test-event')] }, deps);
  expect(response.batchItemFailures).toEqual([]);
  expect(startedNames()).toEqual([]);
  expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/S3 TestEvent acknowledged/), expect.anything());
});

test('I13 one bad record among good ones in a message: the good ones start, the message is retried, redelivery dedupes', async () => {
  const { deps, logger } = setup();
  const body = { Records: [s3Record('a.txt'), s3Record('b.txt', { eventName: 'ObjectAcl:Put' }), s3Record('c.txt')] };
  const first = await startExecutionsForBatch({ Records: [sqsMessage(body, 'mixed')] }, deps);
  expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'mixed' }]);
  expect(failureReason(logger, 'mixed')).toMatch(/1 of 3 event\(s\) in message mixed failed: event #2: .*"ObjectAcl:Put" is not backed up/);
  const names = startedNames();
  expect(names).toHaveLength(2);

  sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
  await startExecutionsForBatch({ Records: [sqsMessage(body, 'mixed')] }, deps);
  expect(startedNames().slice(2)).toEqual(names); // the same deterministic names: deduplicated, not doubled
});

test('I14 StartExecution throttled beyond its retries: the message is retried later, not dropped', async () => {
  const { deps, logger } = setup();
  sfnMock
    .on(StartExecutionCommand)
    .rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }));
  const response = await startExecutionsForBatch({ Records: [sqsMessage({ Records: [s3Record('busy.txt')] }, 'busy')] }, deps);
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'busy' }]);
  expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(6);
  expect(logger.error.mock.calls[0]?.[1]).toMatchObject({ errorName: 'TransientError' });
});
