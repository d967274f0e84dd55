/**
 * The alert for one backup execution that ended FAILED, TIMED_OUT or ABORTED, built from what Step Functions keeps
 * about it (DescribeExecution + GetExecutionHistory), so it is published from outside the execution: a failure that
 * stays uncaught ends the execution at the state that failed, which is what makes a redrive re-run that state.
 * Pure: the reading is in ./execution-reader.ts, locally the runner passes its own history.
 */
import { redriveCommand, unknownAlertLabels, type AlertLabels } from '../backup/alert';

export type EndedStatus = 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface ErrorDetails {
  error?: string;
  cause?: string;
}

/** The fields of a history event this module reads: satisfied by the SDK's HistoryEvent and the local endpoint's. */
export interface HistoryEventLike {
  type?: string;
  stateEnteredEventDetails?: { name?: string };
  stateExitedEventDetails?: { name?: string; output?: string };
  taskFailedEventDetails?: ErrorDetails;
  taskTimedOutEventDetails?: ErrorDetails;
  taskSucceededEventDetails?: unknown;
  executionFailedEventDetails?: ErrorDetails;
  executionTimedOutEventDetails?: ErrorDetails;
  executionAbortedEventDetails?: ErrorDetails;
}

export interface EndedExecution {
  executionArn: string;
  stateMachineArn: string;
  status: EndedStatus;
  /** DescribeExecution's error and cause (absent for some ABORTED and TIMED_OUT executions). */
  error?: string;
  cause?: string;
  /** Oldest first. */
  history: readonly HistoryEventLike[];
}

export interface Alert {
  subject: string;
  message: string;
}

/** The copier states, and how the alert names each tier. */
export const COPIER_STATES: Readonly<Record<string, string>> = {
  'Copy the object with the small Lambda': 'the small Lambda',
  'Copy the object with the large Lambda': 'the large Lambda',
  'Copy the object with the heavy task': 'the heavy task',
};

const SUBJECTS: Record<EndedStatus, string> = {
  FAILED: 'S3 to GCS backup failed',
  TIMED_OUT: 'S3 to GCS backup timed out',
  ABORTED: 'S3 to GCS backup aborted',
};

export function executionAlert(execution: EndedExecution): Alert {
  const labels = alertLabelsFromHistory(execution.history) ?? unknownAlertLabels(execution.stateMachineArn);
  const { error, cause } = endingError(execution);
  const failedAt = stateThatEnded(execution.history);
  const tried = tiersTried(execution.history)
    .map((t) => `\n  - ${t.tier} failed with ${t.error}`)
    .join('');
  const redrive = redriveCommand(execution.executionArn);
  const replay = labels.replayCommand;
  const retry =
    failedAt?.kind === 'Fail'
      ? [
          `A redrive would fail again at once: "${failedAt.name}" is part of the deployed definition, which a redrive keeps.`,
          'Fix the deployment, then replay this object as a new execution:',
          replay,
        ]
      : [
          `Redrive this execution when the fix was outside the state machine (GCS access, credentials, a copier's code) and it ended less than 14 days ago: it resumes at ${failedAt ? `"${failedAt.name}"` : 'the state that failed'} with that state's input and does not re-run the steps that succeeded:`,
          redrive,
          '',
          'Replay this object as a new execution from the first state when the fix changed the state machine or its settings (a redrive runs the definition the execution started with), or when the redrive is refused:',
          replay,
        ];
  const message = [
    'An S3 object was NOT backed up to Google Cloud Storage. A person needs to act.',
    '',
    `Bucket: ${labels.bucket}`,
    `Key: ${labels.key}`,
    `Version: ${labels.version}`,
    `Status: ${execution.status}${failedAt ? ` at "${failedAt.name}"` : ''}`,
    `Error: ${error}`,
    `Cause: ${cause}`,
    `Copiers tried:${tried}`,
    '',
    `Execution (console): ${consoleUrl(execution.executionArn)}`,
    '',
    'After fixing the cause:',
    ...retry,
  ].join('\n');
  return { subject: SUBJECTS[execution.status], message };
}

/** The execution's page in the Step Functions console (the region is the ARN's fourth field). */
export function consoleUrl(executionArn: string): string {
  const region = executionArn.split(':')[3] ?? '';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** DescribeExecution's error first; else the closing event's; ABORTED executions often carry none. */
function endingError(execution: EndedExecution): { error: string; cause: string } {
  const closing = [...execution.history]
    .reverse()
    .map((e) => e.executionFailedEventDetails ?? e.executionTimedOutEventDetails ?? e.executionAbortedEventDetails)
    .find((d) => d !== undefined);
  const error = execution.error || closing?.error || defaultError(execution.status);
  const cause = execution.cause || closing?.cause || '(none given)';
  return { error, cause };
}

function defaultError(status: EndedStatus): string {
  if (status === 'TIMED_OUT') return 'States.Timeout';
  if (status === 'ABORTED') return 'Aborted (StopExecution was called)';
  return '(none given)';
}

/**
 * The labels "Normalize the event" (or "Describe the object") computed, read from the last state output that holds
 * them: the same code that normalized the input names the object, so the alert and the copy agree on the key.
 */
export function alertLabelsFromHistory(history: readonly HistoryEventLike[]): AlertLabels | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const output = history[i]?.stateExitedEventDetails?.output;
    if (output === undefined) continue;
    const report = parseReport(output);
    if (report) return report;
  }
  return undefined;
}

function parseReport(output: string): AlertLabels | undefined {
  try {
    const report = (JSON.parse(output) as { prepared?: { report?: Partial<AlertLabels> } } | null)?.prepared?.report;
    const fields = ['bucket', 'key', 'version', 'replayCommand'] as const;
    if (report && fields.every((f) => typeof report[f] === 'string')) return report as AlertLabels;
  } catch {
    // Not JSON (or truncated): keep looking at earlier states.
  }
  return undefined;
}

/** The state the execution was in when it ended: where a redrive resumes. */
export function stateThatEnded(history: readonly HistoryEventLike[]): { name: string; kind: string } | undefined {
  let open: { name: string; kind: string } | undefined;
  for (const event of history) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) open = { name: entered, kind: (event.type ?? '').replace(/StateEntered$/, '') };
    if (event.stateExitedEventDetails?.name !== undefined && event.stateExitedEventDetails.name === open?.name) open = undefined;
  }
  return open;
}

/** Each copier state entered that ended in an error (after its retries), in order: the tiers tried. */
export function tiersTried(history: readonly HistoryEventLike[]): { tier: string; error: string }[] {
  const tried: { tier: string; error?: string }[] = [];
  let current: { tier: string; error?: string } | undefined;
  for (const event of history) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) {
      const tier = COPIER_STATES[entered];
      current = tier ? { tier } : undefined;
      if (current) tried.push(current);
      continue;
    }
    if (!current) continue;
    const failed = event.taskFailedEventDetails ?? event.taskTimedOutEventDetails;
    if (failed) current.error = failed.error || 'States.TaskFailed';
    if (event.taskSucceededEventDetails !== undefined) current.error = undefined;
  }
  return tried.filter((t): t is { tier: string; error: string } => t.error !== undefined);
}
