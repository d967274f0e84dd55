import type { CopyOutcome } from '../../workflows/copy/types';

type MetricsModule = typeof import('../../workflows/metrics');

const savedEnv = { ...process.env };
const copied: CopyOutcome = { outcome: 'copied', bytes: 5_000_000, durationMs: 1_250, destination: 'gs://backup/k', tier: 'large' };
let stdout: jest.SpiedFunction<typeof process.stdout.write>;

/** The module afresh, built under `env` (its Metrics instance reads the environment once, when first used). */
function load(env: Record<string, string> = {}): MetricsModule {
  const { POWERTOOLS_METRICS_NAMESPACE: _namespace, POWERTOOLS_SERVICE_NAME: _service, ...rest } = savedEnv;
  process.env = { ...rest, POWERTOOLS_METRICS_DISABLED: 'false', ...env };
  let loaded: MetricsModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per test needs require
    loaded = require('../../workflows/metrics') as MetricsModule;
  });
  return loaded!;
}

/** Every JSON line the Metrics instance wrote to stdout. */
function emfLines(): Record<string, unknown>[] {
  return stdout.mock.calls
    .map(([chunk]) => String(chunk))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(() => {
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
});
afterAll(() => {
  process.env = savedEnv;
});

describe('publishCopyMetrics', () => {
  it('expect one EMF line with BytesCopied (Bytes) and CopyDuration (Milliseconds) under the service and tier dimensions', () => {
    const { publishCopyMetrics } = load({ POWERTOOLS_METRICS_NAMESPACE: 'S3GcsBackup', POWERTOOLS_SERVICE_NAME: 's3-gcs-backup' });
    expect(publishCopyMetrics(copied, 'large')).toBe(true);
    const lines = emfLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'S3GcsBackup',
            Dimensions: [['service', 'tier']],
            Metrics: [
              { Name: 'BytesCopied', Unit: 'Bytes' },
              { Name: 'CopyDuration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      service: 's3-gcs-backup',
      tier: 'large',
      BytesCopied: 5_000_000,
      CopyDuration: 1_250,
    });
  });

  it('expect the namespace and service from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME', () => {
    const { publishCopyMetrics } = load({ POWERTOOLS_METRICS_NAMESPACE: 'OtherNamespace', POWERTOOLS_SERVICE_NAME: 'other-service' });
    publishCopyMetrics(copied, 'small');
    const [line] = emfLines();
    expect(line).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'OtherNamespace' }] }, service: 'other-service', tier: 'small' });
  });

  it('expect the stack\'s namespace and service name when the environment sets none (local runs)', () => {
    const { publishCopyMetrics, DEFAULT_METRICS_NAMESPACE } = load();
    publishCopyMetrics(copied, 'heavy');
    expect(DEFAULT_METRICS_NAMESPACE).toBe('S3GcsBackup');
    expect(emfLines()[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'S3GcsBackup' }] }, service: 's3-gcs-backup' });
  });

  it.each(['already-current', 'stale-event', 'superseded', 'source-gone', 'skipped', 'delete-retained', 'deleted'] as const)(
    'expect no metric for %s: nothing was copied',
    (outcome) => {
      const { publishCopyMetrics } = load();
      expect(publishCopyMetrics({ ...copied, outcome, bytes: 0 }, 'small')).toBe(false);
      expect(stdout).not.toHaveBeenCalled();
    },
  );

  it('expect each line to carry only its own copy\'s tier (dimensions are cleared after each publish)', () => {
    const { publishCopyMetrics } = load();
    publishCopyMetrics(copied, 'small');
    publishCopyMetrics({ ...copied, bytes: 7 }, 'heavy');
    const lines = emfLines();
    expect(lines.map((l) => [l['tier'], l['BytesCopied']])).toEqual([
      ['small', 5_000_000],
      ['heavy', 7],
    ]);
    expect(lines.map((l) => (l['_aws'] as { CloudWatchMetrics: { Dimensions: unknown }[] }).CloudWatchMetrics[0]!.Dimensions)).toEqual([
      [['service', 'tier']],
      [['service', 'tier']],
    ]);
  });

  it('expect a zero-byte object that was copied to count (its duration is real)', () => {
    const { publishCopyMetrics } = load();
    publishCopyMetrics({ ...copied, bytes: 0, durationMs: 40 }, 'small');
    expect(emfLines()[0]).toMatchObject({ BytesCopied: 0, CopyDuration: 40 });
  });
});
