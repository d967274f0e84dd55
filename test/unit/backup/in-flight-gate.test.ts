import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { InFlightGate, InFlightLimitReached, sfnRunningExecutionCounter, sqsRequeue } from '../../../workflows/backup/in-flight-gate';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:backup-object';

/** A clock the gate's sleeps move forward: no real waits, and deadlines are exact. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('InFlightGate', () => {
  it('expect each starter to take only its share of the free slots: floor((max - running) / starters)', async () => {
    const time = fakeTime();
    let running = 4;
    const counts: number[] = [];
    const gate = new InFlightGate(
      async (atLeast) => {
        counts.push(atLeast);
        return running;
      },
      { maxInFlight: 10, starters: 3 },
      { ...time, graceMs: 0, recountMs: 1000, random: () => 1 },
    );
    await gate.admit(Infinity);
    await gate.admit(Infinity); // floor(6 / 3) = 2 permits from one count
    expect(counts).toEqual([10]);
    running = 9; // free 1 < 3 starters: no share; wait and count again
    const third = gate.admit(Infinity);
    await Promise.resolve();
    running = 4;
    await third;
    expect(counts).toEqual([10, 10, 10]);
    expect(time.sleeps).toEqual([1000]);
  });

  it('expect starts it granted within the grace period counted, as ListExecutions may not list them yet', async () => {
    const time = fakeTime();
    const gate = new InFlightGate(async () => 0, { maxInFlight: 2, starters: 1 }, { ...time, graceMs: 5000, recountMs: 1000, random: () => 1 });
    await gate.admit(Infinity);
    await gate.admit(Infinity);
    // The counter still says 0 running, but the two granted just now fill the bound until the grace has passed.
    await gate.admit(Infinity);
    expect(time.now()).toBeGreaterThanOrEqual(5000);
  });

  it('expect InFlightLimitReached once waiting would pass the deadline, naming the count', async () => {
    const time = fakeTime();
    const gate = new InFlightGate(async () => 7, { maxInFlight: 7, starters: 2 }, { ...time, graceMs: 0, recountMs: 1000, random: () => 1 });
    const err = (await gate.admit(2500).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(InFlightLimitReached);
    expect(err.message).toMatch(/7 executions are running or just started and the stage allows 7/);
    expect(time.sleeps).toEqual([1000, 1000]);
  });

  it('expect a throttled count to wait and count again, and access denied to fail at once', async () => {
    const time = fakeTime();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    let calls = 0;
    const gate = new InFlightGate(
      async () => {
        calls++;
        if (calls === 1) throw throttled;
        return 0;
      },
      { maxInFlight: 3, starters: 1 },
      { ...time, graceMs: 0, recountMs: 1000, random: () => 0 },
    );
    await gate.admit(Infinity);
    expect(time.sleeps).toEqual([500]);
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    const strict = new InFlightGate(
      async () => {
        throw denied;
      },
      { maxInFlight: 3, starters: 1 },
      time,
    );
    await expect(strict.admit(Infinity)).rejects.toBe(denied);
  });

  it('expect concurrent callers served one at a time, never more permits than counted', async () => {
    const gate = new InFlightGate(async () => 0, { maxInFlight: 4, starters: 2 }, { graceMs: 60_000, recountMs: 10, sleep: async () => undefined, random: () => 1 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => gate.admit(0)));
    // 2 permits (floor(4 / 2)); then 2 granted within the grace fill this starter's view to 2 of 4: share 1; then none.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });
});

describe('sfnRunningExecutionCounter', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  it('expect one ListExecutions page of RUNNING executions, as large as the bound', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [{}, {}, {}] as never, nextToken: 'more' });
    await expect(sfnRunningExecutionCounter(new SFNClient({}), SM)(3)).resolves.toBe(3);
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([{ stateMachineArn: SM, statusFilter: 'RUNNING', maxResults: 3 }]);
  });
});

describe('sqsRequeue', () => {
  it('expect the same body sent to the intake queue, delayed', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'new' });
    await sqsRequeue(new SQSClient({}), 'https://sqs.us-east-1.amazonaws.com/123456789012/intake', 60)({ body: '{"Records":[]}' } as SQSRecord);
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/intake', MessageBody: '{"Records":[]}', DelaySeconds: 60 },
    ]);
  });
});
