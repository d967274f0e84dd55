/**
 * asl/backup-object.asl.json, run by aws-local-stepfunctions through the local runner, with a stand-in engine and a
 * mocked HeadObject (no network). Each test drives one path of the state machine and asserts what Step Functions
 * would show: the status, the output or error, the states visited, retries, and the alert.
 */
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { destinationObjectName } from '../../../workflows/backup/keys';
import { chooseTier } from '../../../workflows/backup/routing';
import type { TierName } from '../../../workflows/copy/types';
import { runBackupExecution } from '../../../workflows/local/runner';
import { copied, failWith, fixture, StandInEngine, standInEnvironment } from './stand-in-engine';

const MIB = 1024 * 1024;
const routing = { smallMaxBytes: 4 * MIB, largeMaxBytes: 16 * MIB };

function manual(size: number, key = `data/object-${size}.bin`): Record<string, unknown> {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'source-bucket' }, object: { key, size, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A' } },
      },
    ],
  };
}

function visited(result: Awaited<ReturnType<typeof runBackupExecution>>): string[] {
  return result.timeline.steps.map((s) => s.state);
}

describe('routing by size', () => {
  const cases: [number, TierName][] = [
    [0, 'small'],
    [1, 'small'],
    [routing.smallMaxBytes, 'small'],
    [routing.smallMaxBytes + 1, 'large'],
    [routing.largeMaxBytes, 'large'],
    [routing.largeMaxBytes + 1, 'heavy'],
    [5 * 1024 * MIB * 1024, 'heavy'],
  ];
  test.each(cases)('an object of %d bytes starts on the %s tier, as chooseTier says', async (size, tier) => {
    const engine = new StandInEngine();
    const result = await runBackupExecution(manual(size), standInEnvironment(engine, { routing }));
    expect(result.status).toBe('SUCCEEDED');
    expect(engine.tiers()).toEqual([tier]);
    expect(chooseTier(size, routing)).toBe(tier);
    expect(result.output).toMatchObject({ outcome: 'copied', tier, bytes: size });
  });
});

describe('success output', () => {
  test('is the copy outcome itself (outcome, bytes, checksums, destination, generation, tier)', async () => {
    const engine = new StandInEngine();
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      outcome: 'copied',
      bytes: 1048576,
      durationMs: 1,
      destination: 'gs://backup-bucket/src/source-bucket/photos/red flower c++ ✿.jpg',
      generation: '1700000000000001',
      crc32c: 'AAAAAA==',
      tier: 'small',
    });
  });

  test.each(['already-current', 'stale-event'] as const)('passes the engine outcome %s through unchanged', async (outcome) => {
    const engine = new StandInEngine(async (req, ctx) => ({ ...copied(req, ctx), outcome, bytes: 0 }));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome, bytes: 0, tier: 'small' });
  });
});

describe('input shapes', () => {
  test('an S3 notification record: the form-encoded key is decoded once', async () => {
    const engine = new StandInEngine();
    await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(engine.calls[0]?.req).toEqual({
      bucket: 'source-bucket',
      key: 'photos/red flower c++ ✿.jpg',
      // Tried only if S3 answers 404 for the key (workflows/copy/resolve-key.ts).
      keyAlternative: 'photos/red+flower+c+++✿.jpg',
      versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
      etag: '0123456789abcdef0123456789abcdef',
      sequencer: '0055AED6DCD90281E5',
      size: 1048576,
    });
  });

  test('an EventBridge Object Created event: the key is used as is, "+" stays "+"', async () => {
    const engine = new StandInEngine();
    const result = await runBackupExecution(fixture('eventbridge-object-created-plus-key.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(engine.calls[0]?.req.key).toBe('notes/c++ a+b%20c.txt');
    expect(visited(result)).not.toContain('Describe the object');
  });

  test('a manual input is described first (HeadObject), then copied pinned to what HeadObject saw', async () => {
    const env = standInEnvironment(new StandInEngine());
    const s3 = mockClient(env.s3);
    s3.on(HeadObjectCommand).resolves({ ContentLength: 2048, ETag: '"fedcba9876543210fedcba9876543210"', VersionId: 'v-7' });
    const engine = env.engine as StandInEngine;
    const result = await runBackupExecution(fixture('manual-replay.json'), env);
    expect(result.status).toBe('SUCCEEDED');
    expect(visited(result)).toEqual([
      'Read the deployment settings',
      'Normalize the event',
      'Decide what the event asks for',
      'Describe the object',
      'Choose a copier by size',
      'Copy the object with the small Lambda',
    ]);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'source-bucket', Key: 'photos/red flower c++ ✿.jpg' });
    expect(engine.calls[0]?.req).toEqual({
      bucket: 'source-bucket',
      key: 'photos/red flower c++ ✿.jpg',
      size: 2048,
      etag: 'fedcba9876543210fedcba9876543210',
      versionId: 'v-7',
    });
  });

  test('malformed input fails the execution with InvalidInput naming the problem, and alerts', async () => {
    const engine = new StandInEngine();
    const env = standInEnvironment(engine);
    const result = await runBackupExecution({ bucket: 'source-bucket' }, env);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(result.cause).toMatch(/Manual input needs a non-empty string "key", got missing/);
    expect(engine.calls).toEqual([]);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]?.message).toContain('Key: (unknown: the execution input could not be read)');
    expect(result.alerts[0]?.message).toContain('Error: InvalidInput');
  });

  test('a non-object input (a JSON string) also fails with InvalidInput', async () => {
    const result = await runBackupExecution('photos/a.jpg', standInEnvironment(new StandInEngine()));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(result.cause).toMatch(/must be a JSON object, got string/);
  });
});

describe('benign outcomes', () => {
  test('skipped: a key matching a skip pattern succeeds without copying, naming the pattern', async () => {
    const engine = new StandInEngine();
    const result = await runBackupExecution(manual(10, 'tmp/x.part'), standInEnvironment(engine, { skipPatterns: ['**/*.tmp', 'tmp/**'] }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      outcome: 'skipped',
      bytes: 0,
      durationMs: 0,
      destination: 'gs://backup-bucket/src/source-bucket/tmp/x.part',
      detail: 'The key matches the skip pattern tmp/**',
    });
    expect(engine.calls).toEqual([]);
  });

  test('delete-retained: under the default retain policy a delete keeps the copy', async () => {
    const engine = new StandInEngine();
    const result = await runBackupExecution(fixture('s3-notification-delete.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'delete-retained', bytes: 0, destination: 'gs://backup-bucket/src/source-bucket/photos/old.jpg' });
    expect(engine.calls).toEqual([]);
  });

  test('deleted: under the mirror policy the delete step runs deleteBackup (a delete marker\'s own version id is not passed)', async () => {
    const engine = new StandInEngine();
    const result = await runBackupExecution(fixture('eventbridge-object-deleted.json'), standInEnvironment(engine, { deletePolicy: 'mirror' }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'deleted' });
    expect(engine.calls).toEqual([
      { op: 'delete', tier: 'small', req: { bucket: 'source-bucket', key: 'photos/old.jpg', sequencer: '617f0837b476e463' } },
    ]);
    expect(visited(result)).toContain('Delete the backup copy');
  });

  test('an unknown delete policy is a ConfigurationError alert, not a silent retain', async () => {
    const result = await runBackupExecution(fixture('s3-notification-delete.json'), standInEnvironment(new StandInEngine(), { deletePolicy: 'mirorr' }));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ConfigurationError');
    expect(result.cause).toContain('must be retain or mirror, got mirorr');
    expect(result.alerts).toHaveLength(1);
    // The setting is in the definition a redrive keeps: the alert offers the replay only.
    expect(result.alerts[0]?.message).toContain('A redrive would fail again at once');
    expect(result.alerts[0]?.message).not.toContain('redrive-execution');
  });

  test('source-gone: SourceNotFound from a copier ends SUCCEEDED, with the reason', async () => {
    const engine = new StandInEngine(failWith('SourceNotFound', 'the object or version no longer exists'));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'source-gone', bytes: 0, detail: 'the object or version no longer exists' });
    expect(engine.calls).toHaveLength(1);
  });

  test('source-gone: HeadObject finding nothing ends SUCCEEDED without copying', async () => {
    const engine = new StandInEngine();
    const env = standInEnvironment(engine);
    mockClient(env.s3).on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const result = await runBackupExecution(fixture('manual-replay.json'), env);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'source-gone' });
    expect(engine.calls).toEqual([]);
  });

  test('superseded: SourceChanged from a copier ends SUCCEEDED', async () => {
    const engine = new StandInEngine(failWith('SourceChanged', 'ETag no longer matches'));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'superseded', detail: 'ETag no longer matches' });
  });
});

describe('retries', () => {
  test('TransientError is retried 3 times in place, then fails the execution at that copier: a bigger tier would not fix it', async () => {
    const engine = new StandInEngine(failWith('TransientError', 'GCS answered 503'));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TransientError');
    expect(engine.tiers()).toEqual(['small', 'small', 'small', 'small']);
    const small = result.timeline.steps.find((s) => s.state === 'Copy the object with the small Lambda');
    expect(small?.retries.map((r) => [r.retry, r.error])).toEqual([
      [1, 'TransientError'],
      [2, 'TransientError'],
      [3, 'TransientError'],
    ]);
    expect(small?.status).not.toBe('caught'); // uncaught: a redrive resumes at this copier
    expect(result.timeline.steps.map((s) => s.state)).not.toContain('Escalate from the small Lambda to the large Lambda');
  });

  test('IntegrityError is retried once in place, then fails the execution at that copier (no escalation)', async () => {
    let attempts = 0;
    const engine = new StandInEngine(async (req, ctx) => {
      attempts++;
      if (ctx.tier === 'small') throw Object.assign(new Error('crc32c mismatch'), { name: 'IntegrityError' });
      return copied(req, ctx);
    });
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('IntegrityError');
    expect(engine.tiers()).toEqual(['small', 'small']);
    expect(attempts).toBe(2);
  });

  test('a transient failure that clears on retry succeeds on the same tier', async () => {
    let n = 0;
    const engine = new StandInEngine(async (req, ctx) => {
      if (++n < 3) throw Object.assign(new Error('reset'), { name: 'TransientError' });
      return copied(req, ctx);
    });
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(engine.tiers()).toEqual(['small', 'small', 'small']);
  });

  test('Lambda throttling is retried in place with the overridden pause between attempts, never escalated', async () => {
    let throttles = 6;
    const engine = new StandInEngine(async (req, ctx) => {
      if (throttles-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      return copied(req, ctx);
    });
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine, { retryIntervalMs: 40 }));
    expect(result.status).toBe('SUCCEEDED');
    expect(engine.tiers()).toEqual(Array(7).fill('small'));
    const small = result.timeline.steps.find((s) => s.state === 'Copy the object with the small Lambda')!;
    expect(small.retries.map((r) => r.retry)).toEqual([1, 2, 3, 4, 5, 6]);
    // Each retry waits the override before running again: the attempts are at least 40 ms apart.
    const at = small.retries.map((r) => r.atMs);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(39);
  });

  test('throttling that outlasts the retry budget fails on the tier it was throttled on, it does not escalate', async () => {
    const engine = new StandInEngine(failWith('Lambda.TooManyRequestsException', 'Rate exceeded'));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine, { retryIntervalMs: 1 }));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Lambda.TooManyRequestsException');
    expect(engine.tiers()).toEqual(Array(16).fill('small'));
    expect(visited(result)).not.toContain('Escalate from the small Lambda to the large Lambda');
  });

  test('the ASL keeps its real backoff when no override is given (exponential, full jitter, max delay)', () => {
    // Asserted on the definition: the runner only shortens pauses when a test asks for it.
    const asl = jest.requireActual('../../../asl/backup-object.asl.json') as { States: Record<string, { Retry?: unknown[] }> };
    const retry = asl.States['Copy the object with the small Lambda']?.Retry as Record<string, unknown>[];
    for (const r of retry) {
      expect(r).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
      expect(r['MaxDelaySeconds']).toEqual(expect.any(Number));
    }
  });
});

describe('escalation by real limits', () => {
  test('small runs out of memory, large runs out of time, heavy copies: SUCCEEDED with tier heavy', async () => {
    const engine = new StandInEngine(async (req, ctx) => {
      // A copy that takes 200 ms and stops when its signal aborts, like the engine.
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 200);
        ctx.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(ctx.signal?.reason);
        });
      });
      return copied(req, ctx);
    });
    const env = standInEnvironment(engine, {
      routing,
      tiers: {
        // 3 MiB object: the small tier's model needs runtime + 3 MiB buffer > 97 MB.
        small: { memoryMb: 97 },
        large: { timeBudgetMs: 20 },
      },
    });
    const result = await runBackupExecution(manual(3 * MIB), env);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'copied', tier: 'heavy' });
    // The small tier never called the engine: it was refused by the memory model, as a Lambda is killed.
    expect(engine.tiers()).toEqual(['large', 'heavy']);
    const byState = Object.fromEntries(result.timeline.steps.map((s) => [s.state, s]));
    expect(byState['Copy the object with the small Lambda']).toMatchObject({ status: 'caught', error: 'Runtime.OutOfMemory' });
    expect(byState['Copy the object with the large Lambda']).toMatchObject({ status: 'caught', error: 'States.Timeout' });
    expect(byState['Copy the object with the heavy task']).toMatchObject({ status: 'succeeded' });
  });

  test('TierCapacityExceeded escalates at once, without retrying on the same tier', async () => {
    const engine = new StandInEngine(async (req, ctx) => {
      if (ctx.tier !== 'heavy') throw Object.assign(new Error('too big for this tier'), { name: 'TierCapacityExceeded' });
      return copied(req, ctx);
    });
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('SUCCEEDED');
    expect(engine.tiers()).toEqual(['small', 'large', 'heavy']);
  });
});

describe('permanent errors', () => {
  test.each(['SourceNotReadable', 'ConfigurationError', 'DestinationAccessDenied', 'InvalidDestinationName'])(
    '%s is not caught: no retry, no escalation, and the execution FAILS at the copier with that error (a redrive re-runs it)',
    async (name) => {
      const engine = new StandInEngine(failWith(name, `${name}: a person must act`));
      const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe(name);
      expect(result.cause).toBe(`${name}: a person must act`);
      expect(engine.tiers()).toEqual(['small']);
      expect(result.timeline.steps.at(-1)).toMatchObject({ state: 'Copy the object with the small Lambda', status: 'failed', error: name });
      expect(result.alerts).toHaveLength(1);
    },
  );

  test('the last tier giving up ends the execution FAILED at the heavy task, with the error of that attempt', async () => {
    const engine = new StandInEngine(async (_req, ctx) => {
      throw Object.assign(new Error(`${ctx.tier} is out of room`), { name: 'TierCapacityExceeded' });
    });
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TierCapacityExceeded');
    expect(result.cause).toBe('heavy is out of room');
    expect(result.timeline.steps.at(-1)).toMatchObject({ state: 'Copy the object with the heavy task', status: 'failed' });
  });

  test('the alert says where a redrive resumes, and gives both the redrive and the replay command', async () => {
    const engine = new StandInEngine(failWith('DestinationAccessDenied', 'GCS refused the write'));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine), { executionName: 'exec-2' });
    const message = result.alerts[0]?.message ?? '';
    expect(message).toContain('Status: FAILED at "Copy the object with the small Lambda"');
    expect(message).toContain("aws stepfunctions redrive-execution --execution-arn 'arn:aws:states:local:000000000000:execution:backup-object:exec-2'");
    expect(message).toContain("aws stepfunctions start-execution --state-machine-arn 'arn:aws:states:local:000000000000:stateMachine:backup-object' --input ");
    expect(message).toMatch(/Redrive this execution when .*resumes at "Copy the object with the small Lambda"/);
  });

  test('the alert names bucket, key, version, error, cause, tiers tried, console URL and the replay command', async () => {
    const engine = new StandInEngine(async (_req, ctx) => {
      if (ctx.tier === 'small') throw Object.assign(new Error('no memory'), { name: 'TierCapacityExceeded' });
      throw Object.assign(new Error('Access Denied on GetObject; grant s3:GetObject'), { name: 'SourceNotReadable' });
    });
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine), { executionName: 'exec-1' });
    expect(result.status).toBe('FAILED');
    expect(result.alerts).toHaveLength(1);
    const alert = result.alerts[0]!;
    expect(alert.topicArn).toBe('arn:aws:sns:local:000000000000:backup-alerts');
    expect(alert.subject).toBe('S3 to GCS backup failed');
    const lines = alert.message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Bucket: source-bucket',
        'Key: photos/red flower c++ ✿.jpg',
        'Version: 096fKKXTRTtl3on89fVO.nfljtsv6qko',
        'Error: SourceNotReadable',
        'Cause: Access Denied on GetObject; grant s3:GetObject',
        'Copiers tried:',
        '  - the small Lambda failed with TierCapacityExceeded',
        '  - the large Lambda failed with SourceNotReadable',
        'Execution (console): https://local.console.aws.amazon.com/states/home?region=local#/v2/executions/details/arn:aws:states:local:000000000000:execution:backup-object:exec-1',
        "aws stepfunctions start-execution --state-machine-arn 'arn:aws:states:local:000000000000:stateMachine:backup-object' " +
          `--input '{"bucket":"source-bucket","key":"photos/red flower c++ ✿.jpg","versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko"}'`,
      ]),
    );
  });

  test('the last tier failing after escalations alerts with every tier tried', async () => {
    const engine = new StandInEngine(failWith('TierCapacityExceeded'));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TierCapacityExceeded');
    expect(result.alerts[0]?.message).toContain(
      'Copiers tried:\n  - the small Lambda failed with TierCapacityExceeded\n  - the large Lambda failed with TierCapacityExceeded\n  - the heavy task failed with TierCapacityExceeded',
    );
  });

  test('an unknown error from a copier (a bug) alerts instead of escalating', async () => {
    const engine = new StandInEngine(failWith('TypeError', "Cannot read properties of undefined (reading 'x')"));
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TypeError');
    expect(engine.tiers()).toEqual(['small']);
  });

  test('an object GCS cannot name is refused by the copier (as the engine does), and the alert names it', async () => {
    const engine = new StandInEngine(failWith('InvalidDestinationName'));
    const bad = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(engine));
    expect(bad.status).toBe('FAILED');
    expect(bad.error).toBe('InvalidDestinationName');
    expect(engine.tiers()).toEqual(['small']);
    expect(visited(bad)).toEqual([
      'Read the deployment settings',
      'Normalize the event',
      'Decide what the event asks for',
      'Choose a copier by size',
      'Copy the object with the small Lambda',
    ]);
    expect(bad.alerts[0]?.message).toContain('Key: photos/red flower c++ ✿.jpg');
  });

  /** An EventBridge 'Object Created' event for `key` (EventBridge keys are plain). */
  const eventBridge = (key: string) => {
    const event = fixture('eventbridge-object-created.json') as { detail: { object: Record<string, unknown> } };
    event.detail.object = { ...event.detail.object, key, size: 5 };
    return event;
  };
  // Each input can be parsed, so whatever fails afterwards must be reported with the object's bucket and key.
  test.each([
    ['an S3 notification (form-encoded key)', manual(5, '.well-known/acme-challenge/tok+en%21'), '.well-known/acme-challenge/tok en!', ''],
    ['an EventBridge event', eventBridge('.well-known/acme-challenge/x'), '.well-known/acme-challenge/x', ',"versionId":"uhggCJ2_B6gU2JaXWXebnXFDstO0ID6G"'],
  ])('a key GCS reserves, from %s: the alert names bucket and key and its replay command is ready to run', async (_from, input, key, version) => {
    // The copier checks the name as the real engine does (destinationObjectName), before any byte would move. Only the
    // legacy layout puts a key at the root of the bucket, where GCS reserves that folder.
    const engine = new StandInEngine(async (req, ctx) => {
      destinationObjectName(ctx.target, req.bucket, req.key);
      return copied(req, ctx);
    });
    const target = { bucket: 'backup-bucket', prefix: '', layout: { kind: 'legacy', sourceBucket: 'source-bucket' } } as const;
    const result = await runBackupExecution(input, standInEnvironment(engine, { target }));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidDestinationName');
    expect(result.cause).toMatch(/GCS reserves names under \.well-known\/acme-challenge\//);
    const message = result.alerts[0]?.message ?? '';
    expect(message).toContain('Bucket: source-bucket\n');
    expect(message).toContain(`Key: ${key}\n`);
    expect(message).toContain(`--input '{"bucket":"source-bucket","key":"${key}"${version}}'`);
    expect(message).not.toContain('(unknown');
    expect(message).not.toMatch(/"(BUCKET|KEY)"/);
  });
});

describe('progress callbacks', () => {
  test('onStep sees each state as it completes; onEvent sees the raw log from start to finish', async () => {
    const steps: string[] = [];
    const types: string[] = [];
    const result = await runBackupExecution(fixture('s3-notification-put.json'), standInEnvironment(new StandInEngine()), {
      onStep: (s) => steps.push(`${s.state}: ${s.status}`),
      onEvent: (e) => types.push(e.type),
    });
    expect(steps).toEqual(result.timeline.steps.map((s) => `${s.state}: ${s.status}`));
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
  });
});

describe('clients', () => {
  test('"Describe the object" uses the environment\'s S3 client, once', async () => {
    const env = standInEnvironment(new StandInEngine());
    const s3 = mockClient(env.s3 as S3Client);
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"' });
    await runBackupExecution({ bucket: 'b', key: 'k' }, env);
    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 1);
  });
});

describe('failures end at the state that failed (what AWS redrive resumes at)', () => {
  type State = { Type: string; Catch?: { ErrorEquals: string[]; Next: string }[]; Next?: string };
  const asl = jest.requireActual('../../../asl/backup-object.asl.json') as { States: Record<string, State> };

  test('no Catch routes a final error to a Fail state or an alert: Catch only escalates or ends benignly', () => {
    const catches = Object.values(asl.States).flatMap((state) => state.Catch ?? []);
    const targets = catches.map((c) => [c.ErrorEquals.join(), c.Next, asl.States[c.Next]!.Type]);
    for (const [errors, next, type] of targets) {
      expect(errors).not.toContain('States.ALL');
      expect(type).toBe('Pass');
      // Benign outcomes end SUCCEEDED; everything else a Catch takes escalates to the next tier.
      expect(next).toMatch(errors === 'SourceNotFound' ? /^Report the source as gone$/ : errors === 'SourceChanged' ? /^Report the source as superseded$/ : /^Escalate from /);
    }
    expect(Object.values(asl.States).filter((s) => s.Type === 'Task').map((s) => (s as { Resource?: string }).Resource)).not.toContain('arn:aws:states:::sns:publish');
  });

  test('a failure of "Normalize the event" ends there (InvalidInput), and alerts from outside', async () => {
    const result = await runBackupExecution({ bucket: 'source-bucket' }, standInEnvironment(new StandInEngine()));
    expect(result.status).toBe('FAILED');
    expect(result.timeline.steps.at(-1)).toMatchObject({ state: 'Normalize the event', status: 'failed', error: 'InvalidInput' });
    expect(result.alerts).toHaveLength(1);
  });

  test('a failure of "Describe the object" that is not benign ends there, with its error', async () => {
    const env = standInEnvironment(new StandInEngine());
    mockClient(env.s3).on(HeadObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const result = await runBackupExecution(fixture('manual-replay.json'), env);
    expect(result.status).toBe('FAILED');
    expect(result.timeline.steps.at(-1)).toMatchObject({ state: 'Describe the object', status: 'failed' });
    expect(result.alerts).toHaveLength(1);
  });
});
