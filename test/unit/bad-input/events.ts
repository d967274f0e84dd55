import type { SQSRecord } from 'aws-lambda';

/** Shapes of the bad-input corpus, built the way S3, SNS, SQS and EventBridge deliver them. */

export function s3Record(key: string, overrides: { eventName?: string; object?: Record<string, unknown>; bucket?: unknown } = {}): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-11-20T10:15:30.123Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      bucket: overrides.bucket ?? { name: 'source-bucket', arn: 'arn:aws:s3:::source-bucket' },
      object: { key, size: 11, eTag: '5eb63bbbe01eeed093cb22bb8f5acdc3', sequencer: '0055AED6DCD90281F0', ...overrides.object },
    },
  };
}

export function eventBridge(detailType: string, key: string): Record<string, unknown> {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-11-20T10:15:30Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::source-bucket'],
    detail: { version: '0', bucket: { name: 'source-bucket' }, object: { key, size: 11, etag: '5eb63bbbe01eeed093cb22bb8f5acdc3', sequencer: '0055AED6DCD90281F0' } },
  };
}

export function sqsMessage(body: unknown, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1763633730123', SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: '1763633730130' },
    messageAttributes: {},
    md5OfBody: 'EXAMPLE',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:backup-intake',
    awsRegion: 'us-east-1',
  };
}

export function snsEnvelope(message: unknown): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: 'c8f3e9b5-0000-4000-8000-000000000001',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:s3-events',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: '2026-11-20T10:15:30.200Z',
  };
}

export const S3_TEST_EVENT = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-11-20T09:00:00.000Z',
  Bucket: 'source-bucket',
  RequestId: '5582815E1AEA5ADF',
  HostId: 'EXAMPLE',
};
