import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_MEASURED } from '../../../workflows/cost/model';
import { startExecutionsHandler } from '../../../workflows/handlers/start-executions';
import { publishCopyMetrics } from '../../../workflows/metrics';

/**
 * The cost model's application log bytes per copied object (DEFAULT_MEASURED.lambdaApplicationLogBytesPerObject) are
 * what our handlers really print for a successful small copy at INFO: the starter's lines for a batch of ten events
 * (its tally; each start is DEBUG) and the copier's metric line. Normalize prints nothing when it succeeds.
 */
const FIXTURE = path.join(__dirname, '../../fixtures/events/sqs-batch-eventbridge.json');
const context = {
  functionName: 's3-gcs-backup-production-IntakeStartExecutionsFunction-AbCdEfGhIjKl',
  functionVersion: '7',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:s3-gcs-backup-production-IntakeStartExecutionsFunction-AbCdEfGhIjKl:live',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** Bytes written to stdout/stderr (directly or through console) while `run` runs. */
async function printedBytes(run: () => Promise<unknown> | unknown): Promise<number> {
  let bytes = 0;
  const count = (chunk: unknown): void => void (bytes += Buffer.byteLength(String(chunk)));
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (count(chunk), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (count(chunk), true)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m).mockImplementation((...args) => count(`${args.join(' ')}\n`))),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return bytes;
}

it('expect the model’s application log bytes per object within 10 % of what the handlers print at INFO', async () => {
  const sfn = mockClient(SFNClient);
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `arn:aws:states:eu-west-1:111122223333:execution:s3-gcs-backup-production-fast-path:${input.name}` }));
  const [record] = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as SQSEvent).Records;
  const batch: SQSEvent = { Records: Array.from({ length: 10 }, (_, i) => ({ ...record!, messageId: `c0ffee00-0001-4000-8000-00000000000${i}` })) };
  const logger = new Logger({ serviceName: 's3-gcs-backup', logLevel: 'INFO' });
  const handler = startExecutionsHandler({
    config: { stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:s3-gcs-backup-production-fast-path', skipReason: () => undefined },
    sfn: new SFNClient({ region: 'eu-west-1' }),
    logger,
  });
  const starter = await printedBytes(() => handler(batch, context));
  const metrics = new Metrics({ namespace: 'S3GcsBackup', serviceName: 's3-gcs-backup' });
  const copier = await printedBytes(() => publishCopyMetrics({ outcome: 'copied', bytes: 1024, durationMs: 31 } as never, 'small', metrics));
  sfn.restore();

  expect(starter).toBeGreaterThan(0);
  expect(copier).toBeGreaterThan(0);
  const perObject = starter / 10 + copier;
  expect(Math.abs(DEFAULT_MEASURED.lambdaApplicationLogBytesPerObject! - perObject) / perObject).toBeLessThan(0.1);
});
