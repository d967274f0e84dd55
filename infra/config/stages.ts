import type { StageConfig, StageName } from './types';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * The deployments. Edit these values (names only — never secrets) and run `npx cdk synth -c stage=<name>`;
 * validateStageConfig explains anything it refuses. Bucket names below are examples: replace them with yours.
 */
export const STAGES: Record<StageName, StageConfig> = {
  staging: {
    stage: 'staging',
    // A bucket created by the stack, so staging can be exercised end to end without touching real data. Its name gets
    // the account and region appended (example-s3gcs-staging-source-<account>-<region>): bucket names are global.
    sourceBuckets: [{ name: 'example-s3gcs-staging-source', create: true }],
    intake: 'eventbridge',
    intakeMaxConcurrency: 2,
    destination: { bucket: 'example-s3-gcs-backup-staging', prefix: 'staging/', storageClass: 'STANDARD' },
    gcsAuth: { mode: 'workload-identity', configParameterName: '/s3-gcs-backup/staging/gcp-wif-config' },
    thresholds: { smallMaxBytes: 64 * MiB, largeMaxBytes: 4 * GiB },
    tiers: {
      small: { memoryMiB: 512, timeoutSeconds: 120, reservedConcurrency: 20 },
      large: { memoryMiB: 3008, timeoutSeconds: 900, concurrency: 8, reservedConcurrency: 5 },
      heavy: { cpu: 1024, memoryMiB: 4096, timeoutSeconds: 4 * 3600, concurrency: 16, maxRunning: 4 },
    },
    skipPatterns: ['**/*.tmp', '**/_temporary/**'],
    deletePolicy: 'retain',
    alerts: { maxQueueAgeSeconds: 900 },
    logRetentionDays: 30,
  },
  production: {
    stage: 'production',
    sourceBuckets: [
      { name: 'example-company-invoices' },
      { name: 'example-company-media', prefixes: ['published/', 'originals/'] },
    ],
    intake: 'eventbridge',
    intakeMaxConcurrency: 10,
    // Two buckets, one destination: each bucket's copies are named aws/<bucket>/<key> (the default by-source-bucket
    // layout), so the same key in both never shares a name. Validation refuses layouts where they could.
    destination: { bucket: 'example-company-aws-backup', prefix: 'aws/', storageClass: 'NEARLINE' },
    gcsAuth: { mode: 'workload-identity', configParameterName: '/s3-gcs-backup/production/gcp-wif-config' },
    thresholds: { smallMaxBytes: 64 * MiB, largeMaxBytes: 16 * GiB },
    // Memory sized from the bench's peak RSS per tier (docs/benchmarks.md, "Peak RSS per tier"; 2026-12-04): at least
    // 2 × the highest peak measured — the margin covers what the local bench does not have (TLS buffers, the Lambda
    // runtime instead of tsx, up to 64 MB of socket buffers awaiting V8's external-memory collection) — and, Lambda
    // CPU being memory / 1,769 of a vCPU, enough CPU to hash and move bytes faster than the ~85 MB/s cloud rate.
    //   small: peak 187–225 MiB at 64 MiB → ≥ 450; 512 MB = 0.29 vCPU ≈ 140 MB/s at 2.1 CPU-s per GiB.
    //   large: peak 249–253 MiB (8 MiB × 8) → ≥ 506; 1769 MB = one whole vCPU, all a single-threaded copy can use.
    //   heavy: peak 451–459 MiB (16 MiB × 16) → ≥ 918; 4096 MiB is Fargate's least for 2 vCPU.
    tiers: {
      small: { memoryMiB: 512, timeoutSeconds: 300, reservedConcurrency: 100 },
      large: { memoryMiB: 1769, timeoutSeconds: 900, concurrency: 8, reservedConcurrency: 20 },
      heavy: { cpu: 2048, memoryMiB: 4096, timeoutSeconds: 11 * 3600, concurrency: 16, partSizeMiB: 16, maxRunning: 10 },
    },
    skipPatterns: ['**/*.tmp', '**/_temporary/**'],
    deletePolicy: 'retain',
    alerts: { email: 'backup-alerts@example.com', maxQueueAgeSeconds: 900 },
    logRetentionDays: 365,
    // START/REPORT of every invocation are the bulk of a successful copy's Lambda logs; failures still log (docs/deploy.md).
    lambdaLogLevels: { application: 'INFO', system: 'WARN' },
  },
};
