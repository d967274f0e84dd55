import { withObject } from '../../../workflows/cli/express-executions';
import { executionsFromRecords, fromLocalLog, parseExecutionRecord } from '../../../workflows/cli/express-log-records';
import type { ExpressExecution } from '../../../workflows/local/sfn-api/express-log';
import { STATE_MACHINE_ARN } from '../../support/deployed-stage';
import { at, FAST_PATH_ARN, fastPathCopy, fastPathExecutionArn, handOff, records } from '../../support/fast-path-log';

describe('fast path CloudWatch records → executions', () => {
  it('a fast path copy: status, input, output, and the timeline with its retry, whatever order and duplicates the records come in', () => {
    const copy = fastPathCopy();
    const shuffled = [...copy.records].reverse();
    const [only, ...none] = executionsFromRecords([...shuffled, copy.records[3]!]);
    expect(none).toEqual([]);
    expect(only!.execution).toMatchObject({
      executionArn: copy.executionArn,
      stateMachineArn: FAST_PATH_ARN,
      name: copy.name,
      status: 'SUCCEEDED',
      startDate: new Date(at(0)).toISOString(),
      stopDate: new Date(at(3)).toISOString(),
      output: '{"outcome":"copied","tier":"small","bytes":5}',
    });
    expect(only!.execution.timeline?.steps).toEqual([
      expect.objectContaining({ state: 'Copy the object with the small Lambda', status: 'succeeded', durationMs: 3000, retries: [expect.objectContaining({ error: 'TransientError', cause: 'connection reset' })] }),
    ]);
    expect(only!.history?.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(only!.history?.[1]?.stateEnteredEventDetails?.name).toBe('Copy the object with the small Lambda');
    const shown = withObject(only!, STATE_MACHINE_ARN);
    expect(shown.object).toMatchObject({ action: 'copy', bucket: 'acme', key: 'photos/hello.txt' });
    expect(shown.handedOffTo).toBeUndefined();
  });

  it('a hand-off names the Standard execution it started; one deduped by name names the Standard execution of the same name', () => {
    const h = handOff();
    const [logged] = executionsFromRecords(h.records);
    expect(withObject(logged!, STATE_MACHINE_ARN)).toMatchObject({ handedOffTo: h.standardArn, object: { key: 'video/big.bin' } });
    const deduped = records(fastPathExecutionArn(h.name), [
      ['ExecutionStarted', 0, { input: h.input }],
      ['ExecutionSucceeded', 1, { output: JSON.stringify({ outcome: 'handed-off', reason: 'x', detail: 'deduped by name' }) }],
    ]);
    expect(withObject(executionsFromRecords(deduped)[0]!, STATE_MACHINE_ARN).handedOffTo).toBe(h.standardArn);
  });

  it('a failed execution keeps its error and cause; one still running has no stop date; one whose start is outside the window is left out', () => {
    const failed = records(fastPathExecutionArn('copy-f-aaaa'), [
      ['ExecutionStarted', 0, { input: '{"bucket":"acme","key":"f"}' }],
      ['ExecutionFailed', 2, { error: 'States.Timeout', cause: 'took too long' }],
    ]);
    const running = records(fastPathExecutionArn('copy-r-bbbb'), [['ExecutionStarted', 1, { input: '{"bucket":"acme","key":"r"}' }]]);
    const startedEarlier = records(fastPathExecutionArn('copy-e-cccc'), [['ExecutionSucceeded', 0, { output: '{}' }]]).map((r) => ({ ...r, id: '9' }));
    const out = executionsFromRecords([...running, ...startedEarlier, ...failed]);
    expect(out.map((e) => [e.execution.name, e.execution.status, e.execution.error, e.execution.stopDate])).toEqual([
      ['copy-f-aaaa', 'FAILED', 'States.Timeout', new Date(at(2)).toISOString()],
      ['copy-r-bbbb', 'RUNNING', undefined, undefined],
    ]);
    expect(out[0]!.execution.cause).toBe('took too long');
  });

  it('ignores log events that are not execution records', () => {
    expect(parseExecutionRecord('START RequestId: 1')).toBeUndefined();
    expect(parseExecutionRecord('{"type":"ExecutionStarted"}')).toBeUndefined();
    expect(parseExecutionRecord(undefined)).toBeUndefined();
    expect(parseExecutionRecord(JSON.stringify(fastPathCopy().records[0]))).toMatchObject({ type: 'ExecutionStarted' });
  });

  it("the sandbox's log line and a log group's records of the same execution read the same through one parser", () => {
    const h = handOff();
    const [fromCloudWatch] = executionsFromRecords(h.records);
    const local: ExpressExecution = {
      ...fromCloudWatch!.execution,
      timeline: { executionName: h.name, status: 'SUCCEEDED', startedAt: new Date(at(10)).toISOString(), durationMs: 1000, steps: [{ state: 'Hand the object off to the Standard machine', type: 'Task', startedAtMs: 0, durationMs: 1000, status: 'succeeded', retries: [] }] },
    };
    const [fromSandbox] = fromLocalLog([local]);
    const view = ({ execution, object, handedOffTo }: ReturnType<typeof withObject>): unknown => ({ ...execution, timeline: undefined, object, handedOffTo });
    expect(view(withObject(fromSandbox!, STATE_MACHINE_ARN))).toEqual(view(withObject(fromCloudWatch!, STATE_MACHINE_ARN)));
    expect(fromSandbox!.execution.timeline).toBe(local.timeline);
    expect(fromSandbox!.history?.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
  });
});
