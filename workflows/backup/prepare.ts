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

/**
 * What the Express fast path's "Normalize the event" sends: the input and `brief: true`. Its result is logged in full
 * (level ALL with execution data), so it asks for only what the fast path reads; the alert's labels and the heavy
 * task's JSON are the Standard machine's.
 */
export interface BriefPrepareRequest {
  input: unknown;
  brief: true;
}

/**
 * The object without what only describes the event (eventTime, eventName, origin: in the execution input, logged
 * once): the copier reads none of them, and the fast path's state data carries the object in five logged events.
 */
export type BriefPreparedEvent = Pick<PreparedEvent, 'destination' | 'skippedBy'> & { object: Omit<BackupEvent, 'eventTime' | 'eventName' | 'origin'> };

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
  return withObject({ ...located(object, config), stateMachineArn: request.stateMachineArn }, object);
}

/** The fast path's brief preparation: the normalized event, its destination and the skip pattern it matches. */
export function prepareBrief(request: BriefPrepareRequest, config: PrepareConfig): BriefPreparedEvent {
  const { eventTime: _time, eventName: _name, origin: _origin, ...object } = normalizeExecutionInput(request.input);
  return { object, ...located(object, config) };
}

function located(object: Pick<BackupEvent, 'bucket' | 'key'>, config: PrepareConfig): Pick<PreparedEvent, 'destination' | 'skippedBy'> {
  return { destination: destinationUrl(config.target, object.bucket, object.key), skippedBy: config.skip(object.key) ?? null };
}

/** The Lambda payload; a malformed envelope is a deployment error (the ASL builds it), named as such. */
export function parsePrepareRequest(payload: unknown): PrepareRequest | BriefPrepareRequest {
  const p = payload as Partial<PrepareRequest & { brief: unknown }> | null;
  if (p && typeof p === 'object' && 'input' in p && p.brief === true && !('stateMachineArn' in p)) return { input: p.input, brief: true };
  if (!p || typeof p !== 'object' || !('input' in p) || 'brief' in p || typeof p.stateMachineArn !== 'string' || p.stateMachineArn === '') {
    throw new ConfigurationError('"Normalize the event" expects {input, stateMachineArn} or {input, brief: true} from the state machine: check its Parameters');
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
