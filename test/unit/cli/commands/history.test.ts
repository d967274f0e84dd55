import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';
import { at, expressFirstStage, FAST_PATH_LOG_GROUP } from '../../../support/fast-path-log';

const sfn = mockClient(SFNClient);

describe('s3gcs history against a deployed stage (SFN mocked)', () => {
  beforeEach(() => sfn.reset());

  it('maps a refused request to exit 4 and an unreachable endpoint to exit 3', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const denied = await runCli(['history', ...target, 'copy-x']);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('access denied');
    sfn.reset();
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    const down = await runCli(['history', ...target, 'copy-x']);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot connect (ECONNREFUSED)');
  });
});

describe('s3gcs history on an express-first stage (SFN and CloudWatch Logs mocked)', () => {
  const { logs, copy, handOff: h, outputs } = expressFirstStage();
  beforeEach(() => {
    sfn.reset();
    sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: h.standardArn, name: h.name, stateMachineArn: SM, status: 'SUCCEEDED', startDate: new Date(at(11)) }] });
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: h.standardArn, name: h.name, input: h.input, status: 'SUCCEEDED', startDate: new Date(at(11)), stopDate: new Date(at(40)) });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: new Date(at(11)), executionStartedEventDetails: { input: h.input } },
        { id: 2, type: 'TaskStateEntered', timestamp: new Date(at(11)), stateEnteredEventDetails: { name: 'Copy the object with the heavy task' } },
        { id: 3, type: 'TaskStateExited', timestamp: new Date(at(40)), stateExitedEventDetails: { name: 'Copy the object with the heavy task', output: '{}' } },
        { id: 4, type: 'ExecutionSucceeded', timestamp: new Date(at(40)), executionSucceededEventDetails: { output: '{"outcome":"copied"}' } },
      ],
    });
  });

  const since = new Date(at(-60)).toISOString();

  it("an object handed off: its fast path execution, then the Standard one it started, in order (--json)", async () => {
    const run = await runCli(['history', '--stack-outputs', outputs(), 's3://acme/video/big.bin', '--since', since, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { executions } = run.json<{ executions: { executionArn: string; type?: string; status: string; handedOffTo?: string; timeline: { steps: { state: string }[] } }[] }>();
    expect(executions.map((e) => [e.type ?? 'standard', e.executionArn, e.status, e.handedOffTo])).toEqual([
      ['express', h.executionArn, 'SUCCEEDED', h.standardArn],
      ['standard', h.standardArn, 'SUCCEEDED', undefined],
    ]);
    expect(executions[0]!.timeline.steps.map((s) => s.state)).toEqual(['Hand the object off to the Standard machine']);
    const filters = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(filters).toEqual([expect.objectContaining({ logGroupName: FAST_PATH_LOG_GROUP, startTime: at(-60), filterPattern: expect.stringContaining('%copy-video-big-bin-%') })]);
  });

  it('an object copied on the fast path: its timeline with the retry, from the log alone; its ARN works too', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const run = await runCli(['history', '--stack-outputs', outputs(), 's3://acme/photos/hello.txt', '--since', since]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Fast path (Express) execution ${copy.executionArn}`);
    expect(run.stdout).toContain('Copy the object with the small Lambda');
    expect(run.stdout).toContain('TransientError');
    expect(run.stdout).toContain('Kept only in the fast path log');
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    const byArn = await runCli(['history', '--stack-outputs', outputs(), copy.executionArn, '--json']);
    expect(byArn.code).toBe(0);
    expect(byArn.json()).toMatchObject({ executionArn: copy.executionArn, type: 'express', status: 'SUCCEEDED' });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});
