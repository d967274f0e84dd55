import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { executionArn as EXEC, STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';

const sfn = mockClient(SFNClient);

describe('s3gcs executions against a deployed stage (SFN mocked)', () => {
  beforeEach(() => sfn.reset());

  it('executions --key-prefix describes each listed execution and keeps the matching ones', async () => {
    const item = (name: string) => ({ executionArn: EXEC(name), name, status: 'SUCCEEDED' as const, stateMachineArn: SM, startDate: new Date(), stopDate: new Date() });
    sfn.on(ListExecutionsCommand).resolves({ executions: [item('a'), item('b'), item('c')] });
    const inputs: Record<string, string> = {
      [EXEC('a')]: JSON.stringify({ bucket: 'acme', key: 'reports/1.pdf' }),
      [EXEC('b')]: JSON.stringify({ bucket: 'acme', key: 'photos/1.jpg' }),
      [EXEC('c')]: JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'acme' }, object: { key: 'reports/2+2.pdf' } } }),
    };
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({ executionArn: input.executionArn, input: inputs[input.executionArn], status: 'SUCCEEDED' }));
    const run = await runCli(['executions', ...target, '--key-prefix', 'reports/', '--json']);
    expect(run.code).toBe(0);
    const rows = run.json<{ executions: { name: string; object: { key: string } }[] }>().executions;
    expect(rows.map((r) => [r.name, r.object.key])).toEqual([
      ['a', 'reports/1.pdf'],
      ['c', 'reports/2+2.pdf'],
    ]);
  });
});

it('does not offer --status PENDING_REDRIVE, which ListExecutions refuses with a state machine ARN', async () => {
  const help = await runCli(['executions', '--help']);
  expect(help.stdout.replace(/\s+/g, ' ')).toContain('only this status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED');
  expect(help.stdout).not.toContain('PENDING_REDRIVE');
  const run = await runCli(['executions', ...target, '--status', 'pending_redrive']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--status "pending_redrive" is not an execution status');
});
