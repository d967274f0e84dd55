import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERRUPTED_ERROR } from '../../../../workflows/local/sfn-api/execution-store';
import { LocalStepFunctions, type LocalRunResult, type LocalStateMachine } from '../../../../workflows/local/sfn-api/service';
import type { ExecutionStatusChangeEvent } from '../../../../workflows/local/sfn-api/status-change';
import type { Timeline } from '../../../../workflows/local/timeline';
import { rejection } from '../../../support/rejection';

const ARN = 'arn:aws:states:local:000000000000:stateMachine:backup-object';
const DEFINITION = JSON.stringify({
  StartAt: 'Copy',
  States: { Copy: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
});

/** A state machine whose runs succeed or fail as the input says, after an optional gate opens. */
function stubMachine(gate?: Promise<void>): LocalStateMachine & { runs: unknown[] } {
  const runs: unknown[] = [];
  return {
    name: 'backup-object',
    arn: ARN,
    definition: DEFINITION,
    runs,
    async run(input, execution): Promise<LocalRunResult> {
      runs.push(input);
      await gate;
      const fail = (input as { fail?: boolean }).fail === true && runs.length === 1;
      const timeline: Timeline = {
        executionName: execution.name,
        status: fail ? 'FAILED' : 'SUCCEEDED',
        startedAt: new Date().toISOString(),
        durationMs: 5,
        steps: [
          {
            state: 'Copy',
            type: 'Task',
            startedAtMs: 0,
            durationMs: 5,
            status: fail ? 'failed' : 'succeeded',
            retries: [{ retry: 1, error: 'TransientError', cause: 'GCS said 503', atMs: 2 }],
            ...(fail ? { error: 'SourceNotReadable', cause: 'in Glacier' } : { output: { outcome: 'copied' } }),
          },
        ],
      };
      return fail
        ? { status: 'FAILED', error: 'SourceNotReadable', cause: 'in Glacier', timeline }
        : { status: 'SUCCEEDED', output: { outcome: 'copied' }, timeline };
    },
  };
}

describe('LocalStepFunctions', () => {
  it('starts an execution, runs it in the background and describes it as AWS does', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine()] });
    const started = await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'copy-a', input: '{"bucket":"b","key":"k"}' });
    expect(started.executionArn).toBe('arn:aws:states:local:000000000000:execution:backup-object:copy-a');
    expect(typeof started.startDate).toBe('number');
    await sfn.idle();
    const described = await sfn.handle('DescribeExecution', { executionArn: started.executionArn });
    expect(described).toMatchObject({
      name: 'copy-a',
      status: 'SUCCEEDED',
      input: '{"bucket":"b","key":"k"}',
      output: '{"outcome":"copied"}',
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    });
    expect(described.stopDate as number).toBeGreaterThanOrEqual(described.startDate as number);
  });

  it('refuses a second execution with the same name, but returns the open one for an identical request', async () => {
    let open!: () => void;
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine(new Promise<void>((r) => (open = r)))] });
    const first = await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'same', input: '{"a":1}' });
    const again = await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'same', input: '{"a":1}' });
    expect(again.executionArn).toBe(first.executionArn);
    const different = await rejection(sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'same', input: '{"a":2}' }));
    expect(different.type).toBe('ExecutionAlreadyExists');
    open();
    await sfn.idle();
    const closed = await rejection(sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'same', input: '{"a":1}' }));
    expect(closed.type).toBe('ExecutionAlreadyExists');
  });

  it.each([
    ['a name with a space', { name: 'a b' }, 'InvalidName'],
    ['a name with a slash', { name: 'a/b' }, 'InvalidName'],
    ['a name of 81 characters', { name: 'x'.repeat(81) }, 'InvalidName'],
    ['input that is not JSON', { input: '{nope' }, 'InvalidExecutionInput'],
    ['an unknown state machine', { stateMachineArn: `${ARN}-other` }, 'StateMachineDoesNotExist'],
    ['a malformed state machine ARN', { stateMachineArn: 'backup-object' }, 'InvalidArn'],
  ])('refuses %s', async (_what, params, type) => {
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine()] });
    const err = await rejection(sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'ok', input: '{}', ...params }));
    expect(err.type).toBe(type);
    expect(err.status).toBe(400);
  });

  it('lists executions newest first, filtered by status, in pages', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine()] });
    for (const name of ['one', 'two', 'three']) {
      await sfn.handle('StartExecution', { stateMachineArn: ARN, name, input: '{}' });
      await sfn.idle();
    }
    const page1 = await sfn.handle('ListExecutions', { stateMachineArn: ARN, maxResults: 2 });
    expect((page1.executions as { name: string }[]).map((e) => e.name)).toEqual(['three', 'two']);
    const page2 = await sfn.handle('ListExecutions', { stateMachineArn: ARN, maxResults: 2, nextToken: page1.nextToken });
    expect((page2.executions as { name: string }[]).map((e) => e.name)).toEqual(['one']);
    expect(page2.nextToken).toBeUndefined();
    const failed = await sfn.handle('ListExecutions', { stateMachineArn: ARN, statusFilter: 'FAILED' });
    expect(failed.executions).toEqual([]);
    const bad = await rejection(sfn.handle('ListExecutions', { stateMachineArn: ARN, statusFilter: 'BROKEN' }));
    expect(bad.type).toBe('ValidationException');
    const token = await rejection(sfn.handle('ListExecutions', { stateMachineArn: ARN, nextToken: 'garbage' }));
    expect(token.type).toBe('InvalidToken');
  });

  it('redrives a failed execution and refuses to redrive a succeeded one', async () => {
    const machine = stubMachine();
    const sfn = new LocalStepFunctions({ stateMachines: [machine] });
    const { executionArn } = await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'flaky', input: '{"fail":true}' });
    await sfn.idle();
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'FAILED', error: 'SourceNotReadable', redriveStatus: 'REDRIVABLE' });
    const redriven = await sfn.handle('RedriveExecution', { executionArn });
    expect(typeof redriven.redriveDate).toBe('number');
    await sfn.idle();
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(machine.runs).toHaveLength(2);
    const again = await rejection(sfn.handle('RedriveExecution', { executionArn }));
    expect(again.type).toBe('ExecutionNotRedrivable');
    const redrivenList = await sfn.handle('ListExecutions', { stateMachineArn: ARN, redriveFilter: 'REDRIVEN' });
    expect(redrivenList.executions).toHaveLength(1);
  });

  it('reports an unknown execution and an unknown operation with the names the SDK expects', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine()] });
    const missing = await rejection(sfn.handle('DescribeExecution', { executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:nope` }));
    expect(missing.type).toBe('ExecutionDoesNotExist');
    const notArn = await rejection(sfn.handle('DescribeExecution', { executionArn: 'nope' }));
    expect(notArn.type).toBe('InvalidArn');
    const unknown = await rejection(sfn.handle('TagResource', {}));
    expect(unknown.type).toBe('UnknownOperationException');
    const noParam = await rejection(sfn.handle('DescribeExecution', {}));
    expect(noParam.type).toBe('MissingRequiredParameter');
  });

  it('gives the history of every run: attempts, retries, redrive and the closing events', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine()] });
    const { executionArn } = await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'h', input: '{"fail":true}' });
    await sfn.idle();
    await sfn.handle('RedriveExecution', { executionArn });
    await sfn.idle();
    const { events } = (await sfn.handle('GetExecutionHistory', { executionArn, maxResults: 1000 })) as { events: { type: string; id: number; previousEventId: number }[] };
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed', // the retried attempt
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed', // the last attempt
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.previousEventId === e.id - 1)).toBe(true);
    const reversed = (await sfn.handle('GetExecutionHistory', { executionArn, reverseOrder: true, maxResults: 1 })) as { events: { type: string }[]; nextToken?: string };
    expect(reversed.events.map((e) => e.type)).toEqual(['ExecutionSucceeded']);
    expect(reversed.nextToken).toBeDefined();
  });

  it('marks a run that failed to start at all as FAILED with the error name', async () => {
    const broken: LocalStateMachine = { name: 'backup-object', arn: ARN, definition: DEFINITION, run: async () => Promise.reject(new TypeError('no binding')) };
    const sfn = new LocalStepFunctions({ stateMachines: [broken] });
    const { executionArn } = await sfn.handle('StartExecution', { stateMachineArn: ARN, input: '{}' });
    await sfn.idle();
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({ status: 'FAILED', error: 'TypeError', cause: 'no binding' });
  });

  it('keeps executions in the data directory across restarts; a run cut short comes back FAILED, announced once, redrivable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-api-'));
    try {
      const first = new LocalStepFunctions({ stateMachines: [stubMachine()], dataDir: dir });
      await first.handle('StartExecution', { stateMachineArn: ARN, name: 'kept', input: '{}' });
      await first.idle();
      await new Promise((r) => setTimeout(r, 5)); // distinct start times order the list
      const never = new LocalStepFunctions({ stateMachines: [stubMachine(new Promise<void>(() => undefined))], dataDir: dir });
      await never.handle('StartExecution', { stateMachineArn: ARN, name: 'cut-short', input: '{"n":1}' });

      const machine = stubMachine();
      const second = new LocalStepFunctions({ stateMachines: [machine], dataDir: dir });
      const { executions } = (await second.handle('ListExecutions', { stateMachineArn: ARN })) as { executions: { name: string; status: string }[] };
      expect(executions.map((e) => [e.name, e.status])).toEqual([
        ['cut-short', 'FAILED'],
        ['kept', 'SUCCEEDED'],
      ]);
      const arn = `${ARN.replace(':stateMachine:', ':execution:')}:cut-short`;
      expect(await second.handle('DescribeExecution', { executionArn: arn })).toMatchObject({
        status: 'FAILED',
        error: INTERRUPTED_ERROR,
        cause: expect.stringMatching(/sandbox stopped .* while this execution was running/),
        redriveStatus: 'REDRIVABLE',
      });
      const changes: ExecutionStatusChangeEvent[] = [];
      second.onStatusChange((e) => changes.push(e));
      expect(second.announceInterrupted().map((r) => r.name)).toEqual(['cut-short']);
      expect(second.announceInterrupted()).toEqual([]);
      expect(changes.map((e) => [e.detail.name, e.detail.status, e.detail.error])).toEqual([['cut-short', 'FAILED', INTERRUPTED_ERROR]]);

      const dup = await rejection(second.handle('StartExecution', { stateMachineArn: ARN, name: 'kept', input: '{}' }));
      expect(dup.type).toBe('ExecutionAlreadyExists');
      await second.handle('RedriveExecution', { executionArn: arn });
      await second.idle();
      expect([machine.runs, (await second.handle('DescribeExecution', { executionArn: arn }))['status']]).toEqual([[{ n: 1 }], 'SUCCEEDED']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists and describes its state machines', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [stubMachine()] });
    expect(await sfn.handle('ListStateMachines', {})).toMatchObject({ stateMachines: [{ stateMachineArn: ARN, name: 'backup-object', type: 'STANDARD' }] });
    expect(await sfn.handle('DescribeStateMachine', { stateMachineArn: ARN })).toMatchObject({ definition: DEFINITION, status: 'ACTIVE' });
  });
});
