import type { JsonObject } from '../../../../workflows/local/asl-definition';
import { LocalStepFunctions, type ExecutionStatusChangeEvent, type LocalStateMachine } from '../../../../workflows/local/sfn-api';
import { SCRIPTED_ARN as ARN, scriptedMachine, type CopyScript } from '../../../support/scripted-machine';
import { rejection } from '../../../support/rejection';

const EXECUTION = (name: string): string => `${ARN.replace(':stateMachine:', ':execution:')}:${name}`;

type Event = { type: string; [details: string]: unknown };

async function history(sfn: LocalStepFunctions, executionArn: string): Promise<Event[]> {
  return ((await sfn.handle('GetExecutionHistory', { executionArn, maxResults: 1000 })) as { events: Event[] }).events;
}

async function failedExecution(script: CopyScript) {
  const machine = scriptedMachine(script);
  const sfn = new LocalStepFunctions({ stateMachines: [machine] });
  const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'gcs-refused', input: '{"key":"a.txt","bucket":"src"}' })) as { executionArn: string };
  await sfn.idle();
  return { machine, sfn, executionArn };
}

describe('RedriveExecution on the local endpoint, as AWS does it', () => {
  it('resumes at the failed state with its original input, never re-running the states that succeeded', async () => {
    const { machine, sfn, executionArn } = await failedExecution(['transient', 'refused', 'transient', 'ok']);
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'FAILED', error: 'GcsWriteRefused', redriveCount: 0, redriveStatus: 'REDRIVABLE' });

    const { redriveDate } = await sfn.handle('RedriveExecution', { executionArn });
    expect(typeof redriveDate).toBe('number');
    await sfn.idle();

    // Copy was entered the second time with the input it had the first time: Prepare's output, not the execution input.
    expect(machine.copyInputs).toEqual(Array(4).fill({ key: 'a.txt', prepared: true }));
    const described = await sfn.handle('DescribeExecution', { executionArn });
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"copied":"a.txt"}', redriveCount: 1, redriveDate, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' });

    const events = await history(sfn, executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed', // TransientError, retried
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed', // GcsWriteRefused: the execution fails at Copy
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered', // Copy again; Prepare is not re-entered
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed', // TransientError: retried, because the redrive reset Copy's retry count
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.find((e) => e.type === 'ExecutionRedriven')).toMatchObject({ executionRedrivenEventDetails: { redriveCount: 1 } });
    const entered = events.filter((e) => e.type === 'TaskStateEntered').map((e) => e['stateEnteredEventDetails']);
    expect(entered).toEqual([
      { name: 'Copy', input: '{"key":"a.txt","prepared":true}' },
      { name: 'Copy', input: '{"key":"a.txt","prepared":true}' },
    ]);
    const { executions } = (await sfn.handle('ListExecutions', { stateMachineArn: ARN })) as { executions: JsonObject[] };
    expect(executions[0]).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveDate });
  });

  it('counts each redrive and resumes each time at the state that failed last', async () => {
    const { machine, sfn, executionArn } = await failedExecution(['refused', 'refused', 'ok']);
    await sfn.handle('RedriveExecution', { executionArn });
    await sfn.idle();
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'FAILED', redriveCount: 1, redriveStatus: 'REDRIVABLE' });
    await sfn.handle('RedriveExecution', { executionArn });
    await sfn.idle();
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    expect(machine.copyInputs).toHaveLength(3);
    const events = await history(sfn, executionArn);
    expect(events.filter((e) => e.type === 'PassStateEntered')).toHaveLength(1);
    const redriven = events.filter((e) => e.type === 'ExecutionRedriven');
    expect(redriven.map((e) => e['executionRedrivenEventDetails'])).toEqual([{ redriveCount: 1 }, { redriveCount: 2 }]);
  });

  it('refuses a SUCCEEDED execution with ExecutionNotRedrivable', async () => {
    const { sfn, executionArn } = await failedExecution(['ok']);
    const err = await rejection(sfn.handle('RedriveExecution', { executionArn }));
    expect([err.type, err.status, err.message]).toEqual(['ExecutionNotRedrivable', 400, `Execution is SUCCEEDED and cannot be redriven: '${executionArn}'`]);
  });

  it('refuses a RUNNING execution with ExecutionNotRedrivable', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const machine = scriptedMachine([]);
    const gated: LocalStateMachine = { ...machine, run: async (...args) => gate.then(() => machine.run(...args)) };
    const sfn = new LocalStepFunctions({ stateMachines: [gated] });
    const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'open', input: '{"key":"k"}' })) as { executionArn: string };
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'RUNNING', redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven' });
    const err = await rejection(sfn.handle('RedriveExecution', { executionArn }));
    expect([err.type, err.message]).toEqual(['ExecutionNotRedrivable', `Execution is RUNNING and cannot be redriven: '${executionArn}'`]);
    open();
    await sfn.idle();
  });

  it('refuses an execution that closed more than 14 days ago, and takes one that closed just within', async () => {
    let now = Date.parse('2026-12-01T00:00:00.000Z');
    const machine = scriptedMachine(['refused', 'refused']);
    const sfn = new LocalStepFunctions({ stateMachines: [machine], clock: () => now });
    const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'old', input: '{"key":"k"}' })) as { executionArn: string };
    await sfn.idle();
    const stopped = (await sfn.handle('DescribeExecution', { executionArn })).stopDate as number;
    now = stopped * 1000 + 14 * 86_400_000 + 1;
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution redrivable period exceeded' });
    const err = await rejection(sfn.handle('RedriveExecution', { executionArn }));
    expect([err.type, err.message]).toEqual(['ExecutionNotRedrivable', `Execution redrivable period exceeded: '${executionArn}'`]);
    now = stopped * 1000 + 14 * 86_400_000;
    await sfn.handle('RedriveExecution', { executionArn });
    await sfn.idle();
    expect(machine.copyInputs).toHaveLength(2);
  });

  it('refuses executions of an EXPRESS state machine', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [scriptedMachine(['refused'], 'EXPRESS')] });
    const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'express', input: '{"key":"k"}' })) as { executionArn: string };
    await sfn.idle();
    const err = await rejection(sfn.handle('RedriveExecution', { executionArn }));
    expect(err.type).toBe('ExecutionNotRedrivable');
    expect(err.message).toMatch(/EXPRESS/);
    expect(await sfn.handle('DescribeStateMachine', { stateMachineArn: ARN })).toMatchObject({ type: 'EXPRESS' });
  });

  it('refuses an unknown execution with ExecutionDoesNotExist', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [scriptedMachine([])] });
    const err = await rejection(sfn.handle('RedriveExecution', { executionArn: EXECUTION('nope') }));
    expect(err.type).toBe('ExecutionDoesNotExist');
  });
});

describe('Step Functions Execution Status Change events from the local endpoint', () => {
  it('emits RUNNING and the closing status of every run, in the EventBridge shape', async () => {
    const machine = scriptedMachine(['refused', 'ok']);
    const sfn = new LocalStepFunctions({ stateMachines: [machine] });
    const events: ExecutionStatusChangeEvent[] = [];
    sfn.onStatusChange((e) => events.push(e));
    const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'watched', input: '{"key":"k"}' })) as { executionArn: string };
    await sfn.idle();
    await sfn.handle('RedriveExecution', { executionArn });
    await sfn.idle();

    expect(events.map((e) => [e.detail.status, e.detail.redriveCount])).toEqual([
      ['RUNNING', 0],
      ['FAILED', 0],
      ['RUNNING', 1],
      ['SUCCEEDED', 1],
    ]);
    const failed = events[1]!;
    expect(failed).toMatchObject({
      version: '0',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      region: 'us-east-1',
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: ARN,
        name: 'watched',
        status: 'FAILED',
        input: '{"key":"k"}',
        inputDetails: { included: true },
        output: null,
        outputDetails: null,
        error: 'GcsWriteRefused',
        cause: 'GCS refused the write (403)',
        redriveCount: 0,
        redriveDate: null,
        redriveStatus: 'REDRIVABLE',
        redriveStatusReason: null,
      },
    });
    expect(failed.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(typeof failed.detail.startDate).toBe('number');
    expect(failed.detail.stopDate).toBeGreaterThanOrEqual(failed.detail.startDate);
    expect(events[0]!.detail).toMatchObject({ status: 'RUNNING', stopDate: null, error: null, cause: null });
    expect(events[3]!.detail).toMatchObject({ status: 'SUCCEEDED', output: '{"copied":"k"}', outputDetails: { included: true }, redriveCount: 1 });
    expect(events[3]!.detail.redriveDate).toEqual(expect.any(Number));
  });

  it('keeps delivering to other listeners when one throws', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [scriptedMachine(['ok'])] });
    const seen: string[] = [];
    sfn.onStatusChange(() => {
      throw new Error('listener bug');
    });
    sfn.onStatusChange((e) => seen.push(e.detail.status));
    await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'x', input: '{"key":"k"}' });
    await sfn.idle();
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
  });
});
