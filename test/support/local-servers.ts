import type { Storage } from '@google-cloud/storage';
import type { GcsEmulator } from '../../workflows/local/gcs-emulator';
import type { S3ObjectEvent } from '../../workflows/local/s3-server';
import { startTestGcs } from './gcs-emulator';
import { startS3Fixture, type S3Fixture } from './s3-server';

/** The two servers of the local backup path: the S3 server (fauxqs, a child process) and the in-repo GCS emulator. */
export interface LocalServers {
  s3fx: S3Fixture;
  emulator: GcsEmulator;
  /** A client for the emulator; make a fresh one per test where a test may fail a save() (see storageFor). */
  storage: Storage;
}

export interface LocalServersOptions {
  /** Buckets to create on the S3 server. */
  s3Buckets: string[];
  /** Buckets to create on the GCS emulator. */
  gcsBuckets: string[];
  /** Called for every object the S3 server creates or removes. */
  onObjectEvent?: (event: S3ObjectEvent) => void;
}

/** Starts both servers on 127.0.0.1 (random ports) with their buckets; stop them with stopLocalServers in afterAll. */
export async function startLocalServers(opts: LocalServersOptions): Promise<LocalServers> {
  const s3fx = await startS3Fixture();
  try {
    if (opts.onObjectEvent) s3fx.server.onObjectEvent(opts.onObjectEvent);
    for (const bucket of opts.s3Buckets) await s3fx.createBucket(bucket);
    const { emulator, storage } = await startTestGcs({ buckets: opts.gcsBuckets });
    return { s3fx, emulator, storage };
  } catch (err) {
    await s3fx.server.close();
    throw err;
  }
}

/** Stops whichever of the two servers started (a failed beforeAll leaves them unset). */
export async function stopLocalServers(servers: Partial<Pick<LocalServers, 's3fx' | 'emulator'>>): Promise<void> {
  await servers.s3fx?.server.close();
  await servers.emulator?.close();
}
