import fc from 'fast-check';
import { decodeS3EventKey } from '../../../../workflows/backup/keys';
import { normalizeExecutionInput, executionInputsFromMessage } from '../../../../workflows/backup/normalize';
import { encodeS3EventKey, notificationRecord, sqsRecord } from '../../../../workflows/local/sandbox/object-events';

const created = { type: 'created' as const, bucket: 'src', key: 'a b+c/ü?.txt', size: 5, etag: 'abc', sequencer: '00AB', eventTime: '2026-11-20T10:00:00.000Z' };

describe('object events as S3 would deliver them', () => {
  it('encodes keys the way S3 notifications do: the project decoder reads back every key', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (key) => decodeS3EventKey(encodeS3EventKey(key)) === key));
    expect(encodeS3EventKey('a b+c')).toBe('a+b%2Bc');
    expect(encodeS3EventKey("it's (1)*")).toBe('it%27s+%281%29%2A');
    // As in S3's own notifications (fixtures/events): '/' stays as it is.
    expect(encodeS3EventKey('photos/red flower c++ ✿.jpg')).toBe('photos/red+flower+c%2B%2B+%E2%9C%BF.jpg');
  });

  it('makes a notification record that normalizes to the object event', () => {
    expect(normalizeExecutionInput(notificationRecord(created))).toEqual({
      action: 'copy',
      bucket: 'src',
      key: 'a b+c/ü?.txt',
      keyAlternative: 'a+b+c/ü?.txt',
      etag: 'abc',
      size: 5,
      sequencer: '00AB',
      eventTime: created.eventTime,
      eventName: 'ObjectCreated:Put',
      origin: 's3-notification',
    });
  });

  it('names multipart uploads and deletes as S3 does', () => {
    expect(notificationRecord({ ...created, etag: 'abc-3' })['eventName']).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(notificationRecord({ ...created, eventName: 'ObjectCreated:Copy' })['eventName']).toBe('ObjectCreated:Copy');
    const removed = normalizeExecutionInput(notificationRecord({ type: 'removed', bucket: 'src', key: 'k', sequencer: '01', eventTime: created.eventTime }));
    expect(removed).toMatchObject({ action: 'delete', eventName: 'ObjectRemoved:Delete', key: 'k' });
  });

  it('wraps one notification per SQS message, as S3 -> SQS delivers it', () => {
    const record = sqsRecord(created, 2);
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.attributes.ApproximateReceiveCount).toBe('2');
    expect(executionInputsFromMessage(record.body)).toEqual([notificationRecord(created)]);
  });
});
