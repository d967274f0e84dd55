import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
  paginateGetExecutionHistory,
} from '@aws-sdk/client-sfn';
import { LocalStepFunctions, localSfnClient, startSfnApi, type SfnApiServer } from '../../../../workflows/local/sfn-api';

const ARN = 'arn:aws:states:local:000000000000:stateMachine:backup-object';

describe('local Step Functions endpoint with the real @aws-sdk/client-sfn', () => {
  let server: SfnApiServer;
  let service: LocalStepFunctions;
  let sfn: SFNClient;

  beforeAll(async () => {
    service = new LocalStepFunctions({
      stateMachines: [
        {
          name: 'backup-object',
          arn: ARN,
          definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
          run: async (input, execution) => ({
            status: 'SUCCEEDED',
            output: { echoed: input },
            timeline: {
              executionName: execution.name,
              status: 'SUCCEEDED',
              startedAt: new Date().toISOString(),
              durationMs: 1,
              steps: [{ state: 'Done', type: 'Succeed', startedAtMs: 0, durationMs: 1, status: 'succeeded', retries: [], output: { echoed: input } as never }],
            },
          }),
        },
      ],
    });
    server = await startSfnApi(service);
    sfn = localSfnClient(server.endpoint);
  });

  afterAll(async () => {
    sfn.destroy();
    await server.close();
  });

  it('listens on 127.0.0.1 only', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('starts, describes, lists and pages the history with typed results', async () => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'sdk-run', input: '{"bucket":"b","key":"k"}' }));
    expect(started.startDate).toBeInstanceOf(Date);
    await service.idle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({ echoed: { bucket: 'b', key: 'k' } });
    expect(described.stopDate).toBeInstanceOf(Date);
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: ARN }));
    expect(listed.executions?.map((e) => e.name)).toContain('sdk-run');
    const types: string[] = [];
    for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 2 }, { executionArn: started.executionArn })) {
      types.push(...(page.events ?? []).map((e) => e.type!));
    }
    expect(types).toEqual(['ExecutionStarted', 'SucceedStateEntered', 'SucceedStateExited', 'ExecutionSucceeded']);
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1 }));
    expect(first.events?.[0]?.timestamp).toBeInstanceOf(Date);
  });

  it('raises the SDK exception classes for AWS errors', async () => {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'twice', input: '{}' }));
    await service.idle();
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'twice', input: '{}' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:never` }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'has space', input: '{}' }))).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('lists its state machine', async () => {
    const out = await sfn.send(new ListStateMachinesCommand({}));
    expect(out.stateMachines?.map((m) => m.stateMachineArn)).toEqual([ARN]);
  });

  it('prints an execution timeline at the console URL', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'console', input: '{}' }));
    await service.idle();
    const res = await fetch(`${server.endpoint}/console/executions/${encodeURIComponent(executionArn!)}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Execution console: SUCCEEDED');
    expect(text).toContain('Done');
    expect((await fetch(`${server.endpoint}/console/executions/nope`)).status).toBe(404);
  });
});
