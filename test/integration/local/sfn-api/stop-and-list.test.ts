import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidToken, ListExecutionsCommand, paginateListExecutions, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { LocalStepFunctions, localSfnClient, startSfnApi, type LocalRunResult, type SfnApiServer } from '../../../../workflows/local/sfn-api';

const run = promisify(execFile);
const ARN = 'arn:aws:states:local:000000000000:stateMachine:backup-object';

/** StopExecution and ListExecutions paging over HTTP, with the real @aws-sdk/client-sfn and (where installed) the AWS CLI. */
describe('local Step Functions endpoint: StopExecution and ListExecutions', () => {
  let server: SfnApiServer;
  let service: LocalStepFunctions;
  let sfn: SFNClient;

  beforeAll(async () => {
    service = new LocalStepFunctions({
      stateMachines: [
        {
          name: 'backup-object',
          arn: ARN,
          definition: '{"StartAt":"Wait","States":{"Wait":{"Type":"Succeed"}}}',
          // Runs until stopped when the input asks to wait; otherwise succeeds at once.
          run: async (input, execution, _resume, signal): Promise<LocalRunResult> => {
            if ((input as { wait?: boolean }).wait) await new Promise<void>((r) => signal!.addEventListener('abort', () => r(), { once: true }));
            return { status: 'SUCCEEDED', timeline: { executionName: execution.name, status: 'SUCCEEDED', startedAt: new Date().toISOString(), durationMs: 0, steps: [] } };
          },
        },
      ],
      maxConcurrent: 64,
    });
    server = await startSfnApi(service);
    sfn = localSfnClient(server.endpoint);
  });

  afterAll(async () => {
    sfn.destroy();
    await server.close();
  });

  const start = (name: string, input = '{}') => sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name, input }));

  it('StopExecution answers the stopDate and the execution reads ABORTED', async () => {
    const { executionArn } = await start('held', '{"wait":true}');
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn, cause: 'not needed' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await service.idle();
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: ARN, statusFilter: 'ABORTED' }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['held']);
  });

  it("the SDK's paginator lists every execution once while others start between pages", async () => {
    const before: string[] = [];
    for (let i = 0; i < 7; i++) before.push((await start(`page-${i}`)).executionArn!);
    await service.idle();
    const seen: string[] = [];
    let extra = 0;
    for await (const page of paginateListExecutions({ client: sfn, pageSize: 3 }, { stateMachineArn: ARN })) {
      seen.push(...(page.executions ?? []).map((e) => e.executionArn!));
      await start(`between-${extra++}`);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([...before]));
    await service.idle();
  });

  it('an invalid token is the InvalidToken exception', async () => {
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: ARN, nextToken: 'garbage' }))).rejects.toBeInstanceOf(InvalidToken);
  });

  const aws = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0 ? 'aws' : undefined;
  if (!aws) console.warn('the AWS CLI is not on PATH: its StopExecution / list-executions checks are skipped');
  // The AWS CLI is installed from PyPI, not npm: where it is absent these checks are skipped, saying so above.
  const describeWithAwsCli = aws ? describe : describe.skip;

  describeWithAwsCli('with the AWS CLI', () => {
    it('stops an execution and gets ValidationException for --status-filter PENDING_REDRIVE', async () => {
      const env = { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_CA_BUNDLE: '' };
      const cli = (...args: string[]) => run(aws!, ['stepfunctions', ...args, '--endpoint-url', server.endpoint, '--output', 'json'], { env });
      const { executionArn } = await start('cli-held', '{"wait":true}');
      const stopped = JSON.parse((await cli('stop-execution', '--execution-arn', executionArn!, '--error', 'Operator.Stopped')).stdout) as { stopDate: unknown };
      expect(stopped.stopDate).toBeDefined();
      const described = JSON.parse((await cli('describe-execution', '--execution-arn', executionArn!)).stdout) as { status: string; error: string };
      expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stopped' });
      const refused = await cli('list-executions', '--state-machine-arn', ARN, '--status-filter', 'PENDING_REDRIVE').then(
        () => undefined,
        (err: { stderr: string }) => err.stderr,
      );
      expect(refused).toMatch(/ValidationException/);
      await service.idle();
    }, 60_000);
  });
});
