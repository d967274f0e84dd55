import type { CopyTarget } from '../copy/types';
import { destinationUrl } from './keys';
import { alertLabels, type AlertLabels } from './alert';
import { ConfigurationError } from './errors';
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
  /** The state machine running this record: the replay command in `report` starts it again. */
  stateMachineArn: string;
  report: AlertLabels;
}

/** What "Normalize the event" sends: the execution input as it came, and the state machine's ARN ($$.StateMachine.Id). */
export interface PrepareRequest {
  input: unknown;
  stateMachineArn: string;
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
export function prepareBackup(request: PrepareRequest, config: PrepareConfig): PreparedEvent {
  const object = normalizeExecutionInput(request.input);
  const skippedBy = config.skip(object.key) ?? null;
  const destination = destinationUrl(config.target, object.bucket, object.key);
  return withObject({ destination, skippedBy, stateMachineArn: request.stateMachineArn }, object);
}

/** The Lambda payload; a malformed envelope is a deployment error (the ASL builds it), named as such. */
export function parsePrepareRequest(payload: unknown): PrepareRequest {
  const p = payload as Partial<PrepareRequest> | null;
  if (!p || typeof p !== 'object' || !('input' in p) || typeof p.stateMachineArn !== 'string' || p.stateMachineArn === '') {
    throw new ConfigurationError('"Normalize the event" expects {input, stateMachineArn} from the state machine: check its Parameters');
  }
  return { input: p.input, stateMachineArn: p.stateMachineArn };
}

/** Rebuilds the derived fields after `object` changed (e.g. HeadObject filled in size and ETag). */
export function withObject(prepared: Pick<PreparedEvent, 'destination' | 'skippedBy' | 'stateMachineArn'>, object: BackupEvent): PreparedEvent {
  return {
    object,
    objectJson: JSON.stringify(object),
    destination: prepared.destination,
    skippedBy: prepared.skippedBy,
    stateMachineArn: prepared.stateMachineArn,
    report: alertLabels(object, prepared.stateMachineArn),
  };
}
