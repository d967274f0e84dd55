import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { executionArn as EXEC, STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';

const sfn = mockClient(SFNClient);

describe('s3gcs replay against a deployed stage (SFN mocked)', () => {
  beforeEach(() => sfn.reset());

  it('replay starts the minimal manual input under a fresh replay name and prints the console URL', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    const run = await runCli(['replay', ...target, 's3://acme-data/reports/q3 final.pdf', '--version-id', 'v1', '--json']);
    expect(run.code).toBe(0);
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.stateMachineArn).toBe(SM);
    expect(JSON.parse(call.input!)).toEqual({ bucket: 'acme-data', key: 'reports/q3 final.pdf', versionId: 'v1' });
    expect(call.name).toMatch(/^replay-reports-q3-final-pdf-\d{8}T\d{6}Z-[a-z2-7]{8}$/);
    const out = run.json<{ executionArn: string; consoleUrl: string }>();
    expect(out.executionArn).toBe(EXEC(call.name!));
    expect(out.consoleUrl).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXEC(call.name!)}`);
  });

  it('replay --wait prints the timeline and exits 1 when the execution FAILED', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'SourceNotReadable', cause: 'in Glacier', name: 'x', executionArn: EXEC('x'), stateMachineArn: SM, startDate: new Date() });
    const t = (s: number): Date => new Date(Date.UTC(2026, 10, 20, 10, 0, s));
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: t(0) },
        { id: 2, type: 'TaskStateEntered', timestamp: t(1), stateEnteredEventDetails: { name: 'Copy the object with the small Lambda' } },
        { id: 3, type: 'TaskScheduled', timestamp: t(1) },
        { id: 4, type: 'TaskFailed', timestamp: t(2), taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'SourceNotReadable', cause: 'in Glacier' } },
        { id: 5, type: 'TaskStateEntered', timestamp: t(2), stateEnteredEventDetails: { name: 'Alert the operators' } },
        { id: 6, type: 'TaskStateExited', timestamp: t(3), stateExitedEventDetails: { name: 'Alert the operators', output: '{}' } },
        { id: 7, type: 'FailStateEntered', timestamp: t(3), stateEnteredEventDetails: { name: 'Fail the execution' } },
        { id: 8, type: 'ExecutionFailed', timestamp: t(3), executionFailedEventDetails: { error: 'SourceNotReadable', cause: 'in Glacier' } },
      ],
    });
    const run = await runCli(['replay', ...target, 's3://acme-data/k', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Copy the object with the small Lambda +Task +1000 ms {2}caught SourceNotReadable -> Alert the operators/);
    expect(run.stdout).toMatch(/Fail the execution +Fail +0 ms {2}FAILED SourceNotReadable/);
    expect(run.stdout).toContain('Cause: in Glacier');
  });
});
