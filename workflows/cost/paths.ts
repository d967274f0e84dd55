/**
 * The paths an execution of asl/backup-object.asl.json takes, as the states it enters in order. Step Functions
 * Standard bills one state transition per state entered, and a retry enters the state again, so a path's length is
 * its transition count. test/unit/cost/paths.test.ts walks each path through the ASL file, so they cannot drift apart.
 */
export type PathName =
  | 'small copy'
  | 'large copy'
  | 'heavy copy'
  | 'small copy, size unknown (describe first)'
  | 'small copy after one transient retry'
  | 'small escalated to large'
  | 'small failed, alert'
  | 'skipped by pattern'
  | 'delete retained';

const START = ['Read the deployment settings', 'Normalize the event', 'Decide what the event asks for'];
const SMALL = 'Copy the object with the small Lambda';
const LARGE = 'Copy the object with the large Lambda';
const HEAVY = 'Copy the object with the heavy task';
const HEAVY_SLOT = 'Wait for a heavy slot';
const CHOOSE = 'Choose a copier by size';

export const EXECUTION_PATHS: Record<PathName, readonly string[]> = {
  'small copy': [...START, CHOOSE, SMALL],
  'large copy': [...START, CHOOSE, LARGE],
  'heavy copy': [...START, CHOOSE, HEAVY_SLOT, HEAVY],
  'small copy, size unknown (describe first)': [...START, 'Describe the object', CHOOSE, SMALL],
  'small copy after one transient retry': [...START, CHOOSE, SMALL, SMALL],
  'small escalated to large': [...START, CHOOSE, SMALL, 'Escalate from the small Lambda to the large Lambda', LARGE],
  // The execution fails at the copier; the alert is published from outside (an EventBridge rule → the alert function).
  'small failed, alert': [...START, CHOOSE, SMALL],
  'skipped by pattern': [...START, 'Skip the object'],
  'delete retained': [...START, 'Apply the delete policy', 'Keep the backup of the deleted object'],
};

/** Which deployed compute runs a Task state (Pass/Choice/Fail states run nothing billable but their transition). */
export const TASK_COMPUTE: Record<string, 'prepare' | 'describe' | 'small' | 'large' | 'heavy' | 'alert'> = {
  'Normalize the event': 'prepare',
  'Describe the object': 'describe',
  [SMALL]: 'small',
  [LARGE]: 'large',
  // Priced like prepare: a 256 MB Lambda making one short call (ecs:ListTasks itself is free).
  [HEAVY_SLOT]: 'prepare',
  [HEAVY]: 'heavy',
};

export interface AslLike {
  StartAt: string;
  States: Record<string, { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: { Next: string }[]; Catch?: { Next: string }[]; Retry?: unknown[] }>;
}

/** Problems with `path` as a walk through `asl` (empty when it is a possible execution). */
export function pathProblems(asl: AslLike, path: readonly string[]): string[] {
  const problems: string[] = [];
  if (path[0] !== asl.StartAt) problems.push(`starts at '${path[0]}', not at StartAt '${asl.StartAt}'`);
  for (let i = 0; i < path.length; i++) {
    const state = asl.States[path[i]!];
    if (!state) {
      problems.push(`'${path[i]}' is not a state`);
      continue;
    }
    const next = path[i + 1];
    if (next === undefined) {
      if (!(state.End === true || state.Type === 'Fail' || state.Type === 'Succeed')) problems.push(`ends at '${path[i]}', which is not terminal`);
      continue;
    }
    const targets = new Set([state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)]);
    const retry = next === path[i] && (state.Retry?.length ?? 0) > 0;
    if (!targets.has(next) && !retry) problems.push(`'${path[i]}' cannot go to '${next}'`);
  }
  return problems;
}
