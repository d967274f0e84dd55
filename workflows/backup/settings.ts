import type { EngineOptions } from '../copy/engine';
import type { CopyTarget, DestinationLayout, TierName } from '../copy/types';
import type { RoutingThresholds } from './routing';
import { ConfigurationError } from './errors';
import { compileSkipRules, parseSkipPatterns } from './skip-rules';
import type { PrepareConfig } from './prepare';

/**
 * Configuration of the workflow's handlers, read once per process from the environment the CDK stack sets.
 * Each reader fails fast with the variable's name, so a bad deployment fails on its first invocation, loudly.
 */

export interface CopierConfig {
  tier: TierName;
  target: CopyTarget;
  engine: Partial<EngineOptions>;
  /** The stage's size bands (SMALL_MAX_BYTES, LARGE_MAX_BYTES): a copy on a bigger tier counts as an escalation. */
  routing?: RoutingThresholds;
}

const TIERS: readonly TierName[] = ['small', 'large', 'heavy'];

/** copy-object (TIER=small|large) and the heavy task (TIER defaults to heavy). */
export function readCopierConfig(env: NodeJS.ProcessEnv, defaultTier?: TierName): CopierConfig {
  const tier = env['TIER'] ?? defaultTier;
  if (!tier || !TIERS.includes(tier as TierName)) {
    throw new ConfigurationError(`TIER must be one of ${TIERS.join(', ')}, got ${JSON.stringify(tier)}`);
  }
  const routing = readRouting(env);
  return {
    tier: tier as TierName,
    target: readTarget(env),
    engine: stripUndefined({
      singleRequestMaxBytes: optionalInt(env, 'SINGLE_REQUEST_MAX_BYTES'),
      partSizeBytes: optionalInt(env, 'PART_SIZE_BYTES'),
      concurrency: optionalInt(env, 'CONCURRENCY'),
    }),
    ...(routing && { routing }),
  };
}

/** SMALL_MAX_BYTES and LARGE_MAX_BYTES, both or neither (neither: escalations are not counted). */
function readRouting(env: NodeJS.ProcessEnv): RoutingThresholds | undefined {
  const smallMaxBytes = optionalInt(env, 'SMALL_MAX_BYTES');
  const largeMaxBytes = optionalInt(env, 'LARGE_MAX_BYTES');
  if (smallMaxBytes === undefined && largeMaxBytes === undefined) return undefined;
  if (smallMaxBytes === undefined || largeMaxBytes === undefined) {
    throw new ConfigurationError('SMALL_MAX_BYTES and LARGE_MAX_BYTES are set together (the size bands of "Choose a copier by size")');
  }
  return { smallMaxBytes, largeMaxBytes };
}

/** prepare-backup: where copies go (to name them) and which keys are skipped. */
export function readPrepareConfig(env: NodeJS.ProcessEnv): PrepareConfig {
  return { target: readTarget(env), skip: compileSkipRules(parseSkipPatterns(env['SKIP_PATTERNS'], 'SKIP_PATTERNS')) };
}

export function readTarget(env: NodeJS.ProcessEnv): CopyTarget {
  const storageClass = env['STORAGE_CLASS'] || undefined;
  return {
    bucket: requiredEnv(env, 'DEST_BUCKET', 'the GCS bucket copies go to'),
    prefix: env['DEST_PREFIX'] ?? '',
    layout: readLayout(env),
    ...(storageClass ? { storageClass } : {}),
  };
}

/**
 * DEST_LAYOUT: the DestinationLayout as JSON, as the CDK stack writes it (infra/stacks/backup-stack.ts). Unset = the
 * default by-source-bucket layout; anything malformed fails fast rather than naming objects some other way.
 */
export function readLayout(env: NodeJS.ProcessEnv): DestinationLayout {
  const text = env['DEST_LAYOUT'];
  if (text === undefined || text === '') return { kind: 'by-source-bucket' };
  const bad = (why: string) =>
    new ConfigurationError(
      `DEST_LAYOUT ${why}; expected {"kind":"by-source-bucket","bucketPrefixes":{"bucket":"prefix/"}} or {"kind":"legacy","sourceBucket":"bucket"}, got ${text}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  if (o['kind'] === 'legacy') {
    if (typeof o['sourceBucket'] !== 'string' || o['sourceBucket'] === '') throw bad('(legacy) must name its one sourceBucket');
    return { kind: 'legacy', sourceBucket: o['sourceBucket'] };
  }
  if (o['kind'] !== 'by-source-bucket') throw bad("has no known kind ('by-source-bucket' or 'legacy')");
  const prefixes = o['bucketPrefixes'];
  if (prefixes === undefined) return { kind: 'by-source-bucket' };
  if (typeof prefixes !== 'object' || prefixes === null || Object.values(prefixes).some((p) => typeof p !== 'string' || p === '')) {
    throw bad('bucketPrefixes must map bucket names to non-empty prefixes');
  }
  return { kind: 'by-source-bucket', bucketPrefixes: prefixes as Record<string, string> };
}

export function requiredEnv(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(`${name} is not set; it must name ${what}`);
  return value;
}

function optionalInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
