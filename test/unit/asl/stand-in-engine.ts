/**
 * A stand-in for the copy engine so the ASL's paths can be driven without network: each tier's behaviour is a
 * function, every call is recorded. The memory model is the real engine's (a pure function).
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { destinationUrl } from '../../../workflows/backup/keys';
import type { CopyContext } from '../../../workflows/copy/engine';
import { engineMemoryBytes } from '../../../workflows/copy/engine';
import type { CopyOutcome, CopyRequest, TierName } from '../../../workflows/copy/types';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import type { LocalEngine, LocalEnvironment } from '../../../workflows/local/deployment';

export type Behaviour = (req: CopyRequest, ctx: CopyContext) => Promise<CopyOutcome>;

export interface Call {
  op: 'copy' | 'delete';
  tier: TierName | undefined;
  req: CopyRequest;
}

export function copied(req: CopyRequest, ctx: CopyContext): CopyOutcome {
  return {
    outcome: 'copied',
    bytes: req.size ?? 0,
    durationMs: 1,
    destination: destinationUrl(ctx.target, req.bucket, req.key),
    generation: '1700000000000001',
    crc32c: 'AAAAAA==',
    ...(ctx.tier ? { tier: ctx.tier } : {}),
  };
}

export class StandInEngine implements LocalEngine {
  readonly calls: Call[] = [];
  readonly engineMemoryBytes = engineMemoryBytes;
  constructor(
    public copy: Behaviour = async (req, ctx) => copied(req, ctx),
    public remove: Behaviour = async (req, ctx) => ({ ...copied(req, ctx), outcome: 'deleted', bytes: 0 }),
  ) {}
  copyObject = (req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome> => {
    this.calls.push({ op: 'copy', tier: ctx.tier, req });
    return this.copy(req, ctx);
  };
  deleteBackup = (req: CopyRequest, ctx: CopyContext): Promise<CopyOutcome> => {
    this.calls.push({ op: 'delete', tier: ctx.tier, req });
    return this.remove(req, ctx);
  };
  tiers(): (TierName | undefined)[] {
    return this.calls.map((c) => c.tier);
  }
}

/** Throws an error with this name, as the engine's named errors do. */
export function failWith(name: string, message = `${name} from the stand-in`): Behaviour {
  return async () => {
    const err = new Error(message);
    err.name = name;
    throw err;
  };
}

export function standInEnvironment(engine: StandInEngine, overrides: Partial<LocalEnvironment> = {}): LocalEnvironment {
  return {
    // Port 9 (discard) on loopback: an unmocked call fails at once instead of reaching AWS.
    s3: new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    storage: {} as Storage,
    target: { bucket: 'backup-bucket', prefix: 'src/' },
    alerts: new LocalAlertSink(),
    engine,
    retryIntervalMs: 0,
    ...overrides,
  };
}

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'events', name), 'utf8'));
}
