import { readFileSync } from 'node:fs';
import path from 'node:path';
import { executionName } from '../../../workflows/backup/execution-name';
import { executionInputsFromMessage, normalizeExecutionInput, objectEventInput } from '../../../workflows/backup/normalize';

const FIXTURES = path.join(__dirname, '../../fixtures/events');
const fixtureText = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const fixture = (name: string): Record<string, unknown> => JSON.parse(fixtureText(name)) as Record<string, unknown>;
const firstRecord = (name: string): Record<string, unknown> => (fixture(name)['Records'] as Record<string, unknown>[])[0]!;
const sqsBodies = (name: string): string[] => (fixture(name)['Records'] as { body: string }[]).map((r) => r.body);

const invalid = (pattern: RegExp) => expect.objectContaining({ name: 'InvalidInput', message: expect.stringMatching(pattern) });

describe('normalizeExecutionInput: S3 notification records (form-URL-encoded keys)', () => {
  it('decodes the put record key and keeps version, ETag, size, sequencer and time', () => {
    expect(normalizeExecutionInput(firstRecord('s3-notification-put.json'))).toEqual({
      action: 'copy',
      bucket: 'source-bucket',
      key: 'photos/red flower c++ ✿.jpg',
      // The same key read as plain percent-encoding, tried only if S3 answers 404 for the key above.
      keyAlternative: 'photos/red+flower+c+++✿.jpg',
      versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
      etag: '0123456789abcdef0123456789abcdef',
      size: 1048576,
      sequencer: '0055AED6DCD90281E5',
      eventTime: '2026-11-20T10:15:30.123Z',
      eventName: 'ObjectCreated:Put',
      origin: 's3-notification',
    });
  });

  it('accepts the {Records:[one record]} wrapper as the record itself', () => {
    expect(normalizeExecutionInput(fixture('s3-notification-put.json'))).toEqual(
      normalizeExecutionInput(firstRecord('s3-notification-put.json')),
    );
  });

  it('reads a multipart upload without a versionId (unversioned bucket) and keeps the -N ETag', () => {
    const ev = normalizeExecutionInput(fixture('s3-notification-multipart.json'));
    expect(ev).toMatchObject({ action: 'copy', key: 'backups/db-2026-11-20.tar.gz', etag: '4af981f98d22a0b9979da24b259e5e42-12' });
    expect(ev).not.toHaveProperty('versionId');
    expect(ev.size).toBe(104857600);
  });

  it('maps ObjectRemoved:* to a delete without size or ETag (nor the version id of the delete marker it created)', () => {
    const ev = normalizeExecutionInput(fixture('s3-notification-delete.json'));
    expect(ev).toEqual({
      action: 'delete',
      bucket: 'source-bucket',
      key: 'photos/old.jpg',
      sequencer: '0055AED6DCD9028AAA',
      eventTime: '2026-11-20T11:00:00.000Z',
      eventName: 'ObjectRemoved:DeleteMarkerCreated',
      origin: 's3-notification',
    });
  });

  it.each([
    ['LifecycleExpiration:Delete', 'delete'],
    ['LifecycleExpiration:DeleteMarkerCreated', 'delete'],
    ['ObjectRemoved:Delete', 'delete'],
    ['ObjectCreated:Copy', 'copy'],
    ['ObjectCreated:CompleteMultipartUpload', 'copy'],
  ])('maps %s to %s', (eventName, action) => {
    const record = { ...firstRecord('s3-notification-put.json'), eventName };
    expect(normalizeExecutionInput(record).action).toBe(action);
  });

  it.each(['ObjectRestore:Delete', 'ObjectTagging:Put', 'ObjectAcl:Put', 's3:ReducedRedundancyLostObject'])(
    'refuses %s, which does not change the object content, naming the event',
    (eventName) => {
      const record = { ...firstRecord('s3-notification-put.json'), eventName };
      expect(() => normalizeExecutionInput(record)).toThrow(invalid(new RegExp(eventName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))));
    },
  );

  it("decodes '+' as space and %2B as '+' in notification keys", () => {
    const record = firstRecord('s3-notification-put.json');
    const s3 = record['s3'] as { object: Record<string, unknown> };
    const withKey = { ...record, s3: { ...s3, object: { ...s3.object, key: 'a+b%2Bc%20d' } } };
    expect(normalizeExecutionInput(withKey).key).toBe('a b+c d');
  });

  it('strips quotes from an ETag if a producer added them', () => {
    const record = firstRecord('s3-notification-put.json');
    const s3 = record['s3'] as { object: Record<string, unknown> };
    const quoted = { ...record, s3: { ...s3, object: { ...s3.object, eTag: '"abc123"' } } };
    expect(normalizeExecutionInput(quoted).etag).toBe('abc123');
  });

  it('names the broken field of a malformed record', () => {
    const record = firstRecord('s3-notification-put.json');
    expect(() => normalizeExecutionInput({ ...record, s3: { bucket: { name: 'b' } } })).toThrow(invalid(/"object"/));
    const s3 = record['s3'] as { object: Record<string, unknown> };
    expect(() => normalizeExecutionInput({ ...record, s3: { ...s3, object: { ...s3.object, size: -1 } } })).toThrow(
      invalid(/"size" must be a non-negative integer/),
    );
    expect(() => normalizeExecutionInput({ ...record, s3: { ...s3, object: { ...s3.object, key: 'bad%E2%9C' } } })).toThrow(
      invalid(/percent-encoding/),
    );
  });

  it('refuses {Records} with other than exactly one record', () => {
    const one = firstRecord('s3-notification-put.json');
    expect(() => normalizeExecutionInput({ Records: [one, one] })).toThrow(invalid(/exactly one.*got 2 records/));
    expect(() => normalizeExecutionInput({ Records: [] })).toThrow(invalid(/got 0 records/));
  });
});

describe('normalizeExecutionInput: EventBridge events (plain keys)', () => {
  it('reads Object Created with version-id, etag, size and sequencer', () => {
    expect(normalizeExecutionInput(fixture('eventbridge-object-created.json'))).toEqual({
      action: 'copy',
      bucket: 'source-bucket',
      key: 'raw/health-check/2026-11-20T10:15:30.zip',
      versionId: 'uhggCJ2_B6gU2JaXWXebnXFDstO0ID6G',
      etag: '4af981f98d22a0b9979da24b259e5e42-12',
      size: 198524144,
      sequencer: '0064D3901D00059242',
      eventTime: '2026-11-20T10:15:30Z',
      eventName: 'Object Created:CompleteMultipartUpload',
      origin: 'eventbridge',
    });
  });

  it('maps Object Deleted to a delete (without the version id of the delete marker it created)', () => {
    const ev = normalizeExecutionInput(fixture('eventbridge-object-deleted.json'));
    expect(ev).toMatchObject({ action: 'delete', key: 'photos/old.jpg', eventName: 'Object Deleted:DeleteObject', origin: 'eventbridge' });
    expect(ev).not.toHaveProperty('versionId');
  });

  it('keeps the version id of a permanent deletion (a version deleted by id)', () => {
    const event = fixture('eventbridge-object-deleted.json') as { detail: Record<string, unknown> };
    const permanent = { ...event, detail: { ...event.detail, 'deletion-type': 'Permanently Deleted' } };
    expect(normalizeExecutionInput(permanent)).toMatchObject({ versionId: '1QW9g1Z99LUNbvaaYVpW9xDlOLU.qxgF' });
    const record = firstRecord('s3-notification-delete.json');
    expect(normalizeExecutionInput({ ...record, eventName: 'ObjectRemoved:Delete' })).toMatchObject({ versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' });
  });

  it("never decodes an EventBridge key: '+', spaces and %20 stay as they are", () => {
    expect(normalizeExecutionInput(fixture('eventbridge-object-created-plus-key.json')).key).toBe('notes/c++ a+b%20c.txt');
  });

  it('treats the same text differently by origin: notification keys are decoded, EventBridge keys are not', () => {
    const eb = fixture('eventbridge-object-created.json');
    const detail = eb['detail'] as { object: Record<string, unknown> };
    const ebPlus = { ...eb, detail: { ...detail, object: { ...detail.object, key: 'a+b' } } };
    const record = firstRecord('s3-notification-put.json');
    const s3 = record['s3'] as { object: Record<string, unknown> };
    const s3Plus = { ...record, s3: { ...s3, object: { ...s3.object, key: 'a+b' } } };
    expect(normalizeExecutionInput(ebPlus).key).toBe('a+b');
    expect(normalizeExecutionInput(s3Plus).key).toBe('a b');
  });

  it('refuses other detail-types, naming them', () => {
    const event = { ...fixture('eventbridge-object-created.json'), 'detail-type': 'Object Tags Added' };
    expect(() => normalizeExecutionInput(event)).toThrow(invalid(/"Object Tags Added"/));
  });
});

describe('normalizeExecutionInput: manual input', () => {
  it('takes the plain key exactly as typed', () => {
    expect(normalizeExecutionInput(fixture('manual-replay.json'))).toEqual({
      action: 'copy',
      bucket: 'source-bucket',
      key: 'photos/red flower c++ ✿.jpg',
      origin: 'manual',
    });
  });

  it("keeps '+' and '%' in a manual key", () => {
    expect(normalizeExecutionInput({ bucket: 'b', key: 'c++/100%25+x', versionId: 'v1' })).toEqual({
      action: 'copy',
      bucket: 'b',
      key: 'c++/100%25+x',
      versionId: 'v1',
      origin: 'manual',
    });
  });

  it('names a missing or empty field and unknown fields', () => {
    expect(() => normalizeExecutionInput({ bucket: 'b' })).toThrow(invalid(/Manual input needs a non-empty string "key", got missing/));
    expect(() => normalizeExecutionInput({ bucket: '', key: 'k' })).toThrow(invalid(/"bucket"/));
    expect(() => normalizeExecutionInput({ bucket: 'b', key: 'k', versionID: 'x' })).toThrow(invalid(/unexpected field.*"versionID"/));
    expect(() => normalizeExecutionInput({ bucket: 'b', key: 'k', versionId: 7 })).toThrow(invalid(/"versionId" must be a non-empty string/));
  });
});

describe("normalizeExecutionInput: the intake's object event (already normalized)", () => {
  const EVENTS = [
    's3-notification-put.json',
    's3-notification-multipart.json',
    's3-notification-delete.json',
    'eventbridge-object-created.json',
    'eventbridge-object-deleted.json',
  ];

  it.each(EVENTS)('reads %s back as the same event, under the same execution name, and is smaller', (name) => {
    const event = normalizeExecutionInput(fixture(name));
    const input = objectEventInput(event);
    expect(input).toMatchObject({ format: 'object-event/1' });
    // Through JSON, as StartExecution carries it (a hand-off passes it on unchanged).
    const read = normalizeExecutionInput(JSON.parse(JSON.stringify(input)));
    expect(read).toEqual(event);
    expect(executionName(read)).toBe(executionName(event));
    expect(JSON.stringify(input).length).toBeLessThan(fixtureText(name).length);
  });

  it('takes the key exactly as given: never decoded again', () => {
    const event = normalizeExecutionInput(firstRecord('s3-notification-put.json'));
    expect(normalizeExecutionInput({ ...objectEventInput(event), key: 'a+b%20c' }).key).toBe('a+b%20c');
  });

  it('names what is wrong: another format, an unknown field, a bad action, origin, size or key', () => {
    const good = objectEventInput(normalizeExecutionInput(firstRecord('s3-notification-put.json')));
    expect(() => normalizeExecutionInput({ ...good, format: 'object-event/2' })).toThrow(invalid(/format string "object-event\/2"; this version reads "object-event\/1"/));
    expect(() => normalizeExecutionInput({ ...good, Records: [] })).toThrow(invalid(/unexpected field\(s\) "Records"/));
    expect(() => normalizeExecutionInput({ ...good, action: 'restore' })).toThrow(invalid(/"action" must be "copy" or "delete"/));
    expect(() => normalizeExecutionInput({ ...good, origin: 'manual' })).toThrow(invalid(/"origin" must be/));
    expect(() => normalizeExecutionInput({ ...good, size: -1 })).toThrow(invalid(/"size" must be a non-negative integer/));
    expect(() => normalizeExecutionInput({ ...good, key: '' })).toThrow(invalid(/non-empty string "key"/));
  });

  it('is not made for a manual input, which keeps its own shape', () => {
    expect(() => objectEventInput(normalizeExecutionInput({ bucket: 'b', key: 'k' }))).toThrow(invalid(/manual input/));
  });
});

describe('normalizeExecutionInput: anything else', () => {
  it.each([
    ['null', null],
    ['a string', 'photos/a.jpg'],
    ['an array', [{ bucket: 'b', key: 'k' }]],
  ])('refuses %s', (_label, input) => {
    expect(() => normalizeExecutionInput(input)).toThrow(invalid(/must be a JSON object/));
  });

  it('refuses an unknown object, listing its keys', () => {
    expect(() => normalizeExecutionInput({ foo: 1, bar: 2 })).toThrow(invalid(/not a recognized shape.*\[foo, bar\]/));
  });

  it('refuses the S3 TestEvent as an execution input', () => {
    expect(() => normalizeExecutionInput(fixture('s3-test-event.json'))).toThrow(invalid(/TestEvent/));
  });
});

describe('executionInputsFromMessage', () => {
  it('returns each notification record of a direct S3→SQS body, as received', () => {
    const [body] = sqsBodies('sqs-batch-s3-direct.json');
    const inputs = executionInputsFromMessage(body!);
    expect(inputs).toEqual((JSON.parse(body!) as { Records: unknown[] }).Records);
    expect(normalizeExecutionInput(inputs[0])).toMatchObject({ key: 'docs/report Q3.pdf', origin: 's3-notification' });
  });

  it('acknowledges the S3 TestEvent with no inputs', () => {
    expect(executionInputsFromMessage(sqsBodies('sqs-batch-s3-direct.json')[1]!)).toEqual([]);
    expect(executionInputsFromMessage(fixtureText('s3-test-event.json'))).toEqual([]);
  });

  it('refuses a body that is not JSON, quoting it', () => {
    expect(() => executionInputsFromMessage(sqsBodies('sqs-batch-s3-direct.json')[2]!)).toThrow(
      invalid(/SQS message body is not JSON: "not json at all"/),
    );
  });

  it('unwraps an SNS envelope', () => {
    const inputs = executionInputsFromMessage(sqsBodies('sqs-batch-s3-via-sns.json')[0]!);
    expect(inputs).toHaveLength(1);
    expect(normalizeExecutionInput(inputs[0])).toMatchObject({ key: 'images/日本語.png', size: 4096, origin: 's3-notification' });
  });

  it('acknowledges a TestEvent that came through SNS', () => {
    const envelope = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: fixtureText('s3-test-event.json') };
    expect(executionInputsFromMessage(JSON.stringify(envelope))).toEqual([]);
  });

  it('refuses an SNS envelope whose Message is not JSON', () => {
    const envelope = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'hello' };
    expect(() => executionInputsFromMessage(JSON.stringify(envelope))).toThrow(invalid(/SNS Message is not JSON/));
  });

  it('returns an EventBridge event as the single input', () => {
    const bodies = sqsBodies('sqs-batch-eventbridge.json');
    expect(bodies.map((b) => executionInputsFromMessage(b))).toEqual(bodies.map((b) => [JSON.parse(b)]));
  });

  it('returns one input per record of a multi-record notification', () => {
    const a = firstRecord('s3-notification-put.json');
    const b = firstRecord('s3-notification-delete.json');
    expect(executionInputsFromMessage(JSON.stringify({ Records: [a, b] }))).toEqual([a, b]);
  });

  it.each([
    ['an empty Records array', { Records: [] }, /no S3 notification records/],
    ['a record from another service', { Records: [{ eventSource: 'aws:sqs' }] }, /Records\[0\] is not an S3 notification record/],
    ['a manual input (replays go straight to StartExecution)', { bucket: 'b', key: 'k' }, /not an S3 event.*\[bucket, key\]/],
    ['a JSON string', 'x', /must be a JSON object/],
  ])('refuses %s', (_label, body, pattern) => {
    expect(() => executionInputsFromMessage(JSON.stringify(body))).toThrow(invalid(pattern));
  });
});
