import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { S3ObjectEvent } from '../s3-server';
import { encodeS3Key } from '../s3-server/key-encoding';

/**
 * Turns what the local S3 server reports into what AWS would deliver: S3 event notification records (keys
 * form-URL-encoded, as S3 sends them), one per SQS message, in SQS batches — the input of start-executions.
 */

export const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:backup-intake';

/** S3's encoding of keys in notifications (form-URL-encoding, a space as '+', '/' kept): the local S3 server's encoder. */
export { encodeS3Key as encodeS3EventKey } from '../s3-server/key-encoding';

/** One S3 notification record (eventVersion 2.1) for an object event, as S3 would send it. */
export function notificationRecord(event: S3ObjectEvent): Record<string, unknown> {
  const object =
    event.type === 'created'
      ? { key: encodeS3Key(event.key), size: event.size, eTag: event.etag, sequencer: event.sequencer }
      : { key: encodeS3Key(event.key), sequencer: event.sequencer };
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'local',
    eventTime: event.eventTime,
    eventName: eventName(event),
    userIdentity: { principalId: 'local' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'backup-intake',
      bucket: { name: event.bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${event.bucket}` },
      object,
    },
  };
}

/** The local S3 server names the request (Put, Copy, Post, CompleteMultipartUpload); an event without a name is
 * told by its ETag: multipart uploads end in a part count (`…-N`). */
function eventName(event: S3ObjectEvent): string {
  if (event.type === 'removed') return 'ObjectRemoved:Delete';
  return event.eventName ?? (/-\d+$/.test(event.etag) ? 'ObjectCreated:CompleteMultipartUpload' : 'ObjectCreated:Put');
}

/** One SQS message carrying one S3 notification, as S3→SQS delivers it. */
export function sqsRecord(event: S3ObjectEvent, receiveCount = 1): SQSRecord {
  const sent = Date.parse(event.eventTime) || Date.now();
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: JSON.stringify({ Records: [notificationRecord(event)] }),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sent),
      SenderId: 'local-s3',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: LOCAL_QUEUE_ARN,
    awsRegion: 'local',
  };
}

export function sqsBatch(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
