import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';

const BACKFILL = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backfill';
const sfn = mockClient(SFNClient);

describe('s3gcs backfill --distributed', () => {
  let dir: string;
  beforeEach(() => {
    sfn.reset();
    dir = mkdtempSync(join(tmpdir(), 'backfill-cmd-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("starts the stage's backfill state machine once with {bucket, prefix, maxConcurrency}", async () => {
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ 'backup-prod': { StateMachineArn: SM, BackfillStateMachineArn: BACKFILL } }));
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `${BACKFILL.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
    const run = await runCli(['backfill', '--stack-outputs', outputs, 's3://acme-data/2026/', '--distributed', '--concurrency', '200', '--json']);
    expect(run.code).toBe(0);
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.stateMachineArn).toBe(BACKFILL);
    expect(JSON.parse(call.input!)).toEqual({ bucket: 'acme-data', prefix: '2026/', maxConcurrency: 200 });
    expect(call.name).toMatch(/^backfill-run-acme-data-\d{8}T\d{6}Z$/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('refuses --distributed without a known backfill state machine, and in the sandbox', async () => {
    const noArn = await runCli(['backfill', '--state-machine-arn', SM, 's3://acme-data', '--distributed']);
    expect(noArn.code).toBe(2);
    expect(noArn.stderr).toContain('no backfill state machine is known for this stage');
    const ready = { s3Endpoint: 'http://127.0.0.1:1', gcsEndpoint: 'http://127.0.0.1:2', sfnEndpoint: 'http://127.0.0.1:3', sourceBucket: 's', destinationBucket: 'd', stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:backup-object', pid: process.pid };
    writeFileSync(join(dir, 'sandbox.json'), JSON.stringify(ready));
    const sandbox = await runCli(['backfill', '--data-dir', dir, 's3://sandbox-source', '--distributed']);
    expect(sandbox.code).toBe(2);
    expect(sandbox.stderr).toContain('--distributed runs in AWS only');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
