/**
 * Runs asl/backup-object.asl.json locally with aws-local-stepfunctions: the same file CDK deploys, its substitutions
 * resolved with local values, every Task bound to in-process code (never to AWS), and a console-like timeline.
 */
import { randomUUID } from 'node:crypto';
import { BACKUP_ASL_PATH, loadDefinition, resolveSubstitutions, type Json, type JsonObject } from './asl-definition';
import type { LocalAlert } from './alert-sink';
import { bindTaskStates, LOCAL_TASK_TOKEN } from './bindings';
import { LOCAL_ARNS, resolveLocalEnvironment, type LocalEnvironment } from './deployment';
import { StateMachine, type EventLog, type RunOptions, type StateMachineDefinition } from './local-sfn';
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

/** The resolved definition and its bindings, checked: throws ConfigurationError when anything is unbound or unresolved. */
export function prepareLocalStateMachine(env: LocalEnvironment, definitionPath: string = BACKUP_ASL_PATH) {
  const local = resolveLocalEnvironment(env);
  const definition = resolveSubstitutions(loadDefinition(definitionPath), local.substitutions);
  const handlers = bindTaskStates(definition, local.deployment);
  return { ...local, definition, handlers };
}

export async function runBackupExecution(input: unknown, env: LocalEnvironment, options: LocalRunOptions = {}): Promise<LocalExecutionResult> {
  const { definition, handlers, alerts } = prepareLocalStateMachine(env, options.definitionPath);
  const machine = new StateMachine(definition as unknown as StateMachineDefinition);
  const executionName = options.executionName ?? `local-${randomUUID()}`;
  const executionArn = LOCAL_ARNS.stateMachine.replace(':stateMachine:', ':execution:') + `:${executionName}`;
  const alertsBefore = alerts.alerts.length;

  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: handlers,
      ...(env.retryIntervalMs !== undefined ? { retryIntervalOverrides: retryOverrides(definition, env.retryIntervalMs) } : {}),
    },
    context: {
      Execution: { Id: executionArn, Name: executionName },
      StateMachine: { Id: LOCAL_ARNS.stateMachine, Name: 'backup-object' },
      Task: { Token: LOCAL_TASK_TOKEN },
    },
  };
  const execution = machine.run(input as Json, runOptions);
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
  const status = timeline.status === 'RUNNING' ? 'FAILED' : timeline.status;
  return {
    executionName,
    executionArn,
    status,
    ...(timeline.output !== undefined ? { output: timeline.output } : {}),
    ...(timeline.error !== undefined ? { error: timeline.error, cause: timeline.cause ?? '' } : {}),
    timeline,
    alerts: alerts.alerts.slice(alertsBefore),
  };
}

/** The same pause for every retrier of every retrying state. */
function retryOverrides(definition: JsonObject, ms: number): Record<string, number> {
  const states = definition['States'] as Record<string, JsonObject>;
  return Object.fromEntries(Object.entries(states).filter(([, s]) => Array.isArray(s['Retry'])).map(([name]) => [name, ms]));
}
