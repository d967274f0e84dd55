/**
 * The two state machines of a local deployment, as the local endpoint hosts them: the Standard machine
 * (asl/backup-object.asl.json) and the Express fast path (asl/fast-path.asl.json), which hands off to the Standard one
 * through the endpoint's own StartExecution — so a hand-off dedupes by name exactly as in AWS.
 */
import { LocalAlertSink } from './alert-sink';
import { FAST_PATH_ASL_PATH, BACKUP_ASL_PATH } from './asl-definition';
import { LOCAL_ARNS, type LocalEnvironment } from './deployment';
import { prepareLocalStateMachine, runBackupExecution, runFastPathExecution } from './runner';
import type { LocalStateMachine, LocalStepFunctions } from './sfn-api';

/**
 * Where the intake starts executions: 'express-first' (default) starts the Express fast path for every event,
 * 'standard-only' the Standard machine, as before the fast path existed. Replays always go to the Standard machine.
 */
export type ExecutionMode = 'express-first' | 'standard-only';

/** The state machine the intake starts in `mode`. */
export function intakeStateMachineArn(mode: ExecutionMode): string {
  return mode === 'express-first' ? LOCAL_ARNS.fastPathStateMachine : LOCAL_ARNS.stateMachine;
}

export interface LocalMachinesOptions {
  /** The endpoint that hosts the machines (the fast path hands off through it). */
  stepFunctions: () => LocalStepFunctions;
  /** Where each Standard run's alerts are also appended (Default: memory only). */
  alertsFile?: string;
}

/**
 * Both machines, prepared (so a Task without a local binding fails now, not at the first object). The Standard one
 * collects the alerts of each run in a sink of its own, since runs overlap; `env.alerts` receives them all.
 */
export function localStateMachines(env: LocalEnvironment, opts: LocalMachinesOptions): LocalStateMachine[] {
  const alerts = env.alerts ?? new LocalAlertSink();
  const standard = prepareLocalStateMachine(env, BACKUP_ASL_PATH);
  const fastEnv: LocalEnvironment = {
    ...env,
    alerts,
    startExecution: async (params) => (await opts.stepFunctions().handle('StartExecution', params)) as { executionArn: string; startDate: number },
  };
  const fast = prepareLocalStateMachine(fastEnv, FAST_PATH_ASL_PATH);
  return [
    {
      name: 'backup-object',
      arn: LOCAL_ARNS.stateMachine,
      definition: JSON.stringify(standard.definition, null, 2),
      // A redrive passes the failed state to resume at (RedriveExecution never re-runs the states that succeeded).
      // StopExecution aborts the run through `signal`.
      run: async (input, execution, resume, signal) => {
        const own = new LocalAlertSink(opts.alertsFile);
        const result = await runBackupExecution(
          input,
          { ...env, alerts: own },
          { executionName: execution.name, ...(resume ? { startAt: resume.startAt } : {}), ...(signal ? { signal } : {}) },
        );
        alerts.alerts.push(...own.alerts);
        return result;
      },
    },
    {
      name: 'backup-fast-path',
      arn: LOCAL_ARNS.fastPathStateMachine,
      type: 'EXPRESS',
      definition: JSON.stringify(fast.definition, null, 2),
      run: (input, execution) => runFastPathExecution(input, fastEnv, execution),
    },
  ];
}
