import {
  ExecutionNotRedrivable,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { executionArn as EXEC, STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';

const sfn = mockClient(SFNClient);

describe('s3gcs redrive against a deployed stage (SFN mocked)', () => {
  beforeEach(() => sfn.reset());

  it('redrive --failed redrives what closed in the window and exits 1 when one is refused', async () => {
    const now = Date.now();
    sfn.on(ListExecutionsCommand).resolves({ executions: [] }); // TIMED_OUT and ABORTED: none
    sfn.on(ListExecutionsCommand, { stateMachineArn: SM, statusFilter: 'FAILED' }).resolves({
      executions: [
        { executionArn: EXEC('recent'), name: 'recent', status: 'FAILED', stateMachineArn: SM, startDate: new Date(now - 3_600_000), stopDate: new Date(now - 3_500_000) },
        { executionArn: EXEC('gone'), name: 'gone', status: 'FAILED', stateMachineArn: SM, startDate: new Date(now - 7_200_000), stopDate: new Date(now - 7_100_000) },
        { executionArn: EXEC('old'), name: 'old', status: 'FAILED', stateMachineArn: SM, startDate: new Date(now - 3 * 86_400_000), stopDate: new Date(now - 3 * 86_400_000) },
      ],
    });
    sfn.on(RedriveExecutionCommand, { executionArn: EXEC('recent') }).resolves({ redriveDate: new Date() });
    sfn.on(RedriveExecutionCommand, { executionArn: EXEC('gone') }).rejects(new ExecutionNotRedrivable({ message: 'too many redrives', $metadata: {} }));
    const run = await runCli(['redrive', ...target, '--failed', '--since', '24h', '--json']);
    expect(run.code).toBe(1);
    const out = run.json<{ redriven: { name: string }[]; refused: { name: string; reason: string }[] }>();
    expect(out.redriven.map((r) => r.name)).toEqual(['recent']);
    expect(out.refused).toEqual([expect.objectContaining({ name: 'gone', reason: expect.stringContaining('ExecutionNotRedrivable') })]);
    expect(sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input.executionArn)).not.toContain(EXEC('old'));
  });

  it('redrive of one execution by name builds its ARN from the state machine', async () => {
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    const run = await runCli(['redrive', ...target, 'copy-a-b']);
    expect(run.code).toBe(0);
    expect(sfn.commandCalls(RedriveExecutionCommand)[0]!.args[0].input.executionArn).toBe(EXEC('copy-a-b'));
  });
});
