import { STAGES } from '../../../../infra/config/stages';
import type { SourceBucketConfig, StageConfig } from '../../../../infra/config/types';
import { StageConfigError, validateSharedDestinations, validateStageConfig } from '../../../../infra/config/validate';

const valid: StageConfig = STAGES.production;

/** The problems a validation reports (empty when it accepts). */
function problemsFrom(validate: () => unknown): string[] {
  try {
    validate();
    return [];
  } catch (err) {
    if (err instanceof StageConfigError) return [...err.problems];
    throw err;
  }
}

/** The problems validateStageConfig reports for `config`. */
const problemsOf = (config: StageConfig): string[] => problemsFrom(() => validateStageConfig(config));

describe('validateStageConfig', () => {
  it.each(Object.keys(STAGES))('expect the shipped %s configuration to be valid', (stage) => {
    expect(problemsOf(STAGES[stage as keyof typeof STAGES])).toEqual([]);
  });

  it('expect defaults for the optional settings', () => {
    const minimal: StageConfig = {
      stage: 'staging',
      sourceBuckets: [{ name: 'my-data' }],
      destination: { bucket: 'my-backup' },
      gcsAuth: { mode: 'service-account-key', secretName: 'gcs-key' },
      thresholds: { smallMaxBytes: 1000, largeMaxBytes: 2000 },
      tiers: valid.tiers,
    };
    expect(validateStageConfig(minimal)).toMatchObject({
      sourceBuckets: [{ name: 'my-data', create: false, prefixes: [] }],
      intake: 'eventbridge',
      executionMode: 'express-first',
      // floor((100 + 20 reserved) / 10 per batch)
      intakeMaxConcurrency: 12,
      destination: { bucket: 'my-backup', prefix: '', layout: { kind: 'by-source-bucket' } },
      skipPatterns: [],
      deletePolicy: 'retain',
      alerts: { maxQueueAgeSeconds: 900, flood: { maxAlerts: 20, windowSeconds: 300 }, maxSourceGonePerHour: 10, maxSupersededPerHour: 100 },
      logRetentionDays: 90,
      lambdaLogLevels: { application: 'INFO', system: 'INFO' },
    });
  });

  it('expect Lambda log levels up to INFO for the application (metric lines have no level) and up to WARN for the system', () => {
    expect(validateStageConfig({ ...valid, lambdaLogLevels: { system: 'WARN' } }).lambdaLogLevels).toEqual({ application: 'INFO', system: 'WARN' });
    expect(problemsOf({ ...valid, lambdaLogLevels: { application: 'WARN' as never, system: 'ERROR' as never } })).toEqual([
      expect.stringMatching(/^lambdaLogLevels\.application: must be TRACE, DEBUG or INFO/),
      expect.stringMatching(/^lambdaLogLevels\.system: must be DEBUG, INFO or WARN/),
    ]);
  });

  it('expect the alert flood limit kept when set, and a zero limit or a window under a minute refused', () => {
    expect(validateStageConfig({ ...valid, alerts: { flood: { maxAlerts: 5, windowSeconds: 600 } } }).alerts.flood).toEqual({ maxAlerts: 5, windowSeconds: 600 });
    expect(() => validateStageConfig({ ...valid, alerts: { flood: { maxAlerts: 0 } } })).toThrow(/alerts\.flood\.maxAlerts/);
    expect(() => validateStageConfig({ ...valid, alerts: { flood: { windowSeconds: 10 } } })).toThrow(/alerts\.flood\.windowSeconds/);
  });

  it('expect the restore drill off by default, with defaults when asked for, and a bad sample or schedule refused', () => {
    expect(validateStageConfig(valid).restoreDrill).toBeUndefined();
    expect(validateStageConfig({ ...valid, restoreDrill: {} }).restoreDrill).toEqual({ sample: 20, schedule: 'rate(7 days)' });
    expect(() => validateStageConfig({ ...valid, restoreDrill: { sample: 0 } })).toThrow(/restoreDrill\.sample/);
    expect(() => validateStageConfig({ ...valid, restoreDrill: { schedule: 'weekly' } })).toThrow(/restoreDrill\.schedule/);
  });

  it('expect reserved concurrency, the heavy cap and the intake pacing sized from the copiers, with defaults', () => {
    const bare = { ...valid, intakeMaxConcurrency: undefined, tiers: { small: { memoryMiB: 512, timeoutSeconds: 60 }, large: { memoryMiB: 1024, timeoutSeconds: 900 }, heavy: { ...valid.tiers.heavy, maxRunning: undefined } } };
    expect(validateStageConfig(bare)).toMatchObject({
      tiers: { small: { reservedConcurrency: 20 }, large: { reservedConcurrency: 10 }, heavy: { maxRunning: 10 } },
      intakeMaxConcurrency: 3,
    });
    const tiers = { ...valid.tiers, small: { ...valid.tiers.small, reservedConcurrency: 0 }, large: { ...valid.tiers.large, reservedConcurrency: 901 } };
    expect(problemsOf({ ...valid, tiers: { ...tiers, heavy: { ...valid.tiers.heavy, maxRunning: 0 } } })).toEqual(
      expect.arrayContaining([
        'tiers.small.reservedConcurrency: must be an integer from 1 to 900, got 0',
        'tiers.large.reservedConcurrency: must be an integer from 1 to 900, got 901',
        'tiers.heavy.maxRunning: must be an integer from 1 to 1000, got 0',
      ]),
    );
    const small = { ...valid.tiers.small, reservedConcurrency: 10 };
    const large = { ...valid.tiers.large, reservedConcurrency: 11 };
    expect(problemsOf({ ...valid, intakeMaxConcurrency: 3, tiers: { ...valid.tiers, small, large } })).toEqual([]);
    expect(problemsOf({ ...valid, intakeMaxConcurrency: 4, tiers: { ...valid.tiers, small, large } })).toEqual([
      expect.stringMatching(/^intakeMaxConcurrency: 4 starters x 10 executions .* = 21\); at most 3$/),
    ]);
  });

  it('expect the bound on executions in flight to default to what the copiers run at once, and to leave each starter a share', () => {
    // production: small 100 + large 20 reserved, heavy 10 running.
    expect(validateStageConfig(valid).maxExecutionsInFlight).toBe(130);
    expect(validateStageConfig({ ...valid, maxExecutionsInFlight: 40 }).maxExecutionsInFlight).toBe(40);
    expect(problemsOf({ ...valid, maxExecutionsInFlight: 1001 })).toEqual(['maxExecutionsInFlight: must be an integer from 2 to 1000, got 1001']);
    expect(problemsOf({ ...valid, intakeMaxConcurrency: 10, maxExecutionsInFlight: 9 })).toEqual([
      expect.stringMatching(/^maxExecutionsInFlight: 9 is below intakeMaxConcurrency \(10\)/),
    ]);
  });

  it('expect every problem listed at once, with the stage and the field path', () => {
    const config = { ...valid, sourceBuckets: [{ name: 'Bad_Bucket' }], destination: { bucket: 'google-backup' } };
    const error = (() => {
      try {
        validateStageConfig(config);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(StageConfigError);
    expect(error!.message).toContain('Invalid configuration for stage "production"');
    expect(error!.message).toContain('sourceBuckets[0].name: "Bad_Bucket" is not a valid S3 bucket name');
    expect(error!.message).toContain('destination.bucket: "google-backup" is not a valid GCS bucket name');
  });

  it('expect the source-gone and superseded alarm rates to be whole numbers of executions per hour', () => {
    expect(problemsOf({ ...valid, alerts: { maxSourceGonePerHour: -1, maxSupersededPerHour: 1.5 } })).toEqual([
      'alerts.maxSourceGonePerHour: must be an integer from 0 to 1000000, got -1',
      'alerts.maxSupersededPerHour: must be an integer from 0 to 1000000, got 1.5',
    ]);
    expect(validateStageConfig({ ...valid, alerts: { maxSourceGonePerHour: 0, maxSupersededPerHour: 5000 } }).alerts).toMatchObject({
      maxSourceGonePerHour: 0,
      maxSupersededPerHour: 5000,
    });
  });

  it('expect at least one source bucket', () => {
    expect(problemsOf({ ...valid, sourceBuckets: [] })).toEqual(['sourceBuckets: must list at least one bucket']);
  });

  it('expect a bucket the stack creates to leave room in its name for -<account>-<region> (63 characters in all)', () => {
    const created = (name: string, env: Partial<StageConfig> = {}) => problemsOf({ ...valid, ...env, sourceBuckets: [{ name, create: true }] });
    expect(created('b'.repeat(35))).toEqual([]);
    expect(created('b'.repeat(36))).toEqual([
      expect.stringMatching(/^sourceBuckets\[0\]\.name: is 36 characters; a bucket the stack creates is named <name>-<account>-<region>/),
    ]);
    // A stage that pins its account and region is measured exactly: 40 + 1 + 12 + 1 + 9 = 63.
    expect(created('b'.repeat(40), { account: '111122223333', region: 'eu-west-1' })).toEqual([]);
    expect(created('b'.repeat(41), { account: '111122223333', region: 'eu-west-1' })).toHaveLength(1);
    // An existing bucket keeps its name as it is.
    expect(problemsOf({ ...valid, sourceBuckets: [{ name: 'b'.repeat(63) }] })).toEqual([]);
  });

  it('expect a bucket listed twice to be refused', () => {
    expect(problemsOf({ ...valid, sourceBuckets: [{ name: 'a-bucket' }, { name: 'a-bucket' }] })).toEqual([
      expect.stringMatching(/^sourceBuckets\[1\]\.name: "a-bucket" is listed twice/),
    ]);
  });

  it('expect wildcard and overlapping prefixes to be refused', () => {
    expect(problemsOf({ ...valid, sourceBuckets: [{ name: 'a-bucket', prefixes: ['logs/*'] }] })).toEqual([
      expect.stringMatching(/^sourceBuckets\[0\]\.prefixes\[0\]: must not contain '\*' or '\?'/),
    ]);
    expect(problemsOf({ ...valid, sourceBuckets: [{ name: 'a-bucket', prefixes: ['data/', 'data/2024/'] }] })).toEqual([
      expect.stringMatching(/"data\/2024\/" is inside "data\/"/),
    ]);
  });

  it('expect a malformed KMS key ARN to be refused', () => {
    expect(problemsOf({ ...valid, sourceBuckets: [{ name: 'a-bucket', kmsKeyArn: 'alias/aws/s3' }] })).toEqual([
      expect.stringMatching(/^sourceBuckets\[0\]\.kmsKeyArn: must be a KMS key ARN/),
    ]);
  });

  it('expect GCS bucket, prefix and storage class rules to be enforced', () => {
    expect(problemsOf({ ...valid, destination: { bucket: 'ok-bucket', prefix: '/aws/', storageClass: 'GLACIER' as never } })).toEqual([
      expect.stringMatching(/^destination\.prefix: must not start with '\/'/),
      expect.stringMatching(/^destination\.storageClass: must be one of STANDARD, NEARLINE, COLDLINE, ARCHIVE/),
    ]);
  });

  it('expect the auth mode to name a valid parameter or secret', () => {
    expect(problemsOf({ ...valid, gcsAuth: { mode: 'workload-identity', configParameterName: 'has spaces' } })).toEqual([
      expect.stringMatching(/^gcsAuth\.configParameterName: is not a valid SSM parameter name/),
    ]);
    expect(problemsOf({ ...valid, gcsAuth: { mode: 'api-key' } as never })).toEqual([expect.stringMatching(/^gcsAuth\.mode: must be/)]);
  });

  it('expect the small threshold below the large one', () => {
    expect(problemsOf({ ...valid, thresholds: { smallMaxBytes: 5000, largeMaxBytes: 5000 } })).toEqual([
      'thresholds: smallMaxBytes (5000) must be below largeMaxBytes (5000)',
    ]);
  });

  it('expect Lambda limits on memory and timeout, and the large tier not smaller than the small one', () => {
    const tiers = { ...valid.tiers, small: { memoryMiB: 64, timeoutSeconds: 1000, reservedConcurrency: 100 }, large: { memoryMiB: 128, timeoutSeconds: 900 } };
    expect(problemsOf({ ...valid, tiers })).toEqual([
      'tiers.small.memoryMiB: must be an integer from 128 to 10240, got 64',
      'tiers.small.timeoutSeconds: must be an integer from 1 to 900, got 1000',
    ]);
    const smallerLarge = { ...valid.tiers, small: { memoryMiB: 2048, timeoutSeconds: 60, reservedConcurrency: 100 }, large: { memoryMiB: 1024, timeoutSeconds: 900 } };
    expect(problemsOf({ ...valid, tiers: smallerLarge })).toEqual([expect.stringMatching(/^tiers\.large\.memoryMiB: must be at least/)]);
  });

  it('expect only Fargate CPU/memory combinations and a deadline before the state timeout', () => {
    expect(problemsOf({ ...valid, tiers: { ...valid.tiers, heavy: { cpu: 1024, memoryMiB: 1024, timeoutSeconds: 3600 } } })).toEqual([
      'tiers.heavy.memoryMiB: with cpu 1024 Fargate allows 2048-8192 MiB in steps of 1024, got 1024',
    ]);
    expect(problemsOf({ ...valid, tiers: { ...valid.tiers, heavy: { cpu: 3000, memoryMiB: 8192, timeoutSeconds: 3600 } } })).toEqual([
      expect.stringMatching(/^tiers\.heavy\.cpu: must be one of 256, 512/),
    ]);
    expect(problemsOf({ ...valid, tiers: { ...valid.tiers, heavy: { cpu: 1024, memoryMiB: 4096, timeoutSeconds: 43200 } } })).toEqual([
      'tiers.heavy.timeoutSeconds: must be an integer from 60 to 42000, got 43200',
    ]);
  });

  it('expect skip patterns to compile, with the reason when they do not', () => {
    expect(problemsOf({ ...valid, skipPatterns: ['!keep/**'] })).toEqual([expect.stringMatching(/^skipPatterns: .*negated patterns are not supported/)]);
  });

  it('expect an execution mode of express-first or standard-only', () => {
    expect(validateStageConfig({ ...valid, executionMode: 'standard-only' }).executionMode).toBe('standard-only');
    expect(problemsOf({ ...valid, executionMode: 'express' as never })).toEqual([expect.stringMatching(/^executionMode: must be 'express-first' or 'standard-only'/)]);
  });

  it('expect a known delete policy, a plausible e-mail and a CloudWatch retention value', () => {
    expect(
      problemsOf({ ...valid, deletePolicy: 'purge' as never, alerts: { email: 'not-an-email' }, logRetentionDays: 100 }),
    ).toEqual([
      expect.stringMatching(/^deletePolicy: must be 'retain' or 'mirror'/),
      expect.stringMatching(/^alerts\.email: is not an e-mail address/),
      expect.stringMatching(/^logRetentionDays: must be a CloudWatch Logs retention/),
    ]);
  });

  it('expect the Slack webhook accepted by SSM parameter name or by secret name, and kept for the stack', () => {
    expect(validateStageConfig({ ...valid, alerts: { slackWebhookParameterName: '/backup/slack' } }).alerts.slackWebhookParameterName).toBe('/backup/slack');
    expect(validateStageConfig({ ...valid, alerts: { slackWebhookSecretName: 'backup/slack' } }).alerts.slackWebhookSecretName).toBe('backup/slack');
  });

  it('expect an invalid Slack webhook name, or both places at once, to be refused', () => {
    expect(problemsOf({ ...valid, alerts: { slackWebhookParameterName: '/backup/slack hook' } })).toEqual([
      expect.stringMatching(/^alerts\.slackWebhookParameterName: is not a valid SSM parameter name/),
    ]);
    expect(problemsOf({ ...valid, alerts: { slackWebhookSecretName: 'backup/slack#1' } })).toEqual([
      expect.stringMatching(/^alerts\.slackWebhookSecretName: is not a valid Secrets Manager secret name/),
    ]);
    expect(problemsOf({ ...valid, alerts: { slackWebhookParameterName: '/backup/slack', slackWebhookSecretName: 'backup/slack' } })).toEqual([
      expect.stringMatching(/^alerts: set slackWebhookParameterName \(SSM\) or slackWebhookSecretName \(Secrets Manager\), not both/),
    ]);
  });

  it("expect a tier whose memory cannot hold the engine's buffers for its biggest object to be refused", () => {
    // 96 MiB runtime + (32 fetched + 1 at the pacer + 5 under two 16 MiB upload chunks) parts of 8 MiB = 400 MiB > 256 MiB.
    const tiers = { ...valid.tiers, large: { memoryMiB: 256, timeoutSeconds: 900, concurrency: 32 } };
    expect(problemsOf({ ...valid, tiers: { ...tiers, small: { memoryMiB: 256, timeoutSeconds: 60, reservedConcurrency: 100 } } })).toEqual([
      expect.stringMatching(/^tiers\.large: copying objects up to \d+ bytes needs about 400 MiB .* but memoryMiB is 256/),
    ]);
    expect(problemsOf({ ...valid, tiers: { ...valid.tiers, heavy: { cpu: 256, memoryMiB: 512, timeoutSeconds: 600, concurrency: 64, partSizeMiB: 16 } } })).toEqual([
      expect.stringMatching(/^tiers\.heavy: copying objects up to any size needs about/),
    ]);
  });
});

describe('destination names: no two sources may map to one name', () => {
  const two = (a: Partial<SourceBucketConfig>, b: Partial<SourceBucketConfig>, destination: Partial<StageConfig['destination']> = {}): StageConfig => ({
    ...valid,
    sourceBuckets: [
      { name: 'bucket-a', ...a },
      { name: 'bucket-b', ...b },
    ],
    destination: { ...valid.destination, ...destination },
  });

  it('expect the default layout to name each bucket by itself, and pass it to the copiers', () => {
    expect(problemsOf(two({}, {}))).toEqual([]);
    expect(validateStageConfig(two({}, {})).destination.layout).toEqual({ kind: 'by-source-bucket' });
  });

  it("expect a bucket's own destination prefix in the copiers' layout", () => {
    expect(validateStageConfig(two({ destinationPrefix: 'billing/' }, {})).destination.layout).toEqual({ kind: 'by-source-bucket', bucketPrefixes: { 'bucket-a': 'billing/' } });
  });

  it('expect equal per-bucket prefixes refused, naming both buckets', () => {
    expect(problemsOf(two({ destinationPrefix: 'shared/' }, { destinationPrefix: 'shared/' }))).toEqual([
      'destination: source bucket "bucket-a" and source bucket "bucket-b" both write under gs://example-company-aws-backup/aws/shared/: the same key in both would overwrite one backup with the other',
    ]);
  });

  it('expect a per-bucket prefix that is a prefix of another refused, naming both buckets and a colliding pair of keys', () => {
    expect(problemsOf(two({ destinationPrefix: 'data' }, { destinationPrefix: 'data/b/' }))).toEqual([
      'destination: source bucket "bucket-a" writes under gs://example-company-aws-backup/aws/data, which contains source bucket "bucket-b"\'s ' +
        'gs://example-company-aws-backup/aws/data/b/: key "/b/k" of "bucket-a" and key "k" of "bucket-b" would share a name',
    ]);
  });

  it("expect a per-bucket prefix equal to another bucket's default folder refused", () => {
    expect(problemsOf(two({ destinationPrefix: 'bucket-b/' }, {}))).toEqual([expect.stringMatching(/^destination: source bucket "bucket-a" and source bucket "bucket-b" both write under gs:\/\/.*\/aws\/bucket-b\//)]);
  });

  it('expect prefixes that only share a beginning accepted (their names differ before either prefix ends)', () => {
    expect(problemsOf(two({ destinationPrefix: 'data-a/' }, { destinationPrefix: 'data-b/' }))).toEqual([]);
  });

  it('expect the legacy layout accepted with one source bucket, for that bucket only', () => {
    const legacy = { ...valid, sourceBuckets: [{ name: 'bucket-a' }], destination: { ...valid.destination, layout: 'legacy' as const } };
    expect(validateStageConfig(legacy).destination.layout).toEqual({ kind: 'legacy', sourceBucket: 'bucket-a' });
  });

  it('expect the legacy layout with more than one source bucket refused, naming them', () => {
    expect(problemsOf(two({}, {}, { layout: 'legacy' }))).toEqual([
      'destination.layout: \'legacy\' names every object <prefix><key>, so "bucket-a" and "bucket-b" would overwrite each other\'s backups of the same key; ' +
        "it is allowed only with one source bucket (use 'by-source-bucket')",
    ]);
  });

  it('expect a per-bucket prefix refused with the legacy layout, and malformed ones refused', () => {
    const legacy = { ...valid, sourceBuckets: [{ name: 'bucket-a', destinationPrefix: 'a/' }], destination: { ...valid.destination, layout: 'legacy' as const } };
    expect(problemsOf(legacy)).toEqual([expect.stringMatching(/^sourceBuckets\[0\]\.destinationPrefix: has no effect with destination\.layout 'legacy'/)]);
    expect(problemsOf(two({ destinationPrefix: '' }, { destinationPrefix: '/b/' }))).toEqual([
      expect.stringMatching(/^sourceBuckets\[0\]\.destinationPrefix: must be a non-empty prefix/),
      expect.stringMatching(/^sourceBuckets\[1\]\.destinationPrefix: must not start with '\/'/),
    ]);
    expect(problemsOf(two({}, {}, { layout: 'flat' as never }))).toEqual([expect.stringMatching(/^destination\.layout: must be one of by-source-bucket, legacy, got "flat"/)]);
  });
});

describe('validateSharedDestinations', () => {
  const stage = (name: 'staging' | 'production', sourceBuckets: SourceBucketConfig[], destination: Partial<StageConfig['destination']> = {}): StageConfig => ({
    ...valid,
    stage: name,
    sourceBuckets,
    destination: { bucket: 'shared-backup', prefix: 'aws/', ...destination },
  });
  const problems = (stages: Record<string, StageConfig>): string[] => problemsFrom(() => validateSharedDestinations(stages));

  it('expect the shipped stages not to collide', () => {
    expect(problems(STAGES)).toEqual([]);
  });

  it('expect two stages with different buckets on one destination prefix accepted (each bucket has its folder)', () => {
    expect(problems({ staging: stage('staging', [{ name: 'bucket-a' }]), production: stage('production', [{ name: 'bucket-b' }]) })).toEqual([]);
  });

  it('expect two stages backing up the same bucket into the same names refused, naming both stages', () => {
    expect(problems({ staging: stage('staging', [{ name: 'bucket-a' }]), production: stage('production', [{ name: 'bucket-a' }]) })).toEqual([
      'destination: stage "staging" source bucket "bucket-a" and stage "production" source bucket "bucket-a" both write under gs://shared-backup/aws/bucket-a/: ' +
        'the same key in both would overwrite one backup with the other',
    ]);
  });

  it("expect a legacy stage whose names contain another stage's bucket folder refused", () => {
    const found = problems({
      staging: stage('staging', [{ name: 'bucket-a' }], { layout: 'legacy' }),
      production: stage('production', [{ name: 'bucket-b' }]),
    });
    expect(found).toEqual([expect.stringContaining('stage "staging" source bucket "bucket-a" writes under gs://shared-backup/aws/, which contains stage "production" source bucket "bucket-b"')]);
  });

  it('expect stages on different destination buckets never compared', () => {
    expect(problems({ staging: stage('staging', [{ name: 'bucket-a' }], { bucket: 'other-backup' }), production: stage('production', [{ name: 'bucket-a' }]) })).toEqual([]);
  });
});
