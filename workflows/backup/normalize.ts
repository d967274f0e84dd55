import { InvalidInput } from './errors';
import { alternativeEventKey, decodeS3EventKey } from './keys';
import { sourceVersionId } from './version-id';

/**
 * One object event, whatever way it arrived. Everything downstream (naming, skip rules, routing, the copy engine)
 * works on this shape only.
 */
export interface BackupEvent {
  action: 'copy' | 'delete';
  bucket: string;
  /** Decoded, exactly as stored in S3. */
  key: string;
  /**
   * Never S3's "null" version (see version-id.ts): absent when the object has no version to pin. Absent too for a
   * delete that created a delete marker: the event's version id is the marker's own, which names no content, and a
   * mirror delete compared it with the backup's version and never deleted anything (destination-state.ts decideDelete).
   */
  versionId?: string;
  /** Without quotes. */
  etag?: string;
  size?: number;
  sequencer?: string;
  /**
   * The event key read the other way (keys.ts alternativeEventKey), for ObjectCreated events whose key encoding is
   * ambiguous; tried only if S3 answers 404 for `key`, and accepted only for the object the event describes.
   */
  keyAlternative?: string;
  eventTime?: string;
  eventName?: string;
  origin: 's3-notification' | 'eventbridge' | 'manual';
}

type Json = Record<string, unknown>;

const MANUAL_FIELDS = new Set(['bucket', 'key', 'versionId']);

/**
 * The discriminator of the intake's execution input (objectEventInput): `format` names the shape and its version, so
 * the input is never mistaken for a manual {bucket, key} (which refuses any other field) or a raw event.
 */
export const OBJECT_EVENT_FORMAT = 'object-event/1';

/** What the intake starts an execution with: an S3 event's facts, already normalized, and OBJECT_EVENT_FORMAT. */
export type ObjectEventInput = { format: typeof OBJECT_EVENT_FORMAT } & BackupEvent;

const OBJECT_EVENT_FIELDS = new Set(['format', 'action', 'bucket', 'key', 'keyAlternative', 'versionId', 'etag', 'size', 'sequencer', 'eventTime', 'eventName', 'origin']);

/**
 * The execution input for an event the intake normalized: about a third of the raw S3 record or EventBridge event,
 * which an Express execution logs several times. normalizeExecutionInput reads it back to the same event, so the
 * deterministic execution name is the same whichever shape a delivery or hand-off carries.
 */
export function objectEventInput(event: BackupEvent): ObjectEventInput {
  if (event.origin === 'manual') throw new InvalidInput('A manual input is started as {bucket, key, versionId?}, not as an object event');
  return { format: OBJECT_EVENT_FORMAT, ...event };
}

/**
 * The state machine's input: the intake's object event ({format: OBJECT_EVENT_FORMAT, …}: plain key, already
 * normalized), ONE S3 notification record ({eventSource:'aws:s3', eventName, s3:{bucket,object}}), or
 * {Records:[exactly one]}, an EventBridge 'Object Created'/'Object Deleted' event, or manual {bucket, key, versionId?}
 * (plain key). Throws InvalidInput naming the problem.
 *
 * Key encoding differs by origin: notification records carry form-URL-encoded keys ('+' = space), EventBridge and
 * manual inputs carry the plain key ('+' is a plus). Only notification keys go through decodeS3EventKey. Because the
 * EventBridge encoding is undocumented, an ObjectCreated event also carries the other reading (`keyAlternative`),
 * which the copier tries only if S3 answers 404 (workflows/copy/resolve-key.ts).
 */
export function normalizeExecutionInput(input: unknown): BackupEvent {
  if (!isObject(input)) throw new InvalidInput(`Execution input must be a JSON object, got ${describe(input)}`);
  if ('format' in input) return fromObjectEvent(input);
  if ('Records' in input) {
    const records = input['Records'];
    if (!Array.isArray(records) || records.length !== 1) {
      const got = Array.isArray(records) ? `${records.length} records` : describe(records);
      throw new InvalidInput(
        `Execution input {Records: [...]} must hold exactly one S3 notification record, got ${got}. ` +
          'Start one execution per record.',
      );
    }
    return normalizeExecutionInput(records[0]);
  }
  if (input['eventSource'] === 'aws:s3') return fromNotificationRecord(input);
  if (input['source'] === 'aws.s3' && 'detail-type' in input) return fromEventBridge(input);
  if (input['Event'] === 's3:TestEvent') {
    throw new InvalidInput('Execution input is the S3 TestEvent, not an object event; there is nothing to back up');
  }
  if ('bucket' in input || 'key' in input) return fromManual(input);
  throw new InvalidInput(
    `Execution input is not a recognized shape: expected an object event {format: '${OBJECT_EVENT_FORMAT}', …}, an S3 notification record (or {Records:[one record]}), ` +
      "an EventBridge 'Object Created'/'Object Deleted' event from aws.s3, or {bucket, key, versionId?}; " +
      `got an object with keys [${Object.keys(input).join(', ')}]`,
  );
}

/**
 * One SQS message body → the execution inputs it carries: S3 notification JSON (Records[] → one input per record),
 * an SNS envelope whose Message is that JSON, an EventBridge event; the S3 TestEvent → [] (acknowledged, logged by
 * the caller). Malformed → InvalidInput with a clear reason. Inputs are returned as received (not normalized): the
 * caller normalizes each (the state machine gets objectEventInput of it).
 */
export function executionInputsFromMessage(body: string): unknown[] {
  const parsed = parseJson(body, 'SQS message body');
  if (isObject(parsed) && parsed['Type'] === 'Notification' && 'TopicArn' in parsed) {
    const message = parsed['Message'];
    if (typeof message !== 'string') {
      throw new InvalidInput(`SNS envelope has no string Message (got ${describe(message)})`);
    }
    return inputsFromEvent(parseJson(message, 'SNS Message'), 'SNS Message');
  }
  return inputsFromEvent(parsed, 'SQS message body');
}

function inputsFromEvent(event: unknown, where: string): unknown[] {
  if (!isObject(event)) throw new InvalidInput(`${where} must be a JSON object, got ${describe(event)}`);
  if (event['Event'] === 's3:TestEvent') return [];
  if ('Records' in event) {
    const records = event['Records'];
    if (!Array.isArray(records) || records.length === 0) {
      throw new InvalidInput(`${where} has no S3 notification records (Records is ${describe(records)})`);
    }
    records.forEach((record, i) => {
      if (!isObject(record) || record['eventSource'] !== 'aws:s3') {
        const source = isObject(record) ? describe(record['eventSource']) : describe(record);
        throw new InvalidInput(`${where} Records[${i}] is not an S3 notification record (eventSource ${source})`);
      }
    });
    return records;
  }
  if (event['source'] === 'aws.s3' && 'detail-type' in event) return [event];
  throw new InvalidInput(
    `${where} is not an S3 event: expected S3 notification JSON {Records:[...]}, an SNS envelope carrying it, ` +
      `an EventBridge event from aws.s3, or the S3 TestEvent; got an object with keys [${Object.keys(event).join(', ')}]`,
  );
}

function fromNotificationRecord(record: Json): BackupEvent {
  const eventName = requireString(record, 'eventName', 'S3 notification record');
  const s3 = requireObject(record, 's3', 'S3 notification record');
  const bucket = requireObject(s3, 'bucket', 'S3 notification record s3');
  const object = requireObject(s3, 'object', 'S3 notification record s3');
  const action = notificationAction(eventName);
  const eventKey = requireString(object, 'key', 'S3 notification record s3.object');
  return compact({
    action,
    bucket: requireString(bucket, 'name', 'S3 notification record s3.bucket'),
    key: decodeS3EventKey(eventKey),
    keyAlternative: action === 'copy' ? alternativeEventKey(eventKey, 's3-notification') : undefined,
    versionId: eventName.endsWith(':DeleteMarkerCreated') ? undefined : sourceVersionId(optionalString(object, 'versionId', 'S3 notification record s3.object')),
    etag: unquote(optionalString(object, 'eTag', 'S3 notification record s3.object')),
    size: optionalSize(object, 'size', 'S3 notification record s3.object'),
    sequencer: optionalString(object, 'sequencer', 'S3 notification record s3.object'),
    eventTime: optionalString(record, 'eventTime', 'S3 notification record'),
    eventName,
    origin: 's3-notification',
  });
}

/**
 * Only events that change an object's content count. ObjectRestore:Delete (a restored copy expiring) is NOT a
 * deletion of the object; tagging/ACL/restore/replication events are refused so a misconfigured notification shows up.
 */
function notificationAction(eventName: string): BackupEvent['action'] {
  if (eventName.startsWith('ObjectCreated:')) return 'copy';
  if (eventName.startsWith('ObjectRemoved:') || eventName.startsWith('LifecycleExpiration:')) return 'delete';
  throw new InvalidInput(
    `S3 notification event ${JSON.stringify(eventName)} is not backed up: only ObjectCreated:*, ObjectRemoved:* and ` +
      'LifecycleExpiration:* events are. Narrow the bucket notification configuration to those event types.',
  );
}

function fromEventBridge(event: Json): BackupEvent {
  const detailType = requireString(event, 'detail-type', 'EventBridge event');
  let action: BackupEvent['action'];
  if (detailType === 'Object Created') action = 'copy';
  else if (detailType === 'Object Deleted') action = 'delete';
  else {
    throw new InvalidInput(
      `EventBridge event detail-type ${JSON.stringify(detailType)} is not backed up: only 'Object Created' and ` +
        "'Object Deleted' are. Narrow the EventBridge rule's detail-type.",
    );
  }
  const detail = requireObject(event, 'detail', 'EventBridge event');
  const bucket = requireObject(detail, 'bucket', 'EventBridge event detail');
  const object = requireObject(detail, 'object', 'EventBridge event detail');
  const reason = optionalString(detail, 'reason', 'EventBridge event detail');
  const eventKey = requireString(object, 'key', 'EventBridge event detail.object');
  return compact({
    action,
    bucket: requireString(bucket, 'name', 'EventBridge event detail.bucket'),
    // EventBridge keys are taken as plain first ('+' stays '+'); the form-decoded reading is the fallback.
    key: eventKey,
    keyAlternative: action === 'copy' ? alternativeEventKey(eventKey, 'eventbridge') : undefined,
    versionId: detail['deletion-type'] === 'Delete Marker Created' ? undefined : sourceVersionId(optionalString(object, 'version-id', 'EventBridge event detail.object')),
    etag: unquote(optionalString(object, 'etag', 'EventBridge event detail.object')),
    size: optionalSize(object, 'size', 'EventBridge event detail.object'),
    sequencer: optionalString(object, 'sequencer', 'EventBridge event detail.object'),
    eventTime: optionalString(event, 'time', 'EventBridge event'),
    eventName: reason ? `${detailType}:${reason}` : detailType,
    origin: 'eventbridge',
  });
}

/** The intake's object event: every field checked as strictly as the event it was normalized from. */
function fromObjectEvent(input: Json): BackupEvent {
  const where = 'Object event input';
  if (input['format'] !== OBJECT_EVENT_FORMAT) {
    throw new InvalidInput(`${where} has format ${describe(input['format'])}; this version reads ${JSON.stringify(OBJECT_EVENT_FORMAT)}`);
  }
  const unknown = Object.keys(input).filter((k) => !OBJECT_EVENT_FIELDS.has(k));
  if (unknown.length > 0) throw new InvalidInput(`${where} has unexpected field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  const action = requireString(input, 'action', where);
  if (action !== 'copy' && action !== 'delete') throw new InvalidInput(`${where} "action" must be "copy" or "delete", got ${describe(action)}`);
  const origin = requireString(input, 'origin', where);
  if (origin !== 's3-notification' && origin !== 'eventbridge') {
    throw new InvalidInput(`${where} "origin" must be "s3-notification" or "eventbridge", got ${describe(origin)} (a manual input is {bucket, key, versionId?})`);
  }
  return compact({
    action,
    bucket: requireString(input, 'bucket', where),
    // Already decoded by the intake: taken exactly as it is.
    key: requireString(input, 'key', where),
    keyAlternative: action === 'copy' ? optionalString(input, 'keyAlternative', where) : undefined,
    versionId: sourceVersionId(optionalString(input, 'versionId', where)),
    etag: unquote(optionalString(input, 'etag', where)),
    size: optionalSize(input, 'size', where),
    sequencer: optionalString(input, 'sequencer', where),
    eventTime: optionalString(input, 'eventTime', where),
    eventName: optionalString(input, 'eventName', where),
    origin,
  });
}

function fromManual(input: Json): BackupEvent {
  const unknown = Object.keys(input).filter((k) => !MANUAL_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new InvalidInput(
      `Manual input accepts only {bucket, key, versionId?}; unexpected field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
    );
  }
  return compact({
    action: 'copy',
    bucket: requireString(input, 'bucket', 'Manual input'),
    // The plain key, as a person types it: never decoded.
    key: requireString(input, 'key', 'Manual input'),
    versionId: sourceVersionId(optionalString(input, 'versionId', 'Manual input')),
    origin: 'manual',
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const preview = text.length > 120 ? `${text.slice(0, 120)}…` : text;
    throw new InvalidInput(`${what} is not JSON: ${JSON.stringify(preview)}`, { cause: err });
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
}

function requireObject(parent: Json, field: string, where: string): Json {
  const value = parent[field];
  if (!isObject(value)) throw new InvalidInput(`${where} needs an object "${field}", got ${describe(value)}`);
  return value;
}

function requireString(parent: Json, field: string, where: string): string {
  const value = parent[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInput(`${where} needs a non-empty string "${field}", got ${describe(value)}`);
  }
  return value;
}

function optionalString(parent: Json, field: string, where: string): string | undefined {
  const value = parent[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInput(`${where} "${field}" must be a non-empty string when present, got ${describe(value)}`);
  }
  return value;
}

function optionalSize(parent: Json, field: string, where: string): number | undefined {
  const value = parent[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInput(`${where} "${field}" must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** Events carry ETags without quotes; strip them anyway if a producer added some. */
function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"(.*)"$/, '$1');
}

/** Drops undefined optionals so events compare and serialize cleanly. */
function compact(ev: BackupEvent): BackupEvent {
  return Object.fromEntries(Object.entries(ev).filter(([, v]) => v !== undefined)) as unknown as BackupEvent;
}
