import { Storage, type StorageOptions } from '@google-cloud/storage';
import { startGcsEmulator, type GcsEmulator, type StartGcsEmulatorOptions } from '../../workflows/local/gcs-emulator';

/**
 * Client retries fast enough for tests (~1 s apart instead of 2-9 s). 1 s is the floor: File.save's retry loop
 * (async-retry) rejects a maxRetryDelay below its 1 s minimum timeout.
 */
export const FAST_RETRY_OPTIONS = { retryDelayMultiplier: 1.1, maxRetryDelay: 1, totalTimeout: 30, maxRetries: 3 } as const;

/**
 * A Storage client for the emulator, with fast retries. Make a new one per test: save() without a precondition turns
 * autoRetry off on its Storage object for good (client bug recorded in FACTS.md).
 */
export function storageFor(emulator: Pick<GcsEmulator, 'url'>, options: StorageOptions = {}): Storage {
  return new Storage({ apiEndpoint: emulator.url, projectId: 'test-project', ...options, retryOptions: { ...FAST_RETRY_OPTIONS, ...options.retryOptions } });
}

export interface TestGcs {
  emulator: GcsEmulator;
  storage: Storage;
}

/** Starts an emulator on 127.0.0.1 (random port) with the given buckets and a client for it; close with `emulator.close()`. */
export async function startTestGcs(opts: StartGcsEmulatorOptions & { buckets?: string[] } = {}): Promise<TestGcs> {
  const { buckets = [], ...emulatorOptions } = opts;
  const emulator = await startGcsEmulator(emulatorOptions);
  for (const name of buckets) emulator.createBucket(name);
  return { emulator, storage: storageFor(emulator) };
}
