import { LocalStepFunctions, type LocalRunResult, type LocalStateMachine } from '../../../../workflows/local/sfn-api/service';
import type { ExecutionStatusChangeEvent } from '../../../../workflows/local/sfn-api/status-change';
import { rejection } from '../../../support/rejection';

const ARN = 'arn:aws:states:local:000000000000:stateMachine:backup-object';
const DEFINITION = JSON.stringify({ StartAt: 'Copy', States: { Copy: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } } });

/** A machine whose runs wait until released or stopped; a stopped run reports the one state it was in. */
function waitingMachine(): LocalStateMachine & { signals: AbortSignal[]; release(): void } {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const signals: AbortSignal[] = [];
  return {
    name: 'backup-object',
    arn: ARN,
    definition: DEFINITION,
    signals,
    release: () => release(),
    async run(_input, execution, _resume, signal): Promise<LocalRunResult> {
      signals.push(signal!);
      const stopped = new Promise<void>((r) => signal!.addEventListener('abort', () => r(), { once: true }));
      await Promise.race([released, stopped]);
      const timeline = {
        executionName: execution.name,
        status: 'RUNNING' as const,
        startedAt: new Date().toISOString(),
        durationMs: 1,
        steps: [{ state: 'Copy', type: 'Task', startedAtMs: 0, durationMs: 1, status: 'running' as const, retries: [], input: { bucket: 'b', key: 'k' } }],
      };
      return signal!.aborted ? { status: 'FAILED', error: 'ExecutionAbortedError', timeline } : { status: 'SUCCEEDED', output: { outcome: 'copied' }, timeline: { ...timeline, status: 'SUCCEEDED' } };
    },
  };
}

const execArn = (name: string) => `arn:aws:states:local:000000000000:execution:backup-object:${name}`;

describe('StopExecution', () => {
  it('closes a running execution ABORTED with the error and cause given, stops its run, then sends one ABORTED status change', async () => {
    const machine = waitingMachine();
    const sfn = new LocalStepFunctions({ stateMachines: [machine] });
    const events: ExecutionStatusChangeEvent[] = [];
    sfn.onStatusChange((e) => events.push(e));
    await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'copy-a' });
    await new Promise((r) => setImmediate(r)); // the run has started
    const stopped = await sfn.handle('StopExecution', { executionArn: execArn('copy-a'), error: 'Operator.Stopped', cause: 'wrong bucket' });
    expect(typeof stopped.stopDate).toBe('number');
    expect(await sfn.handle('DescribeExecution', { executionArn: execArn('copy-a') })).toMatchObject({ status: 'ABORTED', error: 'Operator.Stopped', cause: 'wrong bucket', redriveStatus: 'REDRIVABLE' });
    expect(machine.signals[0]!.aborted).toBe(true);
    await sfn.idle();
    expect(events.map((e) => e.detail.status)).toEqual(['RUNNING', 'ABORTED']);
    expect(events[1]!.detail).toMatchObject({ error: 'Operator.Stopped', cause: 'wrong bucket', stopDate: stopped.stopDate! as number * 1000 });
    // The states that ran before the stop stay in the history, closed by ExecutionAborted.
    const history = (await sfn.handle('GetExecutionHistory', { executionArn: execArn('copy-a') })).events as { type: string; executionAbortedEventDetails?: unknown }[];
    expect(history.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'ExecutionAborted']);
    expect(history.at(-1)!.executionAbortedEventDetails).toEqual({ error: 'Operator.Stopped', cause: 'wrong bucket' });
    // Stopping it again changes nothing and sends nothing.
    expect(await sfn.handle('StopExecution', { executionArn: execArn('copy-a') })).toEqual(stopped);
    expect(events).toHaveLength(2);
  });

  it('without error and cause, DescribeExecution omits both and the event carries null', async () => {
    const machine = waitingMachine();
    const sfn = new LocalStepFunctions({ stateMachines: [machine] });
    const events: ExecutionStatusChangeEvent[] = [];
    sfn.onStatusChange((e) => events.push(e));
    await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'copy-b' });
    await sfn.handle('StopExecution', { executionArn: execArn('copy-b') });
    await sfn.idle();
    const described = await sfn.handle('DescribeExecution', { executionArn: execArn('copy-b') });
    expect(described.status).toBe('ABORTED');
    expect(described).not.toHaveProperty('error');
    expect(described).not.toHaveProperty('cause');
    expect(events.at(-1)!.detail).toMatchObject({ status: 'ABORTED', error: null, cause: null });
  });

  it('stops an execution still waiting for a slot at once: its run never starts', async () => {
    const machine = waitingMachine();
    const sfn = new LocalStepFunctions({ stateMachines: [machine], maxConcurrent: 1 });
    const events: string[] = [];
    sfn.onStatusChange((e) => events.push(`${e.detail.name} ${e.detail.status}`));
    await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'first' });
    await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'queued' });
    await sfn.handle('StopExecution', { executionArn: execArn('queued') });
    expect(events).toEqual(['first RUNNING', 'queued RUNNING', 'queued ABORTED']);
    machine.release();
    await sfn.idle();
    expect(machine.signals).toHaveLength(1);
    expect(events).toEqual(['first RUNNING', 'queued RUNNING', 'queued ABORTED', 'first SUCCEEDED']);
  });

  it("refuses what AWS refuses: an unknown execution, an error over 256 characters", async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [waitingMachine()] });
    expect((await rejection(sfn.handle('StopExecution', { executionArn: execArn('nope') }))).name).toBe('ExecutionDoesNotExist');
    await sfn.handle('StartExecution', { stateMachineArn: ARN, name: 'copy-c' });
    expect((await rejection(sfn.handle('StopExecution', { executionArn: execArn('copy-c'), error: 'e'.repeat(257) }))).name).toBe('ValidationException');
    await sfn.handle('StopExecution', { executionArn: execArn('copy-c') });
    await sfn.idle();
  });
});

describe('ListExecutions paging', () => {
  /** A machine that finishes at once, and a clock one second per start. */
  function endpoint() {
    let t = Date.parse('2026-12-01T00:00:00Z');
    const sfn = new LocalStepFunctions({
      stateMachines: [{ name: 'backup-object', arn: ARN, definition: DEFINITION, run: async (_i, e) => ({ status: 'SUCCEEDED', timeline: { executionName: e.name, status: 'SUCCEEDED', startedAt: '', durationMs: 0, steps: [] } }) }],
      clock: () => (t += 1000),
    });
    return { sfn, advance: (ms: number) => (t += ms) };
  }
  const start = (sfn: LocalStepFunctions, name: string) => sfn.handle('StartExecution', { stateMachineArn: ARN, name });
  const page = async (sfn: LocalStepFunctions, extra: Record<string, unknown> = {}) => {
    const out = await sfn.handle('ListExecutions', { stateMachineArn: ARN, maxResults: 2, ...extra });
    return { names: (out.executions as { name: string }[]).map((e) => e.name), nextToken: out.nextToken as string | undefined };
  };

  it('neither repeats nor skips an execution when others start between pages', async () => {
    const { sfn } = endpoint();
    for (const n of ['e1', 'e2', 'e3', 'e4', 'e5']) await start(sfn, n);
    const first = await page(sfn);
    expect(first.names).toEqual(['e5', 'e4']);
    await start(sfn, 'new1');
    await start(sfn, 'new2');
    const second = await page(sfn, { nextToken: first.nextToken });
    expect(second.names).toEqual(['e3', 'e2']);
    await start(sfn, 'new3');
    const third = await page(sfn, { nextToken: second.nextToken });
    expect(third).toEqual({ names: ['e1'], nextToken: undefined });
    await sfn.idle();
  });

  it('answers InvalidToken for a token it did not issue, one for other arguments, and one older than 24 hours', async () => {
    const { sfn, advance } = endpoint();
    for (const n of ['e1', 'e2', 'e3']) await start(sfn, n);
    await sfn.idle();
    const { nextToken } = await page(sfn);
    for (const bad of ['not-a-token', Buffer.from('{"offset":2}').toString('base64url')]) {
      expect((await rejection(page(sfn, { nextToken: bad }))).name).toBe('InvalidToken');
    }
    expect((await rejection(page(sfn, { nextToken, statusFilter: 'SUCCEEDED' }))).name).toBe('InvalidToken');
    expect((await page(sfn, { nextToken })).names).toEqual(['e1']);
    advance(24 * 3600 * 1000 + 1);
    expect((await rejection(page(sfn, { nextToken }))).name).toBe('InvalidToken');
  });

  it('takes every statusFilter the AWS CLI offers: PENDING_REDRIVE as AWS does (only with a mapRunArn), others filter', async () => {
    const { sfn } = endpoint();
    await start(sfn, 'e1');
    await sfn.idle();
    for (const status of ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']) {
      expect((await page(sfn, { statusFilter: status })).names).toEqual(status === 'SUCCEEDED' ? ['e1'] : []);
    }
    const pending = await rejection(page(sfn, { statusFilter: 'PENDING_REDRIVE' }));
    expect(pending.name).toBe('ValidationException');
    expect(pending.message).toMatch(/PENDING_REDRIVE statusFilter is only valid with a mapRunArn/);
    const bogus = await rejection(page(sfn, { statusFilter: 'DONE' }));
    expect(bogus.message).toContain('[RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]');
  });
});
