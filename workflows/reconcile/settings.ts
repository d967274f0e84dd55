import { ConfigurationError } from '../backup/errors';
import { readTarget } from '../backup/settings';
import { compileSkipRules, parseSkipPatterns } from '../backup/skip-rules';
import type { CopyTarget } from '../copy/types';
import { parseS3Url, type S3Location } from '../cli/s3-url';

/** One source bucket the scheduled reconciliation compares: its backed-up prefixes, and its S3 Inventory if any. */
export interface ReconcileSource {
  bucket: string;
  /** ('' = the whole bucket) */
  prefixes: string[];
  /** The inventory configuration's folder (`<prefix>/<bucket>/<config-id>/`): its newest report is the listing. */
  inventory?: S3Location;
}

export interface ReconcileConfig {
  stateMachineArn: string;
  target: CopyTarget;
  skip: (key: string) => string | undefined;
  sources: ReconcileSource[];
  /** StartExecution calls per second. */
  ratePerSecond: number;
}

/**
 * The scheduled reconciliation's settings, as infra/constructs/reconciliation.ts writes them: STATE_MACHINE_ARN,
 * DEST_BUCKET/DEST_PREFIX/DEST_LAYOUT, SKIP_PATTERNS, RECONCILE_SOURCES (JSON [{bucket, prefixes, inventory?}]),
 * RECONCILE_RATE. Read once at cold start; anything malformed fails naming the variable.
 */
export function readReconcileConfig(env: NodeJS.ProcessEnv): ReconcileConfig {
  const stateMachineArn = env['STATE_MACHINE_ARN'];
  if (!stateMachineArn) throw new ConfigurationError('STATE_MACHINE_ARN is not set (the backup-object state machine to start)');
  const rate = Number(env['RECONCILE_RATE'] ?? '20');
  if (!(rate > 0)) throw new ConfigurationError(`RECONCILE_RATE must be a positive number, got ${JSON.stringify(env['RECONCILE_RATE'])}`);
  return {
    stateMachineArn,
    target: readTarget(env),
    skip: compileSkipRules(parseSkipPatterns(env['SKIP_PATTERNS'], 'SKIP_PATTERNS')),
    sources: readSources(env['RECONCILE_SOURCES']),
    ratePerSecond: rate,
  };
}

function readSources(text: string | undefined): ReconcileSource[] {
  const bad = (why: string) => new ConfigurationError(`RECONCILE_SOURCES ${why}; expected [{"bucket":"b","prefixes":["p/"],"inventory":"s3://inv/b/id/"}], got ${text}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    throw bad('is not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw bad('must be a non-empty array');
  return parsed.map((s: unknown) => {
    const o = (s ?? {}) as Record<string, unknown>;
    if (typeof o['bucket'] !== 'string' || o['bucket'] === '') throw bad('has an entry without a bucket');
    const prefixes = o['prefixes'] ?? [''];
    if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string')) throw bad(`has non-string prefixes for ${o['bucket']}`);
    let inventory: S3Location | undefined;
    if (o['inventory'] !== undefined) {
      try {
        inventory = parseS3Url(String(o['inventory']), { requireKey: true });
      } catch (err) {
        throw bad(`has a bad inventory for ${o['bucket']}: ${(err as Error).message}`);
      }
    }
    return { bucket: o['bucket'], prefixes: prefixes.length > 0 ? (prefixes as string[]) : [''], ...(inventory ? { inventory } : {}) };
  });
}
