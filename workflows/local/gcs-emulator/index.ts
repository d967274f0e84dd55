import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileContentStore, memoryContentStore } from './content';
import type { EmulatorState } from './context';
import { FaultInjector } from './faults';
import { BucketIam } from './iam';
import { createRequestListener } from './router';
import { openPersistentStore } from './persistence';
import { parseSoftDeletePolicy } from './soft-delete';
import { ObjectStore, type BucketSettings } from './store';

export { FaultInjector } from './faults';
export { BucketIam } from './iam';
export type { FaultInstruction, FiredFault, RetryTest } from './faults';
export type { BucketSettings } from './store';

export interface StartGcsEmulatorOptions {
  /** 0 (default) = a random free port */
  port?: number;
  /** default '127.0.0.1' */
  host?: string;
  /** keep object bytes in files here instead of memory (a benchmark's 1 GiB then costs no heap) */
  dataDir?: string;
  /**
   * With dataDir: keep buckets and objects there across restarts (./persistence.ts), reloading what an earlier run
   * left (Default: false, the files are scratch space removed on close).
   */
  persist?: boolean;
}

export interface GcsEmulator {
  /** 'http://127.0.0.1:PORT' — the value for STORAGE_EMULATOR_HOST and for new Storage({ apiEndpoint }) */
  readonly url: string;
  readonly port: number;
  readonly faults: FaultInjector;
  /** Requests being handled now, stalled ones included (see EmulatorState.inFlight). */
  readonly requestsInFlight: number;
  /** Creates the bucket (with Object Versioning when asked); a bucket that already exists is kept as it is. */
  createBucket(name: string, settings?: BucketSettings): void;
  /** Sets the bucket's soft delete retention (0 = off), as a bucket patch of softDeletePolicy would (soft-delete.ts). */
  setSoftDeletePolicy(bucket: string, retentionDurationSeconds: number): void;
  /** What buckets.testIamPermissions answers per bucket (iam.ts). */
  readonly iam: BucketIam;
  close(): Promise<void>;
}

/** A Google Cloud Storage JSON API emulator over real HTTP, for @google-cloud/storage and rclone. */
export async function startGcsEmulator(opts: StartGcsEmulatorOptions = {}): Promise<GcsEmulator> {
  if (opts.persist && !opts.dataDir) throw new Error('startGcsEmulator: persist needs a dataDir');
  const persistent = opts.persist && opts.dataDir ? openPersistentStore(opts.dataDir) : undefined;
  const state: EmulatorState = {
    store: persistent?.store ?? new ObjectStore(),
    contents: persistent?.contents ?? (opts.dataDir ? fileContentStore(opts.dataDir) : memoryContentStore()),
    faults: new FaultInjector(),
    iam: new BucketIam(),
    sessions: new Map(),
    inFlight: 0,
  };
  // Uploads of 1 GiB may take longer than Node's default 5-minute request timeout.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 5_000 }, createRequestListener(state));
  const host = opts.host ?? '127.0.0.1';
  // events.once rejects on 'error' (EADDRINUSE…) before 'listening'.
  server.listen(opts.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    faults: state.faults,
    get requestsInFlight() {
      return state.inFlight;
    },
    createBucket: (name, settings) => void state.store.ensureBucket(name, settings),
    setSoftDeletePolicy: (bucket, seconds) => {
      const policy = parseSoftDeletePolicy({ retentionDurationSeconds: seconds }, new Date());
      state.store.bucket(bucket).softDeletePolicy = policy?.retentionDurationSeconds ? policy : undefined;
    },
    iam: state.iam,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      for (const session of state.sessions.values()) await session.writer.abort();
      state.sessions.clear();
      if (persistent) state.store.forgetAll();
      else state.store.disposeAll();
    },
  };
}
