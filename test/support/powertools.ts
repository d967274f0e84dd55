/**
 * What the handler tests share: the environment Powertools reads when a handler module loads, and the EMF lines
 * Powertools Metrics writes straight to stdout (its own Console, not the global one; in AWS the log driver ships them).
 */

/** Silent logs, metrics on, the stack's namespace and service name, a region for the SDK clients built at load. */
export const POWERTOOLS_TEST_ENV = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_METRICS_NAMESPACE: 'S3GcsBackup',
  POWERTOOLS_SERVICE_NAME: 's3-gcs-backup',
  AWS_REGION: 'us-east-1',
} as const;

/** The environment as it was; process.env gets it back after the file's tests (handler tests replace it per load). */
export function restoreEnvAfterAll(): NodeJS.ProcessEnv {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });
  return saved;
}

export interface CapturedStdout {
  /** Every EMF line written during the current test, parsed. */
  emfLines(): Record<string, unknown>[];
  /** Everything written during the current test. */
  text(): string;
}

/** Swallows stdout during each test of the file and keeps what was written. Call at the top level of a test file. */
export function captureStdout(): CapturedStdout {
  let spy: jest.SpiedFunction<typeof process.stdout.write>;
  beforeEach(() => {
    spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => spy.mockRestore());
  const text = (): string => spy.mock.calls.map(([chunk]) => String(chunk)).join('');
  return {
    text,
    emfLines: () =>
      text()
        .split('\n')
        .filter((line) => line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
