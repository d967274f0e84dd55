/**
 * Bad-input corpus, execution-input rows (E*): inputs a person or a misconfigured integration might give
 * StartExecution directly. The local state machine (the ASL that deploys, real handlers and engine, S3 mocked, GCS
 * faked) ends each FAILED with InvalidInput and an alert that still reads completely; nothing is copied.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { runBackupExecution } from '../../../workflows/local/runner';
import { logger } from '../../../workflows/logger';
import { eventBridge, s3Record, S3_TEST_EVENT } from './events';
import { FakeGcs } from './fake-gcs';

const s3Mock = mockClient(S3Client);

beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => s3Mock.reset());

async function run(input: unknown) {
  const gcs = new FakeGcs();
  const env = { s3: new S3Client({ region: 'us-east-1' }), storage: gcs.storage(), target: { bucket: 'backup', prefix: '' }, alerts: new LocalAlertSink(), retryIntervalMs: 0 };
  const result = await runBackupExecution(input, env);
  return { result, gcs };
}

const ROWS: [string, string, unknown, RegExp][] = [
  ['E1', 'a JSON string', 'just text', /Execution input must be a JSON object, got string "just text"/],
  ['E1', 'an array', [{ bucket: 'b', key: 'k' }], /must be a JSON object, got an array/],
  ['E2', 'an object of no known shape', { object: 'k' }, /not a recognized shape.*got an object with keys \[object\]/],
  ['E3', 'manual input without a key', { bucket: 'source-bucket' }, /Manual input needs a non-empty string "key"/],
  ['E3', 'manual input with an unknown field', { bucket: 'source-bucket', key: 'k', size: 5 }, /accepts only \{bucket, key, versionId\?\}; unexpected field\(s\) "size"/],
  ['E4', 'two records in one input', { Records: [s3Record('a'), s3Record('b')] }, /must hold exactly one S3 notification record, got 2 records/],
  ['E5', 'the S3 TestEvent', S3_TEST_EVENT, /is the S3 TestEvent, not an object event/],
  ['E6', 'an unsupported event type', eventBridge('Object Tags Added', 'k'), /detail-type "Object Tags Added" is not backed up/],
  // The first state reads the input from $$.Execution.Input, which holds null as a value ("$" of a null input does not resolve).
  ['E7', 'JSON null', null, /Execution input must be a JSON object, got null/],
  ['E8', 'an object event of another format', { format: 'object-event/9', action: 'copy', bucket: 'source-bucket', key: 'k', origin: 'eventbridge' }, /has format string "object-event\/9"; this version reads "object-event\/1"/],
  ['E8', 'an object event with an unknown field', { format: 'object-event/1', action: 'copy', bucket: 'source-bucket', key: 'k', origin: 'eventbridge', Records: [] }, /Object event input has unexpected field\(s\) "Records"/],
];

test.each(ROWS)('%s %s: FAILED with InvalidInput and a complete alert, nothing copied', async (_id, _what, input, reason) => {
  const { result, gcs } = await run(input);
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('InvalidInput');
  expect(result.cause).toMatch(reason);
  expect(result.alerts).toHaveLength(1);
  const message = result.alerts[0]!.message;
  expect(message).toContain('Error: InvalidInput');
  expect(message).toContain('Key: (unknown: the execution input could not be read)');
  expect(message).toMatch(reason);
  expect(gcs.objects.size).toBe(0);
  expect(s3Mock.calls()).toHaveLength(0);
});
