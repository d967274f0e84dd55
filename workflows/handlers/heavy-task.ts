/**
 * The heavy task's main, as a factory (see ./copy-object.ts): handlers/heavy-task.ts calls it with Step Functions'
 * task-token reporter, the local deployment with the local one. Importing this module reads no environment.
 */
import { runHeavyTask, type TaskTokenReporter } from '../backup/heavy-task';
import type { Copier } from './copy-object';

export interface HeavyTaskDependencies {
  /**
   * Builds the heavy tier's copier (./copy-object.ts `copier`). Called inside the reported part, so a configuration
   * error reaches the state machine by name instead of a silent exit.
   */
  copier: () => Copier;
  /** How often to heartbeat after the first one, sent at start; keep well under the state's HeartbeatSeconds. */
  heartbeatMs: number;
  /** The task's own deadline, from its start (DEADLINE_SECONDS); the copier stops a margin before it. */
  deadlineMs?: number;
}

/**
 * Runs one copy from the container's environment (COPY_REQUEST) and reports it; true when it reported success.
 * `stop` (the container's SIGTERM) aborts the copy in flight, and the task reports that it was stopped.
 */
export function heavyTaskHandler(
  deps: HeavyTaskDependencies,
): (env: NodeJS.ProcessEnv, reporter: TaskTokenReporter, stop?: AbortSignal) => Promise<boolean> {
  return (env, reporter, stop) => {
    const { deadlineMs } = deps;
    const startedAt = Date.now();
    const deadline = deadlineMs ? { getRemainingTimeInMillis: () => deadlineMs - (Date.now() - startedAt) } : {};
    return runHeavyTask(env, (event, stopSignal) => deps.copier()(event, { ...deadline, stopSignal }), reporter, {
      heartbeatMs: deps.heartbeatMs,
      ...(stop ? { stop } : {}),
    });
  };
}
