import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { LocalStepFunctions, localSfnClient, startSfnApi, type SfnApiServer } from '../../../../workflows/local/sfn-api';
import { SCRIPTED_ARN, scriptedMachine } from '../../../support/scripted-machine';

const run = promisify(execFile);

function awsCliPresent(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

type Json = Record<string, unknown>;
/** One Step Functions call, by its CLI name (start-execution…) with camelCase parameters; the answer as JSON. */
type Call = (command: string, params: Json) => Promise<Json>;

/** The real `aws stepfunctions … --endpoint-url`, isolated from any profile on the machine. */
function awsCli(endpoint: string): Call {
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_PAGER: '',
  };
  return async (command, params) => {
    const args = Object.entries(params).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]);
    try {
      const { stdout } = await run('aws', ['stepfunctions', command, '--endpoint-url', endpoint, '--output', 'json', ...args], { env, timeout: 60_000 });
      return JSON.parse(stdout) as Json;
    } catch (err) {
      // The CLI prints "An error occurred (ExecutionNotRedrivable) when calling …" on stderr and exits 254.
      const stderr = (err as { stderr?: string }).stderr ?? String(err);
      throw new Error(stderr.trim(), { cause: err });
    }
  };
}

/** The same calls through @aws-sdk/client-sfn, when the aws CLI is not installed. */
function sdk(client: SFNClient): Call {
  const send = (command: string, p: Json): Promise<unknown> => {
    if (command === 'start-execution') return client.send(new StartExecutionCommand(p as never));
    if (command === 'describe-execution') return client.send(new DescribeExecutionCommand(p as never));
    if (command === 'redrive-execution') return client.send(new RedriveExecutionCommand(p as never));
    return client.send(new GetExecutionHistoryCommand(p as never));
  };
  return async (command, params) => {
    try {
      return (await send(command, params)) as Json;
    } catch (err) {
      throw new Error(`An error occurred (${(err as Error).name}): ${(err as Error).message}`, { cause: err });
    }
  };
}

describe('RedriveExecution through the local endpoint, driven by a real client', () => {
  const viaCli = awsCliPresent();
  let server: SfnApiServer;
  let service: LocalStepFunctions;
  let client: SFNClient;
  let call: Call;
  const machine = scriptedMachine(['refused', 'ok']);

  beforeAll(async () => {
    if (!viaCli) console.warn('aws CLI not found on PATH: driving the redrive with @aws-sdk/client-sfn instead of `aws stepfunctions`');
    service = new LocalStepFunctions({ stateMachines: [machine] });
    server = await startSfnApi(service);
    client = localSfnClient(server.endpoint);
    call = viaCli ? awsCli(server.endpoint) : sdk(client);
  });

  afterAll(async () => {
    client.destroy();
    await service.idle();
    await server.close();
  });

  it('fails at the Task, then `redrive-execution` resumes there and succeeds without re-entering the Pass state', async () => {
    const { executionArn } = (await call('start-execution', { stateMachineArn: SCRIPTED_ARN, name: 'cli-redrive', input: '{"key":"k.txt"}' })) as { executionArn: string };
    await service.idle();
    expect(await call('describe-execution', { executionArn })).toMatchObject({ status: 'FAILED', error: 'GcsWriteRefused', redriveStatus: 'REDRIVABLE' });

    const redriven = await call('redrive-execution', { executionArn });
    expect(redriven['redriveDate']).toBeDefined();
    await service.idle();

    expect(await call('describe-execution', { executionArn })).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, output: '{"copied":"k.txt"}' });
    const { events } = (await call('get-execution-history', { executionArn })) as { events: { type: string; stateEnteredEventDetails?: { name: string } }[] };
    const entered = events.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name);
    expect(entered).toEqual(['Prepare', 'Copy', 'Copy']);
    expect(events.map((e) => e.type)).toContain('ExecutionRedriven');
    expect(machine.copyInputs).toEqual([
      { key: 'k.txt', prepared: true },
      { key: 'k.txt', prepared: true },
    ]);

    await expect(call('redrive-execution', { executionArn })).rejects.toThrow(/ExecutionNotRedrivable.*Execution is SUCCEEDED and cannot be redriven/);
  });
});
