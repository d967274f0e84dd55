import type { CopyTarget } from '../copy/types';
import { alertLabels, type AlertLabels } from './alert';
import { destinationName } from './keys';
import { normalizeExecutionInput, type BackupEvent } from './normalize';

/**
 * The state machine's working record after "Normalize the event" (and "Describe the object", which refreshes it).
 * Every field is always present: the ASL reads them with JSONPath, which fails on absent fields.
 */
export interface PreparedEvent {
  object: BackupEvent;
  /** `object` as JSON text, for the heavy task's environment. Built here, not with States.JsonToString (see asl/README.md). */
  objectJson: string;
  /** gs://bucket/name of the copy. */
  destination: string;
  /** The skip pattern the key matches, or null. */
  skippedBy: string | null;
  report: AlertLabels;
}

export interface PrepareConfig {
  target: CopyTarget;
  /** From compileSkipRules: the matching pattern, or undefined. */
  skip: (key: string) => string | undefined;
}

/**
 * Normalizes one execution input (InvalidInput names the problem), applies the skip rules and checks the GCS name of
 * objects that will be copied (InvalidDestinationName fails before any byte moves). Deletes and skipped keys are not
 * name-checked: nothing will be written for them.
 */
export function prepareBackup(input: unknown, config: PrepareConfig): PreparedEvent {
  const object = normalizeExecutionInput(input);
  const skippedBy = config.skip(object.key) ?? null;
  const name =
    object.action === 'copy' && skippedBy === null
      ? destinationName(config.target.prefix, object.key)
      : `${config.target.prefix}${object.key}`;
  return withObject({ destination: `gs://${config.target.bucket}/${name}`, skippedBy }, object);
}

/** Rebuilds the derived fields after `object` changed (e.g. HeadObject filled in size and ETag). */
export function withObject(prepared: Pick<PreparedEvent, 'destination' | 'skippedBy'>, object: BackupEvent): PreparedEvent {
  return {
    object,
    objectJson: JSON.stringify(object),
    destination: prepared.destination,
    skippedBy: prepared.skippedBy,
    report: alertLabels(object),
  };
}
