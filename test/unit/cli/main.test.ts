import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli-io';

describe('s3gcs argument handling', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 's3gcs-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help listing every command, exit 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['sandbox', 'replay', 'redrive', 'executions', 'history', 'backfill', 'verify']) expect(run.stdout).toContain(command);
  });

  it.each(['sandbox', 'replay', 'redrive', 'executions', 'history', 'backfill', 'verify'])('%s --help shows examples, --json and the exit codes', async (command) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--json');
    expect(run.stdout).toContain('Exit codes: 0 ok, 1 problems found, 2 usage error, 3 target unreachable');
  });

  it('refuses an unknown command with a suggestion, exit 2', async () => {
    const run = await runCli(['replya']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'replya'");
    expect(run.stderr).toContain('replay');
  });

  it('names a missing argument and points at --help, exit 2', async () => {
    const run = await runCli(['replay', '--sandbox']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing required argument 's3-url'\n {2}hint: see `s3gcs replay --help`/);
  });

  it.each([
    [['replay', '--sandbox', 'my-bucket/key'], 'not an S3 URL: "my-bucket/key"', 'Write it as s3://my-bucket/path/to/object.pdf'],
    [['replay', '--sandbox', 's3://bucket'], 's3://bucket names a bucket, not an object', "Give the object's key too"],
    [['replay', '--sandbox', 's3://b/k'], 'not a valid S3 bucket name: "b"', 'Bucket names are 3-63'],
    [['replay', '--sandbox', 's3://bucket/k', '--timeout', 'soon'], '--timeout "soon" is not a duration', 'e.g. --timeout 90s'],
    [['executions', '--sandbox', '--status', 'BROKEN'], '--status "BROKEN" is not an execution status', 'Use one of RUNNING, SUCCEEDED'],
    [['executions', '--sandbox', '--since', 'yesterday'], '--since "yesterday" is neither a duration nor a date', 'Use a duration such as 90m'],
    [['redrive', '--sandbox'], 'nothing to redrive', 'Name an execution'],
    [['redrive', '--sandbox', 'x', '--failed'], 'give an execution or --failed, not both', 's3gcs redrive NAME'],
    [['redrive', '--sandbox', '--failed', '--since', '30d'], '--since 30d reaches back more than 14 days', 'use s3gcs replay for older ones'],
    [['backfill', '--sandbox', 's3://bucket', '--rate', '5000'], '--rate must be a positive number up to 300, got "5000"', 'e.g. --rate'],
    [['verify', '--sandbox', 's3://bucket', '--exclude', '!keep/**'], "--exclude: Skip pattern \"!keep/**\" starts with '!'", "Use globs like '**/*.tmp'"],
  ])('%j: one error line and a hint, exit 2 — before connecting to anything', async (args, message, hint) => {
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    const [line, hintLine, rest] = run.stderr.split('\n');
    expect(line!.startsWith(`s3gcs: error: ${message}`)).toBe(true);
    expect(hintLine).toMatch(/^ {2}hint: /);
    expect(hintLine).toContain(hint);
    expect(rest).toBe('');
    expect(run.stdout).toBe('');
  });

  it('asks for a target when none is chosen, exit 2', async () => {
    const run = await runCli(['executions'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no target chosen');
    expect(run.stderr).toContain('--sandbox');
    expect(run.stderr).toContain('--stack-outputs');
  });

  it('refuses two targets at once', async () => {
    const run = await runCli(['executions', '--sandbox', '--state-machine-arn', 'arn:aws:states:eu-west-1:123456789012:stateMachine:backup-object']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('choose one target');
  });

  it('reports a missing sandbox as unreachable (exit 3) with how to start one', async () => {
    const run = await runCli(['executions', '--data-dir', join(dir, 'none')], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`no sandbox is running with data directory ${join(dir, 'none')}`);
    expect(run.stderr).toContain('hint: Start one with `npm start`');
  });

  it('reports a sandbox whose process is gone as unreachable', async () => {
    const dataDir = join(dir, 'stale');
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    const ready = { s3Endpoint: 'http://127.0.0.1:1', gcsEndpoint: 'http://127.0.0.1:2', sfnEndpoint: 'http://127.0.0.1:3', sourceBucket: 's', destinationBucket: 'd', stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:backup-object', pid: 2 ** 22 + 12345 };
    writeFileSync(join(dataDir, 'sandbox.json'), JSON.stringify(ready));
    const run = await runCli(['executions', '--data-dir', dataDir]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('is no longer running');
  });

  it('writes errors as JSON on stderr with --json, stdout stays empty', async () => {
    const run = await runCli(['replay', '--sandbox', '--json', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toEqual({ error: 'not an S3 URL: "nope"', hint: expect.stringContaining('s3://'), exitCode: 2 });
  });

  it('reads the state machine ARN from cdk --outputs-file output, choosing the stack when there are several', async () => {
    const outputs = join(dir, 'outputs.json');
    writeFileSync(
      outputs,
      JSON.stringify({
        'backup-dev': { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:dev' },
        'backup-prod': { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:prod' },
      }),
    );
    const several = await runCli(['executions', '--stack-outputs', outputs]);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('holds several stages: backup-dev, backup-prod');
    expect(several.stderr).toContain('--stack NAME');
    const unknown = await runCli(['executions', '--stack-outputs', outputs, '--stack', 'backup-test']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--stack backup-test is not in');
  });

  it("verify reads the stage's DestinationLayout output, and refuses a bucket its legacy layout does not name", async () => {
    const outputs = join(dir, 'legacy-outputs.json');
    const stage = {
      StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:prod',
      DestinationBucket: 'acme-backup',
      DestinationPrefix: 'aws/',
      DestinationLayout: JSON.stringify({ kind: 'legacy', sourceBucket: 'acme-invoices' }),
    };
    writeFileSync(outputs, JSON.stringify({ 'backup-prod': stage }));
    const other = await runCli(['verify', '--stack-outputs', outputs, 's3://acme-media']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('legacy layout (<prefix><key>) for s3://acme-invoices only');

    writeFileSync(outputs, JSON.stringify({ 'backup-prod': { ...stage, DestinationLayout: '{"kind":"flat"}' } }));
    const bad = await runCli(['verify', '--stack-outputs', outputs, 's3://acme-invoices']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the stack output DestinationLayout is not a layout');
  });
});
