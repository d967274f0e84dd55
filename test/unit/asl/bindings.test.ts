import type { TaskTokenReporter } from '../../../workflows/backup/heavy-task';
import type { JsonObject } from '../../../workflows/local/asl-definition';
import { bindTaskStates, ECS_RUN_TASK_WAIT_FOR_TOKEN, LAMBDA_INVOKE, LOCAL_TASK_TOKEN, SNS_PUBLISH, type LocalDeployment } from '../../../workflows/local/bindings';

const FN = 'arn:aws:lambda:local:000000000000:function:f';
const TD = 'arn:aws:ecs:local:000000000000:task-definition/t:1';
const TOPIC = 'arn:aws:sns:local:000000000000:alerts';

const definition: JsonObject = {
  StartAt: 'Invoke',
  States: {
    Invoke: { Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: FN, 'Payload.$': '$' }, Next: 'Run' },
    Run: { Type: 'Task', Resource: ECS_RUN_TASK_WAIT_FOR_TOKEN, Parameters: { TaskDefinition: TD }, Next: 'Publish' },
    Publish: { Type: 'Task', Resource: SNS_PUBLISH, Parameters: { TopicArn: TOPIC, 'Message.$': '$.m' }, End: true },
  },
};

function deployment(over: Partial<LocalDeployment> = {}): LocalDeployment {
  return {
    functions: { [FN]: async (p) => ({ echoed: p, dropped: undefined }) },
    taskDefinitions: { [TD]: { containerName: 'c', run: async (_env, reporter) => reporter.success({ outcome: 'copied', bytes: 1, durationMs: 1, destination: 'gs://b/k' }) } },
    topics: { [TOPIC]: ({ message }) => ({ MessageId: `id:${message}` }) },
    stateMachines: {},
    ...over,
  };
}

const runTask = (env: { Name: string; Value: string }[], name = 'c') => ({ TaskDefinition: TD, Overrides: { ContainerOverrides: [{ Name: name, Environment: env }] } });
const token = { Name: 'TASK_TOKEN', Value: LOCAL_TASK_TOKEN };

describe('lambda:invoke binding', () => {
  test('wraps the function result as Lambda does: {StatusCode, Payload} with JSON semantics', async () => {
    const h = bindTaskStates(definition, deployment())['Invoke']!;
    await expect(h({ FunctionName: FN, Payload: { a: 1 } })).resolves.toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { echoed: { a: 1 } } });
  });

  test("an error crosses as name + message only (errorType/errorMessage), so Catch matches the name", async () => {
    const cause = new Error('socket hang up');
    const fn = async () => {
      throw Object.assign(new Error('GetObject failed transiently', { cause }), { name: 'TransientError' });
    };
    const h = bindTaskStates(definition, deployment({ functions: { [FN]: fn } }))['Invoke']!;
    const err = (await Promise.resolve(h({ FunctionName: FN, Payload: null })).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ name: 'TransientError', message: 'GetObject failed transiently' });
    expect(err.cause).toBeUndefined();
  });

  test('a FunctionName resolved at run time but not hosted fails like Lambda (ResourceNotFound)', async () => {
    const def = JSON.parse(JSON.stringify(definition)) as JsonObject;
    ((def['States'] as JsonObject)['Invoke'] as { Parameters: JsonObject }).Parameters = { 'FunctionName.$': '$.fn' };
    const h = bindTaskStates(def, deployment())['Invoke']!;
    await expect(Promise.resolve(h({ FunctionName: 'arn:other' }))).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
  });
});

describe('a function ARN as Resource', () => {
  const direct = { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: FN, End: true } } } as unknown as JsonObject;

  test('passes the state input as the payload and returns the bare result, with JSON semantics', async () => {
    const h = bindTaskStates(direct, deployment())['Call']!;
    await expect(h({ a: 1 })).resolves.toEqual({ echoed: { a: 1 } });
  });

  test('an error crosses as name + message only', async () => {
    const fn = async () => {
      throw Object.assign(new Error('out of time'), { name: 'TierCapacityExceeded' });
    };
    const h = bindTaskStates(direct, deployment({ functions: { [FN]: fn } }))['Call']!;
    await expect(Promise.resolve(h(null))).rejects.toMatchObject({ name: 'TierCapacityExceeded', message: 'out of time' });
  });
});

describe('states:startExecution binding', () => {
  const MACHINE = 'arn:aws:states:local:000000000000:stateMachine:standard';
  const start = { StartAt: 'Start', States: { Start: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution', Parameters: { StateMachineArn: MACHINE }, End: true } } } as unknown as JsonObject;

  test('starts the local machine with the name and the input as JSON text, and returns its ARN and start date', async () => {
    const calls: unknown[] = [];
    const stateMachines = { [MACHINE]: async (p: unknown) => (calls.push(p), { executionArn: `${MACHINE}:x`, startDate: 1_700_000_000 }) };
    const h = bindTaskStates(start, deployment({ stateMachines }))['Start']!;
    await expect(h({ StateMachineArn: MACHINE, Name: 'copy-a', Input: { bucket: 'b' } })).resolves.toEqual({ ExecutionArn: `${MACHINE}:x`, StartDate: '2023-11-14T22:13:20.000Z' });
    expect(calls).toEqual([{ stateMachineArn: MACHINE, name: 'copy-a', input: '{"bucket":"b"}' }]);
  });

  test("names a refusal as the integration does: ExecutionAlreadyExists -> StepFunctions.ExecutionAlreadyExistsException", async () => {
    const refuse = async () => {
      throw Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' });
    };
    const h = bindTaskStates(start, deployment({ stateMachines: { [MACHINE]: refuse } }))['Start']!;
    await expect(Promise.resolve(h({ StateMachineArn: MACHINE, Name: 'n', Input: {} }))).rejects.toMatchObject({ name: 'StepFunctions.ExecutionAlreadyExistsException' });
  });

  test('a machine nobody hosts is refused before the run', () => {
    expect(() => bindTaskStates(start, deployment())).toThrow(/starts arn:aws:states:local:000000000000:stateMachine:standard, which no local state machine answers/);
  });
});

describe('ecs:runTask.waitForTaskToken binding', () => {
  test("resolves with what the container reports through its token", async () => {
    const h = bindTaskStates(definition, deployment())['Run']!;
    await expect(h(runTask([token]))).resolves.toMatchObject({ outcome: 'copied' });
  });

  test('a reported failure carries the error NAME and cause', async () => {
    const h = bindTaskStates(
      definition,
      deployment({ taskDefinitions: { [TD]: { containerName: 'c', run: (_e, r) => r.failure('SourceNotReadable', 'archived') } } }),
    )['Run']!;
    await expect(Promise.resolve(h(runTask([token])))).rejects.toMatchObject({ name: 'SourceNotReadable', message: 'archived' });
  });

  test('the container sees the override environment', async () => {
    let seen: Record<string, string> = {};
    const run = async (env: Record<string, string>, r: { success: (o: never) => Promise<void> }) => {
      seen = env;
      await r.success({} as never);
    };
    const h = bindTaskStates(definition, deployment({ taskDefinitions: { [TD]: { containerName: 'c', run } } }))['Run']!;
    await h(runTask([token, { Name: 'COPY_REQUEST', Value: '{"k":1}' }]));
    expect(seen).toEqual({ TASK_TOKEN: LOCAL_TASK_TOKEN, COPY_REQUEST: '{"k":1}' });
  });

  test('a container that exits without reporting fails with States.HeartbeatTimeout', async () => {
    const h = bindTaskStates(definition, deployment({ taskDefinitions: { [TD]: { containerName: 'c', run: async () => 2 } } }))['Run']!;
    await expect(Promise.resolve(h(runTask([token])))).rejects.toMatchObject({ name: 'States.HeartbeatTimeout' });
  });

  test('a report with a token the execution did not issue is refused', async () => {
    let refused: unknown;
    const run = async (_e: Record<string, string>, r: { success: (o: never) => Promise<void> }) => {
      refused = await r.success({} as never).catch((e: unknown) => e);
    };
    const h = bindTaskStates(definition, deployment({ taskDefinitions: { [TD]: { containerName: 'c', run } } }))['Run']!;
    await expect(Promise.resolve(h(runTask([{ Name: 'TASK_TOKEN', Value: 'forged' }])))).rejects.toMatchObject({ name: 'States.HeartbeatTimeout' });
    expect(refused).toMatchObject({ name: 'InvalidToken' });
  });

  describe('HeartbeatSeconds and TimeoutSeconds, as AWS enforces them on a task token', () => {
    // Fake timers: the deadlines are driven by the test, so nothing here depends on how fast the machine is.
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    const timed = (limits: { HeartbeatSeconds?: number; TimeoutSeconds?: number }) => {
      const def = JSON.parse(JSON.stringify(definition)) as JsonObject;
      Object.assign((def['States'] as JsonObject)['Run'] as JsonObject, limits);
      let reporter: TaskTokenReporter | undefined;
      // A container that never exits on its own: only its reports (or the state's deadlines) end the state.
      const run = (_env: Record<string, string>, r: TaskTokenReporter) => {
        reporter = r;
        return new Promise<never>(() => undefined);
      };
      const settled: { error?: Error } = {};
      const pending = Promise.resolve(bindTaskStates(def, deployment({ taskDefinitions: { [TD]: { containerName: 'c', run } } }))['Run']!(runTask([token])));
      const done = pending.then(
        () => undefined,
        (e: Error) => {
          settled.error = e;
        },
      );
      return { reporter: () => reporter!, settled, done };
    };

    test('heartbeats keep the state waiting; HeartbeatSeconds without one fails it with States.HeartbeatTimeout, and the token is refused after', async () => {
      const t = timed({ HeartbeatSeconds: 10, TimeoutSeconds: 100 });
      await jest.advanceTimersByTimeAsync(0);
      for (let i = 0; i < 3; i++) {
        await jest.advanceTimersByTimeAsync(8_000);
        await t.reporter().heartbeat();
      }
      await jest.advanceTimersByTimeAsync(9_999); // 24 s in all, none of it more than 10 s without a heartbeat
      expect(t.settled.error).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await t.done;
      expect(t.settled.error).toMatchObject({ name: 'States.HeartbeatTimeout' });
      // As SendTaskHeartbeat / SendTaskSuccess answer on AWS once the state gave up: the container learns to stop.
      await expect(t.reporter().heartbeat()).rejects.toMatchObject({ name: 'TaskTimedOut' });
      await expect(t.reporter().success({} as never)).rejects.toMatchObject({ name: 'TaskTimedOut' });
    });

    test('TimeoutSeconds bounds the whole wait, heartbeats or not, with States.Timeout; a late success is refused', async () => {
      const t = timed({ HeartbeatSeconds: 10, TimeoutSeconds: 30 });
      await jest.advanceTimersByTimeAsync(0);
      for (let i = 0; i < 5; i++) {
        await jest.advanceTimersByTimeAsync(5_000);
        await t.reporter().heartbeat();
      }
      await jest.advanceTimersByTimeAsync(4_999);
      expect(t.settled.error).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await t.done;
      expect(t.settled.error).toMatchObject({ name: 'States.Timeout' });
      await expect(t.reporter().success({} as never)).rejects.toMatchObject({ name: 'TaskTimedOut' });
    });

    test('a report in time clears the deadlines: nothing fires later', async () => {
      const t = timed({ HeartbeatSeconds: 10, TimeoutSeconds: 30 });
      await jest.advanceTimersByTimeAsync(5_000);
      await t.reporter().success({ outcome: 'copied' } as never);
      await t.done;
      expect(t.settled.error).toBeUndefined();
      expect(jest.getTimerCount()).toBe(0);
    });

    test('a deadline read from a path is refused: the local endpoint enforces literal seconds only', () => {
      const def = JSON.parse(JSON.stringify(definition)) as JsonObject;
      Object.assign((def['States'] as JsonObject)['Run'] as JsonObject, { HeartbeatSecondsPath: '$.h' });
      expect(() => bindTaskStates(def, deployment())).toThrow(/Task "Run" sets HeartbeatSecondsPath/);
    });
  });

  test('an override for another container name is an ECS parameter error', async () => {
    const h = bindTaskStates(definition, deployment())['Run']!;
    await expect(Promise.resolve(h(runTask([token], 'other')))).rejects.toMatchObject({ name: 'ECS.InvalidParameterException' });
  });
});

describe('sns:publish binding', () => {
  test('publishes to the local topic and returns a MessageId', async () => {
    const h = bindTaskStates(definition, deployment())['Publish']!;
    await expect(h({ TopicArn: TOPIC, Message: 'hello' })).resolves.toEqual({ MessageId: 'id:hello' });
  });

  test('refuses a definition whose static TopicArn has no local topic', () => {
    expect(() => bindTaskStates(definition, deployment({ topics: {} }))).toThrow(/publishes to arn:aws:sns:local:000000000000:alerts, which has no local topic/);
  });
});
