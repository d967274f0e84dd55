/**
 * The history events carry what each Task attempt was called with (after InputPath/Parameters) and the resource's raw
 * result (before ResultSelector/ResultPath), as AWS logs them: a local log smaller than AWS's would understate cost.
 */
import type { Json } from '../../../workflows/local/asl-definition';
import { StateMachine } from '../../../workflows/local/local-sfn';
import { runToTimeline } from '../../../workflows/local/runner';
import { historyEvents } from '../../../workflows/local/sfn-api/history-events';
import { bindTaskStates } from '../../../workflows/local/bindings';
import type { Timeline } from '../../../workflows/local/timeline';

const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:prepare:live';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';

const DEFINITION = {
  StartAt: 'Call',
  States: {
    Call: {
      Type: 'Task',
      Resource: FUNCTION,
      InputPath: '$.object',
      Parameters: { 'key.$': '$.key' },
      ResultSelector: { 'kept.$': '$.kept' },
      ResultPath: '$.result',
      TimeoutSeconds: 10,
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, MaxAttempts: 1 }],
      Next: 'Invoke',
    },
    Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: FUNCTION, 'Payload.$': '$.result' }, ResultSelector: { 'p.$': '$.Payload' }, End: true },
  },
};

/** Both Tasks call one local function, bound as the local endpoint binds them (bindings.ts records the attempts). */
async function run(): Promise<Timeline> {
  let calls = 0;
  const fn = async (payload: Json): Promise<unknown> => {
    if (++calls === 1) throw Object.assign(new Error('reset'), { name: 'TransientError' });
    return calls === 2 ? { kept: (payload as { key: string }).key, dropped: 'by ResultSelector' } : payload;
  };
  const handlers = bindTaskStates(DEFINITION as never, { functions: { [FUNCTION]: fn }, taskDefinitions: {}, topics: {} });
  const options = { overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: { Call: 0 } } };
  return runToTimeline(() => new StateMachine(DEFINITION as never).run({ object: { key: 'a/b' }, other: 'x' }, options as never), 'exec');
}

test('expect each Task attempt recorded with its effective input and raw result', async () => {
  const timeline = await run();
  const [call, invoke] = timeline.steps;
  expect(call!.attempts).toEqual([
    { input: { key: 'a/b' }, timeoutInSeconds: 10 },
    { input: { key: 'a/b' }, result: { kept: 'a/b', dropped: 'by ResultSelector' }, timeoutInSeconds: 10 },
  ]);
  // lambda:invoke's raw result is Lambda's envelope around the function's output.
  expect(invoke!.attempts).toEqual([{ input: { FunctionName: FUNCTION, Payload: { kept: 'a/b' } }, result: { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { kept: 'a/b' } } }]);
});

test('expect a function ARN to log LambdaFunction* events and an integration Task* events, each with its data', async () => {
  const timeline = await run();
  const startDate = timeline.startedAt;
  const record = { executionArn: `${MACHINE}:e`, stateMachineArn: MACHINE, name: 'e', input: '{}', startDate, redriveCount: 0, runs: [{ startDate, stopDate: startDate, status: 'SUCCEEDED' as const, timeline, alerts: [] }] };
  const events = historyEvents(record, (state) => (state === 'Call' ? FUNCTION : 'arn:aws:states:::lambda:invoke'));
  const details = (type: string) => events.filter((e) => e.type === type).map(({ id: _i, previousEventId: _p, timestamp: _t, type: _y, ...d }) => Object.values(d)[0]);
  expect(events.map((e) => e.type).filter((t) => /^(Lambda|Task(Scheduled|Started|Succeeded|Failed))/.test(t))).toEqual([
    'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
    'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded',
    'TaskScheduled', 'TaskStarted', 'TaskSucceeded',
  ]);
  expect(details('LambdaFunctionScheduled')).toEqual([
    { resource: FUNCTION, input: '{"key":"a/b"}', inputDetails: { truncated: false }, timeoutInSeconds: 10 },
    { resource: FUNCTION, input: '{"key":"a/b"}', inputDetails: { truncated: false }, timeoutInSeconds: 10 },
  ]);
  expect(details('LambdaFunctionSucceeded')).toEqual([{ output: '{"kept":"a/b","dropped":"by ResultSelector"}', outputDetails: { truncated: false } }]);
  expect(details('TaskScheduled')).toEqual([{ resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: JSON.stringify({ FunctionName: FUNCTION, Payload: { kept: 'a/b' } }) }]);
  expect(details('TaskSucceeded')).toEqual([{ resourceType: 'lambda', resource: 'invoke', output: '{"StatusCode":200,"ExecutedVersion":"$LATEST","Payload":{"kept":"a/b"}}', outputDetails: { truncated: false } }]);
  // The state's output (after ResultSelector and ResultPath) is the StateExited event's.
  const exited = events.find((e) => e.type === 'TaskStateExited') as { stateExitedEventDetails: { output: string } } | undefined;
  expect(JSON.parse(exited!.stateExitedEventDetails.output)).toEqual({ object: { key: 'a/b' }, other: 'x', result: { kept: 'a/b' } });
  // Without execution data, no input, parameters or output.
  const bare = JSON.stringify(historyEvents(record, () => FUNCTION, false));
  expect(bare).not.toMatch(/"(input|parameters|output)"/);
});
