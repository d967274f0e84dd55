/**
 * Binds every Task state of the definition to an in-process implementation, by what the state calls — exactly as
 * AWS would dispatch it: lambda:invoke → the local function named by FunctionName, ecs:runTask.waitForTaskToken → the
 * local container of TaskDefinition, reporting through its task token, sns:publish → the local topic of TopicArn.
 * aws-local-stepfunctions would otherwise invoke a REAL Lambda for any unbound Task, so anything we cannot bind is
 * refused before the execution starts.
 */
import { ConfigurationError } from '../backup/errors';
import type { TaskTokenReporter } from '../backup/heavy-task';
import { isObject, taskStates, type Json, type JsonObject } from './asl-definition';
import type { TaskHandler } from './local-sfn';
import { withAttemptRecording, type TaskLimits } from './task-attempts';

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const ECS_RUN_TASK_WAIT_FOR_TOKEN = 'arn:aws:states:::ecs:runTask.waitForTaskToken';
export const SNS_PUBLISH = 'arn:aws:states:::sns:publish';
export const STATES_START_EXECUTION = 'arn:aws:states:::states:startExecution';

/** The task token local executions hand out (the ASL passes $$.Task.Token to the container). */
export const LOCAL_TASK_TOKEN = 'local-task-token';

/** A Lambda function's handler: the invoke Payload in, the result out; a thrown error's name is its errorType. */
export type LocalFunction = (payload: Json) => Promise<unknown>;

export interface LocalContainer {
  /** The container the state machine overrides (its HeavyContainerName). */
  containerName: string;
  /** The container's main: its environment in, results reported through the token. */
  run(env: Record<string, string>, reporter: TaskTokenReporter): Promise<unknown>;
}

export type LocalTopic = (message: { topicArn: string; subject?: string; message: string }) => { MessageId: string };

/**
 * StartExecution of a local state machine (the local endpoint's): resolves with the new execution, or rejects with the
 * API's error, named by its code (ExecutionAlreadyExists…), which the binding names as the service integration does.
 */
export type LocalStartExecution = (params: { stateMachineArn: string; name?: string; input: string }) => Promise<{ executionArn: string; startDate: number }>;

/** What a local "account" hosts, by ARN — the counterpart of the deployed stack. */
export interface LocalDeployment {
  functions: Record<string, LocalFunction>;
  taskDefinitions: Record<string, LocalContainer>;
  topics: Record<string, LocalTopic>;
  /** State machines another machine may start (states:startExecution), by ARN (Default: none). */
  stateMachines?: Record<string, LocalStartExecution>;
}

/** An error as it crosses a service boundary: name and message only (Lambda's errorType/errorMessage). */
export class RemoteError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Handlers for `overrides.taskResourceLocalHandlers`, one per Task state (Map and Parallel included).
 * Throws ConfigurationError listing every Task that cannot be bound.
 */
export function bindTaskStates(definition: JsonObject, deployment: LocalDeployment): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  const problems: string[] = [];
  for (const task of taskStates(definition)) {
    const params = isObject(task.parameters) ? task.parameters : {};
    const where = `Task ${JSON.stringify(task.name)}`;
    if (task.resource === LAMBDA_INVOKE) {
      const fn = staticString(params, 'FunctionName');
      if (fn !== undefined && !deployment.functions[fn]) problems.push(`${where} invokes ${fn}, which no local function implements`);
      else handlers[task.name] = lambdaHandler(deployment);
    } else if (task.resource === ECS_RUN_TASK_WAIT_FOR_TOKEN) {
      const td = staticString(params, 'TaskDefinition');
      const paths = ['HeartbeatSecondsPath', 'TimeoutSecondsPath'].filter((f) => f in task.state);
      if (td !== undefined && !deployment.taskDefinitions[td]) problems.push(`${where} runs task definition ${td}, which no local container implements`);
      else if (paths.length > 0) problems.push(`${where} sets ${paths.join(' and ')}, which the local endpoint does not enforce (use literal seconds)`);
      else handlers[task.name] = containerHandler(deployment, tokenDeadlines(task.state));
    } else if (task.resource === SNS_PUBLISH) {
      const topic = staticString(params, 'TopicArn');
      if (topic !== undefined && !deployment.topics[topic]) problems.push(`${where} publishes to ${topic}, which has no local topic`);
      else handlers[task.name] = topicHandler(deployment);
    } else if (deployment.functions[task.resource]) {
      // A function's ARN as Resource (the original Lambda integration): the state's input is the payload, the
      // function's result the state's result, without lambda:invoke's envelope.
      handlers[task.name] = functionArnHandler(deployment.functions[task.resource]!);
    } else if (task.resource === STATES_START_EXECUTION) {
      const machine = staticString(params, 'StateMachineArn');
      if (machine !== undefined && !deployment.stateMachines?.[machine]) problems.push(`${where} starts ${machine}, which no local state machine answers`);
      else handlers[task.name] = startExecutionHandler(deployment);
    } else {
      problems.push(`${where} uses resource ${task.resource}, which has no local implementation (the library would call real AWS)`);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(`Refusing to run: ${problems.join('; ')}`);
  // What each attempt was called with and returned, for the history events (task-attempts.ts).
  const limits = new Map(taskStates(definition).map((task) => [task.name, taskLimits(task.state)]));
  return Object.fromEntries(Object.entries(handlers).map(([state, handler]) => [state, withAttemptRecording(state, handler, limits.get(state))]));
}

/** TimeoutSeconds and HeartbeatSeconds as literals (the Path forms are refused or not enforced locally). */
function taskLimits(state: JsonObject): TaskLimits {
  const timeoutInSeconds = literalSeconds(state, 'TimeoutSeconds');
  const heartbeatInSeconds = literalSeconds(state, 'HeartbeatSeconds');
  return { ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}), ...(heartbeatInSeconds !== undefined ? { heartbeatInSeconds } : {}) };
}

function lambdaHandler(deployment: LocalDeployment): TaskHandler {
  return async (input) => {
    const { FunctionName, Payload } = (isObject(input) ? input : {}) as { FunctionName?: unknown; Payload?: Json };
    const fn = typeof FunctionName === 'string' ? deployment.functions[FunctionName] : undefined;
    if (!fn) throw new RemoteError('Lambda.ResourceNotFoundException', `Function not found: ${String(FunctionName)}`);
    let result: unknown;
    try {
      result = await fn(Payload ?? null);
    } catch (err) {
      throw crossing(err);
    }
    // Lambda returns JSON: undefined fields vanish, dates become strings.
    return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: toJson(result) };
  };
}

function functionArnHandler(fn: LocalFunction): TaskHandler {
  return async (input) => {
    try {
      return toJson(await fn(input as Json));
    } catch (err) {
      throw crossing(err);
    }
  };
}

/**
 * How long a task-token state waits: TimeoutSeconds for the whole wait, HeartbeatSeconds between two heartbeats (none:
 * no heartbeat deadline). aws-local-stepfunctions times a Task out after 60 s when TimeoutSeconds is missing (AWS:
 * 99999999), so the token is given up at that same moment.
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html#task-state-fields
 */
export interface TokenDeadlines {
  timeoutSeconds: number;
  heartbeatSeconds?: number;
}

const LIBRARY_DEFAULT_TIMEOUT_SECONDS = 60;

function literalSeconds(state: JsonObject, field: string): number | undefined {
  return typeof state[field] === 'number' ? state[field] : undefined;
}

function tokenDeadlines(state: JsonObject): TokenDeadlines {
  const heartbeatSeconds = literalSeconds(state, 'HeartbeatSeconds');
  return { timeoutSeconds: literalSeconds(state, 'TimeoutSeconds') ?? LIBRARY_DEFAULT_TIMEOUT_SECONDS, ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}) };
}

function containerHandler(deployment: LocalDeployment, deadlines: TokenDeadlines): TaskHandler {
  return async (input) => {
    const params = (isObject(input) ? input : {}) as { TaskDefinition?: unknown; Overrides?: { ContainerOverrides?: unknown } };
    const container = typeof params.TaskDefinition === 'string' ? deployment.taskDefinitions[params.TaskDefinition] : undefined;
    if (!container) throw new RemoteError('ECS.ClientException', `Task definition not found: ${String(params.TaskDefinition)}`);
    const overrides = Array.isArray(params.Overrides?.ContainerOverrides) ? (params.Overrides.ContainerOverrides as unknown[]) : [];
    const ours = overrides.find((o) => isObject(o) && o['Name'] === container.containerName) as
      | { Environment?: { Name: string; Value: string }[] }
      | undefined;
    if (!ours) {
      throw new RemoteError('ECS.InvalidParameterException', `No container override named ${container.containerName} in the RunTask request`);
    }
    const env = Object.fromEntries((ours.Environment ?? []).map((e) => [e.Name, e.Value]));
    return new Promise<Json>((resolve, reject) => {
      // Why the token no longer works: it was used, or the state gave up on it (then it has failed the state).
      let closed: 'reported' | 'timed out' | undefined;
      let heartbeatTimer: NodeJS.Timeout | undefined;
      const giveUp = (error: RemoteError): void => {
        if (closed) return;
        closed = 'timed out';
        clearTimers();
        reject(error);
      };
      const timeoutTimer = setTimeout(
        () => giveUp(new RemoteError('States.Timeout', `The task did not report within TimeoutSeconds (${deadlines.timeoutSeconds} s)`)),
        deadlines.timeoutSeconds * 1000,
      );
      const armHeartbeat = (): void => {
        if (deadlines.heartbeatSeconds === undefined) return;
        clearTimeout(heartbeatTimer);
        heartbeatTimer = setTimeout(
          () => giveUp(new RemoteError('States.HeartbeatTimeout', `No heartbeat within HeartbeatSeconds (${deadlines.heartbeatSeconds} s)`)),
          deadlines.heartbeatSeconds * 1000,
        );
      };
      const clearTimers = (): void => {
        clearTimeout(timeoutTimer);
        clearTimeout(heartbeatTimer);
      };
      armHeartbeat(); // HeartbeatSeconds runs from the state's start (RunTask), before the container's first heartbeat
      // What SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat answer: the names of the API's errors, which the
      // container's reporter reads (TaskTimedOut tells it the state gave up, so it stops copying).
      const tokenProblem = (): RemoteError | undefined => {
        if (env['TASK_TOKEN'] !== LOCAL_TASK_TOKEN) return new RemoteError('InvalidToken', 'The container reported with a token this execution did not issue');
        if (closed === 'reported') return new RemoteError('TaskTimedOut', 'The task token was already used');
        if (closed === 'timed out') return new RemoteError('TaskTimedOut', 'The state timed out waiting for this task token');
        return undefined;
      };
      const report = (settle: () => void): Promise<void> => {
        const problem = tokenProblem();
        if (problem) return Promise.reject(problem);
        closed = 'reported';
        clearTimers();
        settle();
        return Promise.resolve();
      };
      const reporter: TaskTokenReporter = {
        success: (output) => report(() => resolve(toJson(output))),
        failure: (error, cause) => report(() => reject(new RemoteError(error, cause))),
        heartbeat: () => {
          const problem = tokenProblem();
          if (problem) return Promise.reject(problem);
          armHeartbeat();
          return Promise.resolve();
        },
      };
      // A container that exits without reporting would leave the state waiting for its heartbeat timeout, as in AWS;
      // locally that moment is now (nothing can report any more).
      const exited = (detail: string): void => {
        giveUp(new RemoteError('States.HeartbeatTimeout', `The heavy task exited without reporting a result (${detail})`));
      };
      container.run(env, reporter).then(
        () => exited('exit code 0'),
        (err: unknown) => exited(err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
      );
    });
  };
}

function topicHandler(deployment: LocalDeployment): TaskHandler {
  return async (input) => {
    const { TopicArn, Subject, Message } = (isObject(input) ? input : {}) as { TopicArn?: unknown; Subject?: unknown; Message?: unknown };
    const topic = typeof TopicArn === 'string' ? deployment.topics[TopicArn] : undefined;
    if (!topic) throw new RemoteError('SNS.NotFoundException', `Topic does not exist: ${String(TopicArn)}`);
    if (typeof Message !== 'string' || Message.length === 0) throw new RemoteError('SNS.InvalidParameterException', 'Empty message');
    return topic({ topicArn: TopicArn as string, message: Message, ...(typeof Subject === 'string' ? { subject: Subject } : {}) });
  };
}

/**
 * states:startExecution (request-response): the output is `{ExecutionArn, StartDate}`; a refusal fails the state with
 * the API's error under the integration's name, `StepFunctions.<Code>Exception` (e.g.
 * StepFunctions.ExecutionAlreadyExistsException, the name Catch matches in AWS).
 */
function startExecutionHandler(deployment: LocalDeployment): TaskHandler {
  return async (input) => {
    const { StateMachineArn, Name, Input } = (isObject(input) ? input : {}) as { StateMachineArn?: unknown; Name?: unknown; Input?: Json };
    const start = typeof StateMachineArn === 'string' ? deployment.stateMachines?.[StateMachineArn] : undefined;
    if (!start) throw new RemoteError('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${String(StateMachineArn)}'`);
    try {
      // Input may be given as JSON (an object) or as a string holding JSON, as in AWS.
      const text = typeof Input === 'string' ? Input : JSON.stringify(Input ?? {});
      const started = await start({ stateMachineArn: StateMachineArn as string, input: text, ...(typeof Name === 'string' ? { name: Name } : {}) });
      return { ExecutionArn: started.executionArn, StartDate: new Date(started.startDate * 1000).toISOString() };
    } catch (err) {
      const code = err instanceof Error ? err.name : 'Error';
      throw new RemoteError(`StepFunctions.${code.endsWith('Exception') ? code : `${code}Exception`}`, err instanceof Error ? err.message : String(err));
    }
  };
}

/** A value fixed in the definition (not a `.$` path), or undefined. */
function staticString(params: JsonObject, field: string): string | undefined {
  const value = params[field];
  return typeof value === 'string' ? value : undefined;
}

function crossing(err: unknown): RemoteError {
  if (err instanceof Error) return new RemoteError(err.name, err.message);
  return new RemoteError('Error', String(err));
}

function toJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}
