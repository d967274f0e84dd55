import type { BackupEvent } from './normalize';

/**
 * What the state machine's alert names about the object. Computed in code because the ASL cannot quote for a shell,
 * and because optional fields (versionId) cannot be referenced by a JSONPath when absent.
 */
export interface AlertLabels {
  bucket: string;
  key: string;
  /** The version ID, or a sentence saying why there is none. */
  version: string;
  /** The `--input` argument of the replay command, already quoted for a POSIX shell. */
  replayInput: string;
}

export function alertLabels(event: BackupEvent): AlertLabels {
  return {
    bucket: event.bucket,
    key: event.key,
    version: event.versionId ?? '(none: unversioned bucket, or no version in the event)',
    replayInput: shellQuote(JSON.stringify(replayInput(event))),
  };
}

/** The manual input shape that re-runs this object: plain key, version when known. */
export function replayInput(event: Pick<BackupEvent, 'bucket' | 'key' | 'versionId'>): { bucket: string; key: string; versionId?: string } {
  return { bucket: event.bucket, key: event.key, ...(event.versionId ? { versionId: event.versionId } : {}) };
}

/** Single-quotes a string for POSIX shells: '…' with each ' written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
