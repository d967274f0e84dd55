import type { BackupEvent } from './normalize';

/**
 * What the alert names about the object. Computed by "Normalize the event" (and kept in its output) so that the alert
 * function (workflows/alerting/execution-alert.ts) reads the labels of the very code that normalized the input.
 */
export interface AlertLabels {
  bucket: string;
  key: string;
  /** The version ID, or a sentence saying why there is none. */
  version: string;
  /** The whole `aws stepfunctions start-execution` command that replays this object, quoted for a POSIX shell. */
  replayCommand: string;
}

export function alertLabels(event: BackupEvent, stateMachineArn: string): AlertLabels {
  return {
    bucket: event.bucket,
    key: event.key,
    version: event.versionId ?? '(none: unversioned bucket, or no version in the event)',
    replayCommand: replayCommand(stateMachineArn, replayInput(event)),
  };
}

/** The manual input shape that re-runs this object: plain key, version when known. */
export function replayInput(event: Pick<BackupEvent, 'bucket' | 'key' | 'versionId'>): { bucket: string; key: string; versionId?: string } {
  return { bucket: event.bucket, key: event.key, ...(event.versionId ? { versionId: event.versionId } : {}) };
}

/**
 * The command that starts a new execution of `stateMachineArn` with `input`. Every argument is quoted here, in code,
 * so a key holding ' \ " $ ` or a newline reaches the state machine exactly as it was (the ASL only places this text).
 */
export function replayCommand(stateMachineArn: string, input: unknown): string {
  return ['aws', 'stepfunctions', 'start-execution', '--state-machine-arn', shellQuote(stateMachineArn), '--input', shellQuote(JSON.stringify(input))].join(' ');
}

/** The command that redrives an execution (resumes it at the state that failed). */
export function redriveCommand(executionArn: string): string {
  return ['aws', 'stepfunctions', 'redrive-execution', '--execution-arn', shellQuote(executionArn)].join(' ');
}

/** Single-quotes a string for POSIX shells: '…' with each ' written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What an alert says when the execution failed before its input could be read (e.g. InvalidInput). */
export function unknownAlertLabels(stateMachineArn: string): AlertLabels {
  return {
    bucket: '(unknown: the execution input could not be read)',
    key: '(unknown: the execution input could not be read)',
    version: '(unknown)',
    replayCommand: replayCommand(stateMachineArn, { bucket: 'BUCKET', key: 'KEY' }),
  };
}
