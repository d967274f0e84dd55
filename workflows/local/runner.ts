/**
 * Runs asl/backup-object.asl.json locally with aws-local-stepfunctions: the same file CDK deploys, its substitutions
 * resolved with local values, every Task bound to in-process code (never to AWS), and a console-like timeline.
 *
 * Preparing is checked and costly (asl-validator compiles its schema: ~60 ms, most of a small execution), so it is
 * done once per environment and definition file, and a definition validates once per process; executions then share
 * the prepared, stateless state machine. What belongs to one execution — its name, timeline and alerts — is made per
 * run. An environment is read when it is first run: change it by passing a new object.
 */
import { randomUUID } from 'node:crypto';
import { BACKUP_ASL_PATH, FAST_PATH_ASL_PATH, loadDefinition, resolveSubstitutions, type Json, type JsonObject } from './asl-definition';
import { executionAlert } from '../alerting/execution-alert';
import { collectAlerts, type LocalAlert, type LocalAlertSink } from './alert-sink';
import { bindTaskStates, LOCAL_TASK_TOKEN } from './bindings';
import { LOCAL_ARNS, resolveLocalEnvironment, type LocalEnvironment, type ResolvedLocalEnvironment } from './deployment';
import { historyEvents } from './sfn-api/history-events';
import { StateMachine, type EventLog, type RunOptions, type StateMachineDefinition, type TaskHandler } from './local-sfn';
import { collectAttempts, TaskAttemptLog } from './task-attempts';
import { TimelineRecorder, type ExecutionStatus, type Timeline, type TimelineStep } from './timeline';

export interface LocalRunOptions {
  /** (Default: local-<uuid>) */
  executionName?: string;
  /** Called as each state completes: live progress for the CLI. */
  onStep?: (step: TimelineStep) => void;
  /** Called with every raw event of the library's log, in order. */
  onEvent?: (event: EventLog) => void;
  /** (Default: asl/backup-object.asl.json) */
  definitionPath?: string;
  /** Enter the definition at this state instead of its StartAt: how a redrive resumes at the state that failed. */
  startAt?: string;
  /** StopExecution: no further state starts once this aborts; the run ends ABORTED (Task code in flight finishes, as a Lambda does). */
  signal?: AbortSignal;
}

export interface LocalExecutionResult {
  executionName: string;
  executionArn: string;
  status: ExecutionStatus;
  /** The copy outcome, when SUCCEEDED. */
  output?: Json;
  error?: string;
  cause?: string;
  timeline: Timeline;
  /** Alerts this execution published. */
  alerts: LocalAlert[];
}

export interface PreparedStateMachine extends ResolvedLocalEnvironment {
  /** The definition with local substitutions, validated. */
  definition: JsonObject;
  /** One in-process handler per Task state. */
  handlers: Record<string, TaskHandler>;
  /** Ready to run; holds no per-execution state. */
  machine: StateMachine;
  retryIntervalOverrides?: Record<string, number>;
}

/**
 * The resolved definition, its bindings and a validated state machine. Throws ConfigurationError when anything is
 * unbound or unresolved, and the library's error when the definition is not valid ASL.
 */
export function prepareLocalStateMachine(env: LocalEnvironment, definitionPath: string = BACKUP_ASL_PATH): PreparedStateMachine {
  const local = resolveLocalEnvironment(env);
  const definition = resolveSubstitutions(loadDefinition(definitionPath), local.substitutions);
  const handlers = bindTaskStates(definition, local.deployment);
  return {
    ...local,
    definition,
    handlers,
    machine: validatedStateMachine(definition),
    ...(env.retryIntervalMs !== undefined ? { retryIntervalOverrides: retryOverrides(definition, env.retryIntervalMs, env.retryJitter ?? false) } : {}),
  };
}

/** Prepared once per environment object and definition file; a failed preparation is not kept (it throws each time). */
const preparedByEnvironment = new WeakMap<LocalEnvironment, Map<string, PreparedStateMachine>>();

/** The state machine and local deployment executions of `env` run on (its concurrency counters, alert sink, …). */
export function preparedFor(env: LocalEnvironment, definitionPath: string = BACKUP_ASL_PATH): PreparedStateMachine {
  let byPath = preparedByEnvironment.get(env);
  if (!byPath) preparedByEnvironment.set(env, (byPath = new Map()));
  let prepared = byPath.get(definitionPath);
  if (!prepared) byPath.set(definitionPath, (prepared = prepareLocalStateMachine(env, definitionPath)));
  return prepared;
}

/** Definitions (as JSON text) asl-validator has accepted in this process: environments that resolve alike share it. */
const validatedDefinitions = new Set<string>();
const MAX_VALIDATED_DEFINITIONS = 64;

function validatedStateMachine(definition: JsonObject): StateMachine {
  const asl = definition as unknown as StateMachineDefinition;
  const text = JSON.stringify(definition);
  if (validatedDefinitions.has(text)) return new StateMachine(asl, { validationOptions: { noValidate: true } });
  const machine = new StateMachine(asl); // validates; throws on an invalid definition
  if (validatedDefinitions.size >= MAX_VALIDATED_DEFINITIONS) validatedDefinitions.clear();
  validatedDefinitions.add(text);
  return machine;
}

/**
 * One execution of the Express fast path (asl/fast-path.asl.json) under `executionArn` (an Express execution's ARN,
 * given by the local endpoint). No alert is published from outside: Express executions emit no status-change events
 * (the stack alarms on the machine's ExecutionsFailed metric instead), and the fast path hands every failure it
 * cannot finish to the Standard machine, which alerts. `env.startExecution` must be the Standard machine's.
 */
export async function runFastPathExecution(
  input: unknown,
  env: LocalEnvironment,
  execution: { name: string; arn: string },
  options: Pick<LocalRunOptions, 'onStep' | 'onEvent'> = {},
): Promise<LocalExecutionResult> {
  const { machine, handlers, retryIntervalOverrides } = preparedFor(env, FAST_PATH_ASL_PATH);
  const runOptions: RunOptions = {
    overrides: { taskResourceLocalHandlers: handlers, ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}) },
    context: {
      Execution: { Id: execution.arn, Name: execution.name },
      StateMachine: { Id: LOCAL_ARNS.fastPathStateMachine, Name: 'backup-fast-path' },
    },
  };
  const timeline = await runToTimeline(() => machine.run(input as Json, runOptions), execution.name, options);
  return { executionName: execution.name, executionArn: execution.arn, ...runOutcome(timeline), timeline, alerts: [] };
}

export async function runBackupExecution(input: unknown, env: LocalEnvironment, options: LocalRunOptions = {}): Promise<LocalExecutionResult> {
  const { machine, handlers, retryIntervalOverrides, definition, alerts: sink } = preparedFor(env, options.definitionPath);
  const executionName = options.executionName ?? `local-${randomUUID()}`;
  const executionArn = LOCAL_ARNS.stateMachine.replace(':stateMachine:', ':execution:') + `:${executionName}`;

  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: handlers,
      ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
    },
    context: {
      Execution: { Id: executionArn, Name: executionName },
      StateMachine: { Id: LOCAL_ARNS.stateMachine, Name: 'backup-object' },
      Task: { Token: LOCAL_TASK_TOKEN },
    },
  };
  const entered = options.startAt === undefined ? machine : machineStartingAt(definition, options.startAt);
  // The sink may be shared by executions running at once: collect the ones this execution publishes.
  const alerts: LocalAlert[] = [];
  const timeline = await runToTimeline(() => collectAlerts(alerts, () => entered.run(input as Json, runOptions)), executionName, options);
  // Stopped: the endpoint closed it ABORTED and its status change raises the alert (the states run so far stay in the timeline).
  if (options.signal?.aborted) return { executionName, executionArn, status: 'ABORTED', timeline, alerts };
  const outcome = runOutcome(timeline);
  if (outcome.status !== 'SUCCEEDED') {
    const ended = { executionArn, input, status: outcome.status, timeline, ...(outcome.error !== undefined ? { error: outcome.error, cause: outcome.cause ?? '' } : {}) };
    collectAlerts(alerts, () => alertFromOutside(ended, definition, sink));
  }
  return { executionName, executionArn, ...outcome, timeline, alerts };
}

/** A run's status, output and error, as its timeline records them (a run that never closed counts as FAILED). */
export function runOutcome(timeline: Timeline): { status: ExecutionStatus; output?: Json; error?: string; cause?: string } {
  return {
    status: timeline.status === 'RUNNING' ? 'FAILED' : timeline.status,
    ...(timeline.output !== undefined ? { output: timeline.output } : {}),
    ...(timeline.error !== undefined ? { error: timeline.error, cause: timeline.cause ?? '' } : {}),
  };
}

/** Starts a run of aws-local-stepfunctions and folds its event log into a timeline, to the end of the run. */
export async function runToTimeline(
  start: () => ReturnType<StateMachine['run']>,
  executionName: string,
  options: Pick<LocalRunOptions, 'onStep' | 'onEvent' | 'signal'> = {},
): Promise<Timeline> {
  const attempts = new TaskAttemptLog();
  const execution = collectAttempts(attempts, start);
  if (options.signal?.aborted) execution.abort();
  else options.signal?.addEventListener('abort', () => execution.abort(), { once: true });
  const recorder = new TimelineRecorder(executionName, options.onStep);
  const recording = (async () => {
    for await (const event of execution.eventLogs) {
      recorder.record(event);
      options.onEvent?.(event);
    }
  })();
  // Failure details come from the event log (ExecutionFailed carries Error and Cause); the rejection only ends the run.
  await execution.result.catch(() => undefined);
  await recording;
  const timeline = recorder.result();
  attempts.attachTo(timeline);
  return timeline;
}

/**
 * The machine a redrive runs: the same definition entered at `startAt`. The states are unchanged, so the resumed state
 * starts with fresh retry counters, as in AWS ("retry attempts are reset" for the redriven state:
 * https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).
 */
export function machineStartingAt(definition: JsonObject, startAt: string): StateMachine {
  const states = definition['States'] as Record<string, unknown> | undefined;
  if (!states || !Object.hasOwn(states, startAt)) throw new Error(`Cannot resume at ${JSON.stringify(startAt)}: the definition has no such top-level state`);
  validatedStateMachine(definition); // the definition as deployed is valid ASL (checked once per process)
  // Entered elsewhere, the states before `startAt` are unreachable, which the validator refuses; they are the same states.
  return new StateMachine({ ...definition, StartAt: startAt } as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
}

/**
 * The same pause for every retrier of every retrying state; with `jitter`, a new draw from 0 to `ms` at each retry
 * (the library reads the override at every retry, and skips its own jitter when one is given), as JitterStrategy
 * FULL spreads AWS's retries: without it, executions throttled together all retry together, again and again.
 */
function retryOverrides(definition: JsonObject, ms: number, jitter: boolean): Record<string, number> {
  const states = definition['States'] as Record<string, JsonObject>;
  const overrides: Record<string, number> = {};
  for (const name of Object.keys(states).filter((n) => Array.isArray(states[n]!['Retry']))) {
    if (jitter) Object.defineProperty(overrides, name, { enumerable: true, get: () => Math.random() * ms });
    else overrides[name] = ms;
  }
  return overrides;
}

/**
 * What the alert function does on AWS when EventBridge reports the execution FAILED, TIMED_OUT or ABORTED: read the
 * execution's history and publish the alert. Called here, where the runner learns that the execution ended, until the
 * local endpoint emits status-change events (issue 11); flood control needs ListExecutions and is not modelled here.
 */
function alertFromOutside(
  ended: { executionArn: string; input: unknown; status: Exclude<ExecutionStatus, 'SUCCEEDED'>; timeline: Timeline; error?: string; cause?: string },
  definition: JsonObject,
  sink: LocalAlertSink,
): void {
  const states = definition['States'] as Record<string, JsonObject>;
  const startDate = ended.timeline.startedAt;
  const history = historyEvents(
    {
      executionArn: ended.executionArn,
      stateMachineArn: LOCAL_ARNS.stateMachine,
      name: ended.executionArn.split(':').at(-1) ?? '',
      input: JSON.stringify(ended.input ?? null),
      startDate,
      redriveCount: 0,
      runs: [{ startDate, stopDate: new Date().toISOString(), status: ended.status, timeline: ended.timeline, alerts: [], ...errorOf(ended) }],
    },
    (state) => states[state]?.['Resource'] as string | undefined,
  );
  const alert = executionAlert({ executionArn: ended.executionArn, stateMachineArn: LOCAL_ARNS.stateMachine, status: ended.status, ...errorOf(ended), history });
  sink.publish({ topicArn: LOCAL_ARNS.alertTopic, subject: alert.subject, message: alert.message });
}

function errorOf(ended: { error?: string; cause?: string }): { error?: string; cause?: string } {
  return { ...(ended.error !== undefined ? { error: ended.error } : {}), ...(ended.cause !== undefined ? { cause: ended.cause } : {}) };
}
