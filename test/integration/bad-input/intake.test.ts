/**
 * Bad-input corpus row I15 end to end: one SQS batch mixing every malformed, empty and unknown message with good
 * ones, through start-executions → the local Step Functions API (real HTTP, AWS JSON 1.0) → the ASL → GCS. The bad
 * messages are reported for redelivery; every good object still lands in GCS.
 */
import { destinationObjectName } from '../../../workflows/backup/keys';
import type { CopyTarget } from '../../../workflows/copy/types';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Storage } from '@google-cloud/storage';
import { compileSkipRules } from '../../../workflows/backup/skip-rules';
import { startExecutionsForBatch, type StartLogger } from '../../../workflows/backup/start-executions';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import { LOCAL_ARNS } from '../../../workflows/local/deployment';
import type { GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { runBackupExecution } from '../../../workflows/local/runner';
import { encodeS3EventKey } from '../../../workflows/local/sandbox/object-events';
import { currentRun, LocalStepFunctions, localSfnClient, startSfnApi, type SfnApiServer } from '../../../workflows/local/sfn-api';
import { logger } from '../../../workflows/logger';
import { startLocalServers, stopLocalServers } from '../../support/local-servers';
import { putObject, type S3Fixture } from '../../support/s3-server';
import { S3_TEST_EVENT, eventBridge, s3Record, snsEnvelope, sqsMessage } from '../../unit/bad-input/events';

const SRC = 'source-bucket';
const DST = 'intake-backup';
const TARGET: CopyTarget = { bucket: DST, prefix: '' };
let s3fx: S3Fixture;
let emulator: GcsEmulator;
let storage: Storage;
let stepFunctions: LocalStepFunctions;
let sfnServer: SfnApiServer;
let sfn: SFNClient;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  ({ s3fx, emulator, storage } = await startLocalServers({ s3Buckets: [SRC], gcsBuckets: [DST] }));
  stepFunctions = new LocalStepFunctions({
    stateMachines: [
      {
        name: 'backup-object',
        arn: LOCAL_ARNS.stateMachine,
        definition: '{}',
        run: (input, execution) =>
          runBackupExecution(input, { s3: s3fx.s3, storage, target: TARGET, retryIntervalMs: 0, alerts: new LocalAlertSink() }, { executionName: execution.name }),
      },
    ],
  });
  sfnServer = await startSfnApi(stepFunctions, { port: 0 });
  sfn = localSfnClient(sfnServer.endpoint);
});
afterAll(async () => {
  sfn?.destroy();
  await sfnServer?.close();
  await stopLocalServers({ s3fx, emulator });
});

test('I15 every bad message fails alone; every good object of the same batch is backed up', async () => {
  const goodKeys = ['good/one.txt', 'good/two words.txt', 'good/three+plus.txt'];
  const etags = await Promise.all(goodKeys.map((k) => putObject(s3fx.s3, SRC, k, Buffer.from(`content of ${k}`))));
  const good = [
    sqsMessage({ Records: [s3Record(encodeS3EventKey(goodKeys[0]!), { object: { size: 23, eTag: etags[0] } })] }, 'good-1'),
    sqsMessage(snsEnvelope(JSON.stringify({ Records: [s3Record(encodeS3EventKey(goodKeys[1]!), { object: { size: 29, eTag: etags[1] } })] })), 'good-2'),
    sqsMessage({ ...eventBridge('Object Created', goodKeys[2]!), detail: { bucket: { name: SRC }, object: { key: goodKeys[2], size: 30, etag: etags[2] } } }, 'good-3'),
  ];
  const bad = [
    sqsMessage('{"Records": [', 'I1'),
    sqsMessage('', 'I2'),
    sqsMessage({ hello: 'world' }, 'I3'),
    sqsMessage({ Records: [] }, 'I4'),
    sqsMessage({ Records: [{ eventSource: 'aws:sqs' }] }, 'I5'),
    sqsMessage({ Records: [s3Record('tagged.txt', { eventName: 'ObjectTagging:Put' })] }, 'I7'),
    sqsMessage(eventBridge('Object Restore Completed', 'restored.txt'), 'I8'),
    sqsMessage({ Records: [s3Record('')] }, 'I9'),
    sqsMessage({ Records: [s3Record('bad%E0%A4%Akey')] }, 'I10'),
    sqsMessage({ Records: [s3Record('sized.txt', { object: { size: -1 } })] }, 'I11'),
    sqsMessage(snsEnvelope({ Records: [] }), 'I12'),
  ];
  const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as StartLogger;
  const response = await startExecutionsForBatch(
    { Records: [bad[0]!, good[0]!, ...bad.slice(1, 6), good[1]!, sqsMessage(S3_TEST_EVENT, 'I6'), ...bad.slice(6), good[2]!] },
    { sfn, stateMachineArn: LOCAL_ARNS.stateMachine, skipReason: compileSkipRules([]), logger },
  );
  expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(bad.map((m) => m.messageId).sort());

  await stepFunctions.idle();
  const runs = stepFunctions.executions().map(currentRun);
  expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  for (const key of goodKeys) {
    const [bytes] = await storage.bucket(DST).file(destinationObjectName(TARGET, SRC, key)).download();
    expect(bytes.toString()).toBe(`content of ${key}`);
  }
});
