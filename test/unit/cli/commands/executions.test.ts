import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { executionArn as EXEC, STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';
import { at, expressFirstStage, FAST_PATH_LOG_GROUP } from '../../../support/fast-path-log';

const sfn = mockClient(SFNClient);

describe('s3gcs executions against a deployed stage (SFN mocked)', () => {
  beforeEach(() => sfn.reset());

  it('executions --key-prefix describes each listed execution and keeps the matching ones', async () => {
    // Newest first, as ListExecutions answers; distinct start dates, since the listing orders rows by them.
    const item = (name: string, minute: number) => {
      const startDate = new Date(Date.UTC(2026, 11, 4, 10, minute));
      return { executionArn: EXEC(name), name, status: 'SUCCEEDED' as const, stateMachineArn: SM, startDate, stopDate: startDate };
    };
    sfn.on(ListExecutionsCommand).resolves({ executions: [item('a', 2), item('b', 1), item('c', 0)] });
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

describe('s3gcs executions on an express-first stage (SFN and CloudWatch Logs mocked)', () => {
  const { logs, copy, handOff: h, outputs } = expressFirstStage();
  beforeEach(() => {
    sfn.reset();
    sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: h.standardArn, name: h.name, stateMachineArn: SM, status: 'RUNNING', startDate: new Date(at(11)) }] });
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: h.standardArn, input: h.input, status: 'RUNNING' });
  });

  it('lists the fast path executions from its log group with the Standard ones, newest first (--json)', async () => {
    const run = await runCli(['executions', '--stack-outputs', outputs(), '--since', new Date(at(-60)).toISOString(), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = run.json<{ executions: { type: string; name: string; status: string; object: { key: string }; handedOffTo?: string; durationMs?: number }[] }>().executions;
    expect(rows.map((r) => [r.type, r.name, r.status, r.object.key, r.handedOffTo])).toEqual([
      ['standard', h.name, 'RUNNING', 'video/big.bin', undefined],
      ['express', h.name, 'SUCCEEDED', 'video/big.bin', h.standardArn],
      ['express', copy.name, 'SUCCEEDED', 'photos/hello.txt', undefined],
    ]);
    expect(rows[2]!.durationMs).toBe(3000);
    const patterns = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(patterns.every((p) => p.logGroupName === FAST_PATH_LOG_GROUP && p.filterPattern!.includes('$.type = "ExecutionStarted"'))).toBe(true);
  });

  it('--status and the human table: the fast path row says where it handed off', async () => {
    const express = async (status: string): Promise<string[]> => {
      const run = await runCli(['executions', '--stack-outputs', outputs(), '--since', new Date(at(-60)).toISOString(), '--status', status, '--json']);
      return run.json<{ executions: { type: string; name: string }[] }>().executions.filter((r) => r.type === 'express').map((r) => r.name);
    };
    expect(await express('FAILED')).toEqual([]);
    expect(await express('SUCCEEDED')).toEqual([h.name, copy.name]);
    const human = await runCli(['executions', '--stack-outputs', outputs(), '--since', new Date(at(-60)).toISOString()]);
    expect(human.stdout).toMatch(new RegExp(`SUCCEEDED +express -> standard .*s3://acme/video/big\\.bin +${h.name}`));
    expect(human.stdout).toMatch(new RegExp(`SUCCEEDED +express +.*3\\.0 ?s.*s3://acme/photos/hello\\.txt +${copy.name}`));
  });

  it('a missing log group or denied access fails with the named error and what to grant (exit 4)', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const denied = await runCli(['executions', '--stack-outputs', outputs(), '--json']);
    expect(denied.code).toBe(4);
    expect(JSON.parse(denied.stderr)).toEqual({ error: expect.stringContaining('FastPathLogAccessDenied'), hint: expect.stringContaining(`logs:FilterLogEvents on arn:aws:logs:<region>:<account>:log-group:${FAST_PATH_LOG_GROUP}:*`), exitCode: 4 });
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }));
    const missing = await runCli(['executions', '--state-machine-arn', SM, '--fast-path-log-group', 'gone']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('FastPathLogGroupNotFound: the fast path log group gone does not exist');
  });

  it('says so when a deployed stage is named without its log group, and --help tells where Express executions come from', async () => {
    const run = await runCli(['executions', '--state-machine-arn', SM]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Fast path (Express) executions are not shown');
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
    const help = await runCli(['executions', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('logs:FilterLogEvents');
    expect(help.stdout).toContain('--fast-path-log-group');
  });
});
