import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ExecutionAlreadyExists,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { executionName } from '../../../workflows/backup/execution-name';
import { InFlightLimitReached, type InFlightGate } from '../../../workflows/backup/in-flight-gate';
import { normalizeExecutionInput, objectEventInput } from '../../../workflows/backup/normalize';
import { compileSkipRules } from '../../../workflows/backup/skip-rules';
import { loadRecordedErrors, rebuildError } from '../../support/recorded-errors';
import {
  readStartExecutionsConfig,
  startExecutionsForBatch,
  type StartExecutionsDeps,
  type StartLogger,
} from '../../../workflows/backup/start-executions';

const FIXTURES = path.join(__dirname, '../../fixtures/events');
const fixture = <T = Record<string, unknown>>(name: string): T => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
const batch = (name: string): SQSEvent => fixture<SQSEvent>(name);
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:backup-object';

const sfnMock = mockClient(SFNClient);

const throttling = () =>
  new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
const alreadyExists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } });

function messageFor(body: unknown, messageId: string): SQSRecord {
  const [template] = batch('sqs-batch-s3-direct.json').Records;
  return { ...template!, messageId, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function setup(overrides: Partial<StartExecutionsDeps> = {}) {
  const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies StartLogger;
  const sleep = jest.fn((_ms: number) => Promise.resolve());
  const deps: StartExecutionsDeps = {
    sfn: new SFNClient({ region: 'us-east-1', maxAttempts: 1 }),
    stateMachineArn: STATE_MACHINE_ARN,
    skipReason: compileSkipRules([]),
    logger,
    sleep,
    random: () => 1,
    ...overrides,
  };
  return { deps, logger, sleep };
}

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
});

describe('startExecutionsForBatch', () => {
  it('S3→SQS: starts the object event, acknowledges the TestEvent, reports only the malformed message', async () => {
    const { deps, logger } = setup();
    const event = batch('sqs-batch-s3-direct.json');
    const result = await startExecutionsForBatch(event, deps);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a1b2c3d4-0000-4000-8000-000000000003' }] });
    const record = (JSON.parse(event.Records[0]!.body) as { Records: unknown[] }).Records[0];
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: executionName(normalizeExecutionInput(record)),
      // The normalized event, not the raw record: about a third of its size in every logged Express event.
      input: JSON.stringify(objectEventInput(normalizeExecutionInput(record))),
    });
    expect(executionName(normalizeExecutionInput(record))).toMatch(/^copy-docs-report-Q3-pdf-/);
    expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/TestEvent acknowledged/), {
      messageId: '2e1424d4-f796-459a-8184-9c92662be6da',
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/DLQ after maxReceiveCount/),
      expect.objectContaining({
        messageId: 'a1b2c3d4-0000-4000-8000-000000000003',
        receiveCount: 1,
        errorName: 'InvalidInput',
        reason: expect.stringMatching(/SQS message body is not JSON: "not json at all"/),
      }),
    );
    // Each start is recorded by the execution itself (Standard history, the Express log): the intake's line for it is
    // DEBUG, so at INFO a successful copy costs no Lambda log line per object beyond the batch tally.
    expect(logger.info).not.toHaveBeenCalledWith('Execution started', expect.anything());
    expect(logger.debug).toHaveBeenCalledWith('Execution started', expect.objectContaining({ executionName: executionName(normalizeExecutionInput(record)), attempt: 1 }));
    expect(logger.info).toHaveBeenCalledWith('Batch processed', {
      messages: 3,
      started: 1,
      alreadyExists: 0,
      skipped: 0,
      testEvents: 1,
      requeued: 0,
      failedMessages: 1,
    });
  });

  it('S3→SNS→SQS: starts the record carried in the SNS Message, not the envelope', async () => {
    const { deps } = setup();
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-via-sns.json'), deps);

    expect(result.batchItemFailures).toEqual([]);
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const input = JSON.parse(calls[0]!.args[0].input.input!) as Record<string, unknown>;
    expect(input).toMatchObject({ format: 'object-event/1', origin: 's3-notification', key: 'images/日本語.png' });
    expect(normalizeExecutionInput(input).key).toBe('images/日本語.png');
    expect(calls[0]!.args[0].input.name).toMatch(/^copy-images-png-[a-z2-7]{26}$/);
  });

  it('EventBridge→SQS: starts each event with its plain key, deletes included', async () => {
    const { deps } = setup();
    const event = batch('sqs-batch-eventbridge.json');
    const result = await startExecutionsForBatch(event, deps);

    expect(result.batchItemFailures).toEqual([]);
    const started = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(started).toHaveLength(3);
    for (const record of event.Records) {
      const ev = normalizeExecutionInput(JSON.parse(record.body));
      expect(started).toContainEqual({ stateMachineArn: STATE_MACHINE_ARN, name: executionName(ev), input: JSON.stringify(objectEventInput(ev)) });
    }
    expect(started.map((s) => s.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^delete-photos-old-jpg-/), expect.stringMatching(/^copy-notes-c-a-b-20c-txt-/)]),
    );
  });

  it('dedupes: ExecutionAlreadyExists counts as success and is logged', async () => {
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    const { deps, logger } = setup();
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-via-sns.json'), deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/duplicate delivery deduped/),
      expect.objectContaining({ key: 'images/日本語.png', executionName: expect.stringMatching(/^copy-images-png-/) }),
    );
    expect(logger.info).toHaveBeenCalledWith('Batch processed', expect.objectContaining({ started: 0, alreadyExists: 1 }));
  });

  it('gives duplicate deliveries of one event in one batch the same name', async () => {
    const { deps } = setup();
    const [message] = batch('sqs-batch-s3-via-sns.json').Records;
    await startExecutionsForBatch({ Records: [message!, { ...message!, messageId: 'duplicate' }] }, deps);

    const names = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(names[1]);
  });

  it('retries throttling with full-jitter backoff, then succeeds', async () => {
    sfnMock.on(StartExecutionCommand).rejectsOnce(throttling()).rejectsOnce(throttling()).resolves({ executionArn: 'arn:x' });
    const { deps, sleep, logger } = setup({ random: () => 0.5 });
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-via-sns.json'), deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 3);
    // random 0.5 × min(5000, 200 × 2^(attempt−1))
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([100, 200]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/retrying/),
      expect.objectContaining({ attempt: 1, error: 'ThrottlingException: Rate exceeded' }),
    );
  });

  it('caps the backoff and reports the message failed when throttling outlasts the attempts', async () => {
    sfnMock.on(StartExecutionCommand).rejects(throttling());
    const { deps, sleep, logger } = setup({ retry: { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 1_000 } });
    const event = batch('sqs-batch-s3-via-sns.json');
    const result = await startExecutionsForBatch(event, deps);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 6);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([200, 400, 800, 1000, 1000]);
    expect(logger.error).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ errorName: 'TransientError', reason: expect.stringMatching(/still failing after 6 attempts: ThrottlingException/) }),
    );
  });

  it('retries 5xx and network resets too', async () => {
    const unavailable = new SFNServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'x' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    sfnMock.on(StartExecutionCommand).rejectsOnce(unavailable).rejectsOnce(reset).resolves({ executionArn: 'arn:x' });
    const { deps } = setup();
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-via-sns.json'), deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 3);
  });

  it('does not retry a permanent error in place, and fails the message with its name', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));
    const { deps, sleep, logger } = setup();
    const event = batch('sqs-batch-s3-via-sns.json');
    const result = await startExecutionsForBatch(event, deps);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sleep).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ reason: expect.stringMatching(/StateMachineDoesNotExist/) }),
    );
  });

  it('skips keys matching a skip rule early, logging the pattern, and never starts them', async () => {
    const { deps, logger } = setup({ skipReason: compileSkipRules(['docs/**', '**/*.tmp']) });
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-direct.json'), deps);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'a1b2c3d4-0000-4000-8000-000000000003' }]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/Skipped by skip rule/),
      expect.objectContaining({ pattern: 'docs/**', bucket: 'source-bucket', key: 'docs/report Q3.pdf' }),
    );
    expect(logger.info).toHaveBeenCalledWith('Batch processed', expect.objectContaining({ skipped: 1, started: 0 }));
  });

  it('fails a multi-record message when one record fails, after starting the others; redelivery dedupes them', async () => {
    const put = (fixture<{ Records: Record<string, unknown>[] }>('s3-notification-put.json')).Records[0]!;
    const restore = { ...put, eventName: 'ObjectRestore:Delete' };
    const del = (fixture<{ Records: Record<string, unknown>[] }>('s3-notification-delete.json')).Records[0]!;
    const message = messageFor({ Records: [put, restore, del] }, 'multi');
    const { deps, logger } = setup();

    const first = await startExecutionsForBatch({ Records: [message] }, deps);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'multi' }]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    expect(logger.error).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ reason: expect.stringMatching(/1 of 3 event\(s\) in message multi failed: event #2: .*ObjectRestore:Delete/) }),
    );

    expect(logger.info).toHaveBeenCalledWith('Batch processed', expect.objectContaining({ started: 2, failedMessages: 1 }));

    // SQS redelivers the whole message: the two started events are now duplicates, not new executions.
    const firstNames = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    const second = await startExecutionsForBatch({ Records: [message] }, deps);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'multi' }]);
    const secondNames = sfnMock.commandCalls(StartExecutionCommand).slice(2).map((c) => c.args[0].input.name);
    expect(secondNames).toEqual(firstNames);
    expect(logger.info).toHaveBeenLastCalledWith('Batch processed', expect.objectContaining({ started: 0, alreadyExists: 2, failedMessages: 1 }));
  });

  it('reports every message of a wholly failed batch instead of throwing', async () => {
    const event: SQSEvent = { Records: [messageFor('nope', 'm1'), messageFor('{"foo":1}', 'm2')] };
    const { deps } = setup();
    await expect(startExecutionsForBatch(event, deps)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }],
    });
  });
});

describe('the bound on executions in flight', () => {
  const objectMessage = (key: string, id: string) =>
    messageFor({ Records: [{ ...JSON.parse(batch('sqs-batch-s3-direct.json').Records[0]!.body).Records[0], s3: { bucket: { name: 'b' }, object: { key, size: 1, sequencer: '0A' } } }] }, id);

  it('starts only what the gate admits; a message still waiting at the deadline is sent back to the queue and acknowledged', async () => {
    let permits = 1;
    const gate = { admit: jest.fn(async () => (permits-- > 0 ? undefined : Promise.reject(new InFlightLimitReached('5 executions are running and the stage allows 5')))) };
    const requeue = jest.fn(async (_r: SQSRecord) => undefined);
    const { deps, logger } = setup({ inFlight: { gate: gate as unknown as InFlightGate, deadline: 0, requeue } });
    const event: SQSEvent = { Records: [objectMessage('a.bin', 'm1'), objectMessage('b.bin', 'm2')] };
    const response = await startExecutionsForBatch(event, deps);
    expect(response.batchItemFailures).toEqual([]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(requeue.mock.calls.map(([r]) => r.messageId)).toHaveLength(1);
    expect(logger.info).toHaveBeenCalledWith('Batch processed', expect.objectContaining({ started: 1, requeued: 1, failedMessages: 0 }));
  });

  it('reports the message failed (SQS delivers it again) when it cannot be sent back either', async () => {
    const gate = { admit: jest.fn(async () => Promise.reject(new InFlightLimitReached('full'))) };
    const requeue = jest.fn(async () => Promise.reject(new Error('sqs:SendMessage denied')));
    const { deps } = setup({ inFlight: { gate: gate as unknown as InFlightGate, deadline: 0, requeue } });
    const response = await startExecutionsForBatch({ Records: [objectMessage('a.bin', 'm1')] }, deps);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('reads MAX_EXECUTIONS_IN_FLIGHT, INTAKE_MAX_CONCURRENCY and INTAKE_QUEUE_URL together, refusing a partial or inconsistent set', () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/111122223333/intake';
    expect(readStartExecutionsConfig({ STATE_MACHINE_ARN, MAX_EXECUTIONS_IN_FLIGHT: '29', INTAKE_MAX_CONCURRENCY: '2', INTAKE_QUEUE_URL: url }).inFlight).toEqual({
      maxInFlight: 29,
      starters: 2,
      queueUrl: url,
    });
    expect(readStartExecutionsConfig({ STATE_MACHINE_ARN }).inFlight).toBeUndefined();
    expect(() => readStartExecutionsConfig({ STATE_MACHINE_ARN, MAX_EXECUTIONS_IN_FLIGHT: '29' })).toThrow(/INTAKE_MAX_CONCURRENCY, INTAKE_QUEUE_URL not set/);
    expect(() => readStartExecutionsConfig({ STATE_MACHINE_ARN, MAX_EXECUTIONS_IN_FLIGHT: '1', INTAKE_MAX_CONCURRENCY: '2', INTAKE_QUEUE_URL: url })).toThrow(
      /must not exceed MAX_EXECUTIONS_IN_FLIGHT/,
    );
  });

  it('counts the executions of COUNTED_STATE_MACHINE_ARN when set (express-first: the Standard machine), refusing a non-ARN', () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/111122223333/intake';
    const counted = 'arn:aws:states:us-east-1:111122223333:stateMachine:backup-object';
    const env = { STATE_MACHINE_ARN, MAX_EXECUTIONS_IN_FLIGHT: '29', INTAKE_MAX_CONCURRENCY: '2', INTAKE_QUEUE_URL: url };
    expect(readStartExecutionsConfig({ ...env, COUNTED_STATE_MACHINE_ARN: counted }).inFlight?.countedStateMachineArn).toBe(counted);
    expect(() => readStartExecutionsConfig({ ...env, COUNTED_STATE_MACHINE_ARN: 'backup-object' })).toThrow(/COUNTED_STATE_MACHINE_ARN is not a state machine ARN/);
  });
});

describe('StartExecution failures, recorded from @aws-sdk/client-sfn (test/fixtures/errors/sfn.json)', () => {
  const recorded = new Map(loadRecordedErrors('sfn.json').map((r) => [r.id, r.error]));
  const replay = (id: string) => rebuildError(recorded.get(id)!);

  it.each(['sfn-start-throttled', 'sfn-start-reset', 'sfn-start-500-internal-failure', 'sfn-start-503-html'])('retries %s in place, then starts', async (id) => {
    sfnMock.on(StartExecutionCommand).rejectsOnce(replay(id)).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const { deps, sleep } = setup();
    await expect(startExecutionsForBatch(batch('sqs-batch-s3-direct.json'), deps)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'a1b2c3d4-0000-4000-8000-000000000003' }],
    });
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('does not retry InvalidName in place: the message is reported at once', async () => {
    sfnMock.on(StartExecutionCommand).rejects(replay('sfn-start-invalid-name'));
    const { deps, sleep } = setup();
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-direct.json'), deps);
    expect(result.batchItemFailures).toHaveLength(2);
    expect(sleep).not.toHaveBeenCalled();
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('dedupes the recorded ExecutionAlreadyExists', async () => {
    sfnMock.on(StartExecutionCommand).rejects(replay('sfn-start-already-exists'));
    const { deps, sleep } = setup();
    const result = await startExecutionsForBatch(batch('sqs-batch-s3-direct.json'), deps);
    expect(result.batchItemFailures).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe('readStartExecutionsConfig', () => {
  it('reads the ARN and compiles SKIP_PATTERNS', () => {
    const config = readStartExecutionsConfig({ STATE_MACHINE_ARN, SKIP_PATTERNS: '["**/*.tmp"]' });
    expect(config.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(config.skipPatterns).toEqual(['**/*.tmp']);
    expect(config.skipReason('a/b.tmp')).toBe('**/*.tmp');
    expect(config.skipReason('a/b.txt')).toBeUndefined();
  });

  it('accepts no SKIP_PATTERNS', () => {
    expect(readStartExecutionsConfig({ STATE_MACHINE_ARN }).skipPatterns).toEqual([]);
  });

  it.each([
    ['STATE_MACHINE_ARN missing', {}, /^STATE_MACHINE_ARN is not set/],
    ['STATE_MACHINE_ARN not a state machine', { STATE_MACHINE_ARN: 'arn:aws:lambda:us-east-1:1:function:f' }, /^STATE_MACHINE_ARN is not a state machine ARN/],
    ['SKIP_PATTERNS not JSON', { STATE_MACHINE_ARN, SKIP_PATTERNS: '**/*.tmp' }, /^SKIP_PATTERNS must be a JSON array/],
    ['SKIP_PATTERNS negated', { STATE_MACHINE_ARN, SKIP_PATTERNS: '["!keep/**"]' }, /^SKIP_PATTERNS: .*negated/],
  ])('fails fast when %s, naming the variable', (_label, env, pattern) => {
    expect(() => readStartExecutionsConfig(env)).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(pattern) }),
    );
  });
});
