/**
 * Issue 11 §4: the local endpoint gives up on a task token as AWS does. A `.waitForTaskToken` Task fails with
 * States.HeartbeatTimeout when no heartbeat arrives within HeartbeatSeconds, and with States.Timeout after
 * TimeoutSeconds; the container's later calls are refused (TaskTimedOut), which is how a heavy task learns to stop.
 * A test-only definition with one-second deadlines; nothing here measures time, only what the endpoint answers.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskTokenReporter } from '../../../../workflows/backup/heavy-task';
import type { JsonObject } from '../../../../workflows/local/asl-definition';
import { bindTaskStates, ECS_RUN_TASK_WAIT_FOR_TOKEN, LOCAL_TASK_TOKEN } from '../../../../workflows/local/bindings';
import { StateMachine } from '../../../../workflows/local/local-sfn';
import { runOutcome, runToTimeline } from '../../../../workflows/local/runner';
import { LocalStepFunctions, localSfnClient, startSfnApi, type LocalStateMachine, type SfnApiServer } from '../../../../workflows/local/sfn-api';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/heavy:1';
const STATE = 'Copy object with the heavy task';

/** One heavy-task state, as asl/backup-object.asl.json has it, with the deadlines under test. */
function definition(deadlines: { HeartbeatSeconds: number; TimeoutSeconds: number }): JsonObject {
  return {
    StartAt: STATE,
    States: {
      [STATE]: {
        Type: 'Task',
        Resource: ECS_RUN_TASK_WAIT_FOR_TOKEN,
        Parameters: { TaskDefinition: TD, Overrides: { ContainerOverrides: [{ Name: 'heavy', Environment: [{ Name: 'TASK_TOKEN', 'Value.$': '$$.Task.Token' }] }] } },
        ...deadlines,
        End: true,
      },
    },
  };
}

/**
 * A heavy task that heartbeats once at start, then hangs (a stuck copy) until the test lets it try once more: what
 * it then hears from the token API is recorded.
 */
function stuckContainer() {
  let letGo: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (letGo = resolve));
  const heard: { heartbeat?: unknown; success?: unknown } = {};
  const run = async (_env: Record<string, string>, reporter: TaskTokenReporter): Promise<void> => {
    await reporter.heartbeat();
    await released;
    heard.heartbeat = await reporter.heartbeat().then(() => 'accepted', (e: Error) => e.name);
    heard.success = await reporter.success({} as never).then(() => 'accepted', (e: Error) => e.name);
  };
  return { run, letGo, heard };
}

function machine(name: string, def: JsonObject, container: { run: (env: Record<string, string>, r: TaskTokenReporter) => Promise<void> }): LocalStateMachine {
  const arn = `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
  const handlers = bindTaskStates(def, { functions: {}, topics: {}, taskDefinitions: { [TD]: { containerName: 'heavy', run: container.run } } });
  const sm = new StateMachine(def as never);
  return {
    name,
    arn,
    definition: JSON.stringify(def),
    async run(input, execution) {
      const options = { overrides: { taskResourceLocalHandlers: handlers }, context: { Task: { Token: LOCAL_TASK_TOKEN } } };
      const timeline = await runToTimeline(() => sm.run(input as never, options as never), execution.name);
      return { ...runOutcome(timeline), timeline };
    },
  };
}

describe('task-token deadlines on the local endpoint', () => {
  const silent = stuckContainer();
  const overdue = stuckContainer();
  const machines = [
    machine('heartbeat', definition({ HeartbeatSeconds: 1, TimeoutSeconds: 600 }), silent),
    machine('timeout', definition({ HeartbeatSeconds: 600, TimeoutSeconds: 1 }), overdue),
  ];
  let server: SfnApiServer;
  let service: LocalStepFunctions;
  let sfn: SFNClient;

  beforeAll(async () => {
    service = new LocalStepFunctions({ stateMachines: machines });
    server = await startSfnApi(service);
    sfn = localSfnClient(server.endpoint);
  });

  afterAll(async () => {
    silent.letGo();
    overdue.letGo();
    sfn.destroy();
    await service.idle();
    await server.close();
  });

  async function failure(stateMachineArn: string, container: ReturnType<typeof stuckContainer>) {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'stuck', input: '{}' }));
    await service.idle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    container.letGo();
    while (container.heard.success === undefined) await new Promise<void>((resolve) => setImmediate(resolve));
    return { described, types: (events ?? []).map((e) => e.type) };
  }

  it('expect a heavy task that stops heart-beating to fail the state with States.HeartbeatTimeout, and its later calls refused', async () => {
    const { described, types } = await failure(machines[0]!.arn, silent);
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout', redriveStatus: 'REDRIVABLE' });
    expect(types).toEqual(expect.arrayContaining(['TaskStateEntered', 'ExecutionFailed']));
    expect(silent.heard).toEqual({ heartbeat: 'TaskTimedOut', success: 'TaskTimedOut' });
  });

  it('expect a heavy task past TimeoutSeconds to fail the state with States.Timeout, and its late success refused', async () => {
    const { described } = await failure(machines[1]!.arn, overdue);
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(overdue.heard).toEqual({ heartbeat: 'TaskTimedOut', success: 'TaskTimedOut' });
  });
});
