import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { executionArn as EXEC, STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);

/** An S3 error as the SDK raises it for a HEAD (no body: only the status). */
const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

describe('s3gcs replay against a deployed stage (SFN and S3 mocked)', () => {
  beforeEach(() => {
    sfn.reset();
    s3.reset();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"' });
  });

  it('replay starts the minimal manual input under a fresh replay name and prints the console URL', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    const run = await runCli(['replay', ...target, 's3://acme-data/reports/q3 final.pdf', '--version-id', 'v1', '--json']);
    expect(run.code).toBe(0);
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.stateMachineArn).toBe(SM);
    expect(JSON.parse(call.input!)).toEqual({ bucket: 'acme-data', key: 'reports/q3 final.pdf', versionId: 'v1' });
    expect(call.name).toMatch(/^replay-reports-q3-final-pdf-\d{8}T\d{6}Z-[a-z2-7]{8}$/);
    const out = run.json<{ executionArn: string; consoleUrl: string }>();
    expect(out.executionArn).toBe(EXEC(call.name!));
    expect(out.consoleUrl).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXEC(call.name!)}`);
  });

  it('replay --wait prints the timeline and exits 1 when the execution FAILED', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'SourceNotReadable', cause: 'in Glacier', name: 'x', executionArn: EXEC('x'), stateMachineArn: SM, startDate: new Date() });
    const t = (s: number): Date => new Date(Date.UTC(2026, 10, 20, 10, 0, s));
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: t(0) },
        { id: 2, type: 'TaskStateEntered', timestamp: t(1), stateEnteredEventDetails: { name: 'Copy the object with the small Lambda' } },
        { id: 3, type: 'TaskScheduled', timestamp: t(1) },
        { id: 4, type: 'TaskFailed', timestamp: t(2), taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'SourceNotReadable', cause: 'in Glacier' } },
        { id: 5, type: 'TaskStateEntered', timestamp: t(2), stateEnteredEventDetails: { name: 'Alert the operators' } },
        { id: 6, type: 'TaskStateExited', timestamp: t(3), stateExitedEventDetails: { name: 'Alert the operators', output: '{}' } },
        { id: 7, type: 'FailStateEntered', timestamp: t(3), stateEnteredEventDetails: { name: 'Fail the execution' } },
        { id: 8, type: 'ExecutionFailed', timestamp: t(3), executionFailedEventDetails: { error: 'SourceNotReadable', cause: 'in Glacier' } },
      ],
    });
    const run = await runCli(['replay', ...target, 's3://acme-data/k', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Copy the object with the small Lambda +Task +1000 ms {2}caught SourceNotReadable -> Alert the operators/);
    expect(run.stdout).toMatch(/Fail the execution +Fail +0 ms {2}FAILED SourceNotReadable/);
    expect(run.stdout).toContain('Cause: in Glacier');
  });

  it('replay of an object that does not exist exits 1 with "no such object" and starts nothing', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    const run = await runCli(['replay', ...target, 's3://acme-data/no/such key.txt', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no such object: s3://acme-data/no/such key.txt');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('replay of a version that is a delete marker (HeadObject 405) exits 1 and says so', async () => {
    s3.on(HeadObjectCommand, { VersionId: 'dm1' }).rejects(s3Error('MethodNotAllowed', 405));
    const run = await runCli(['replay', ...target, 's3://acme-data/k', '--version-id', 'dm1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no such object: s3://acme-data/k (version dm1) (that version is a delete marker)');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('replay starts anyway when the credentials may not look (403), saying so', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    const run = await runCli(['replay', ...target, 's3://acme-data/k']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Could not check that s3://acme-data/k exists (access denied); starting the replay anyway.');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('replay --wait exits 1 with "no such object" when the execution found the object gone (outcome source-gone)', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'source-gone' }), name: 'x', executionArn: EXEC('x'), stateMachineArn: SM, startDate: new Date() });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const run = await runCli(['replay', ...target, 's3://acme-data/k', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no such object: s3://acme-data/k (the execution found it gone: outcome source-gone)');
  });

  it('prints a key with control characters escaped, and the exact key in --json', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    const key = 'evil\r\x1b[31mred\nforged line';
    const run = await runCli(['replay', ...target, `s3://acme-data/${key}`]);
    expect(run.stderr).toContain('no such object: s3://acme-data/evil\\r\\x1b[31mred\\nforged line');
    expect(run.stderr.includes('\r') || run.stderr.includes('\x1b')).toBe(false);
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: EXEC(input.name), startDate: new Date() }));
    s3.on(HeadObjectCommand).resolves({});
    const json = await runCli(['replay', ...target, `s3://acme-data/${key}`, '--json']);
    expect(json.json<{ input: { key: string } }>().input.key).toBe(key);
  });
});
