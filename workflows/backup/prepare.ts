import type { CopyTarget } from '../copy/types';
import { destinationUrl } from './keys';
import { alertLabels, type AlertLabels } from './alert';
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
 * Normalizes one execution input (InvalidInput names the problem) and applies the skip rules.
 *
 * A key GCS cannot hold as an object name is NOT refused here but by the copier (destinationObjectName throws
 * InvalidDestinationName before any byte moves): a failure in this step happens before the state machine knows the
 * object, so its alert could name no bucket or key and offer no replay command.
 */
export function prepareBackup(input: unknown, config: PrepareConfig): PreparedEvent {
  const object = normalizeExecutionInput(input);
  const skippedBy = config.skip(object.key) ?? null;
  return withObject({ destination: destinationUrl(config.target, object.bucket, object.key), skippedBy }, object);
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
