import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalIntake } from '../../../../workflows/local/sandbox/intake';

const SM = 'arn:aws:states:local:000000000000:stateMachine:backup-object';
const sfn = mockClient(SFNClient);
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const event = (key: string) => ({ type: 'created' as const, bucket: 'src', key, size: 1, etag: 'e', sequencer: '0A', eventTime: new Date().toISOString() });

describe('LocalIntake', () => {
  beforeEach(() => sfn.reset());

  it('delivers object events in batches to start-executions: one StartExecution per event', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const intake = new LocalIntake({ sfn: new SFNClient({ region: 'local' }), stateMachineArn: SM, logger: quiet, batchSize: 2, batchWindowMs: 5 });
    for (const key of ['a', 'b', 'c']) intake.push(event(key));
    await intake.idle();
    const inputs = sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!).key);
    expect(inputs.sort()).toEqual(['a', 'b', 'c']);
    expect(sfn.commandCalls(StartExecutionCommand).every((c) => c.args[0].input.name!.startsWith('copy-'))).toBe(true);
    await intake.close();
  });

  it('delivers a failed message again after the visibility timeout, then dead-letters it after maxReceiveCount', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('no such state machine'), { name: 'StateMachineDoesNotExist', $metadata: {} }));
    const intake = new LocalIntake({ sfn: new SFNClient({ region: 'local' }), stateMachineArn: SM, logger: quiet, batchWindowMs: 1, visibilityTimeoutMs: 5, maxReceiveCount: 3 });
    const dead: string[] = [];
    intake.onDeadLetter((l) => dead.push(l.record.attributes.ApproximateReceiveCount));
    intake.push(event('doomed'));
    await intake.idle();
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(3);
    expect(dead).toEqual(['3']);
    expect(intake.deadLetters).toHaveLength(1);
    await intake.close();
  });
});
