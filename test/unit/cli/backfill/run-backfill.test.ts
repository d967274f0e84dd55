import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { backfillExecutionName } from '../../../../workflows/backup/execution-name';
import { newCheckpoint, readCheckpoint } from '../../../../workflows/cli/backfill/checkpoint';
import { RateLimiter } from '../../../../workflows/cli/backfill/rate-limiter';
import { runBackfill, type BackfillPage } from '../../../../workflows/cli/backfill/run-backfill';
import type { Target } from '../../../../workflows/cli/target';
import { deployedTarget, STATE_MACHINE_ARN as SM } from '../../../support/deployed-stage';

const sfn = mockClient(SFNClient);

const target = (): Target => deployedTarget();

async function* pages(list: BackfillPage[]): AsyncGenerator<BackfillPage> {
  yield* list;
}

const page = (keys: string[]): BackfillPage => ({ bucket: 'acme', objects: keys.map((key) => ({ key, size: 1, etag: `e-${key}` })), position: keys[keys.length - 1]! });

describe('runBackfill', () => {
  let dir: string;
  beforeEach(() => {
    sfn.reset();
    dir = mkdtempSync(join(tmpdir(), 'backfill-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const deps = (stopped: () => boolean = () => false) => ({
    target: target(),
    limiter: new RateLimiter(1000),
    concurrency: 4,
    checkpointPath: join(dir, 'cp.json'),
    stopped,
  });

  it('starts the minimal manual input per object under deterministic names; duplicates count as already started', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    sfn.on(StartExecutionCommand, { input: JSON.stringify({ bucket: 'acme', key: 'b' }) }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const cp = newCheckpoint(SM, 's3://acme/');
    expect(await runBackfill(pages([page(['a', 'b']), page(['c'])]), cp, deps())).toBe('done');
    expect(cp.counts).toEqual({ listed: 3, started: 2, alreadyExists: 1, failed: 0 });
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name!);
    expect(names.every((n) => /^backfill-[a-c]-[a-z2-7]{26}$/.test(n))).toBe(true);
    expect(readCheckpoint(join(dir, 'cp.json'))).toMatchObject({ done: true, position: 'c' });
  });

  it('names a backfill by bucket, key, version and ETag: the same object dedupes, a changed one gets a new name', () => {
    const name = backfillExecutionName({ bucket: 'acme', key: 'reports/Q3 final.pdf', etag: 'e1' });
    expect(name).toMatch(/^backfill-reports-Q3-final-pdf-[a-z2-7]{26}$/);
    expect(backfillExecutionName({ bucket: 'acme', key: 'reports/Q3 final.pdf', etag: 'e1' })).toBe(name);
    expect(backfillExecutionName({ bucket: 'acme', key: 'reports/Q3 final.pdf', etag: 'e2' })).not.toBe(name);
    expect(backfillExecutionName({ bucket: 'acme', key: 'reports/Q3 final.pdf', etag: 'e1', versionId: 'v' })).not.toBe(name);
    expect(backfillExecutionName({ bucket: 'acme', key: 'x'.repeat(500), etag: 'e1' }).length).toBeLessThanOrEqual(80);
  });

  it('records failed starts in the checkpoint and retries them first on the next run', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    sfn.on(StartExecutionCommand, { input: JSON.stringify({ bucket: 'acme', key: 'b' }) }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    const cp = newCheckpoint(SM, 's3://acme/');
    await runBackfill(pages([page(['a', 'b'])]), cp, deps());
    expect(cp.failed).toEqual([expect.objectContaining({ bucket: 'acme', key: 'b', error: expect.stringContaining('ThrottlingException') })]);
    expect(cp.counts.failed).toBe(1);

    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const resumed = readCheckpoint(join(dir, 'cp.json'))!;
    resumed.done = false;
    await runBackfill(pages([]), resumed, deps());
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!).key)).toEqual(['b']);
    expect(resumed.failed).toEqual([]);
    expect(resumed.counts).toMatchObject({ started: 2, failed: 0 });
  });

  it('on Ctrl-C keeps the position of the last finished page, so the resumed run starts from the cut page', async () => {
    let stop = false;
    sfn.on(StartExecutionCommand).callsFake(async (input: { input: string }) => {
      if (JSON.parse(input.input).key === 'c') stop = true; // Ctrl-C arrives during the second page
      return { executionArn: 'x', startDate: new Date() };
    });
    const cp = newCheckpoint(SM, 's3://acme/');
    const result = await runBackfill(pages([page(['a', 'b']), page(['c', 'd']), page(['e'])]), cp, { ...deps(() => stop), concurrency: 1 });
    expect(result).toBe('interrupted');
    const saved = readCheckpoint(join(dir, 'cp.json'))!;
    expect(saved).toMatchObject({ done: false, position: 'b' });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!).key)).toEqual(['a', 'b', 'c']);
  });

  it('stops at once when the endpoint is unreachable (the checkpoint keeps the place)', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const cp = newCheckpoint(SM, 's3://acme/');
    await expect(runBackfill(pages([page(['a'])]), cp, deps())).rejects.toMatchObject({ exitCode: 3 });
  });
});
