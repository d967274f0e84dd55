import type { EngineOptions } from '../copy/engine';
import type { CopyTarget, TierName } from '../copy/types';
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
}

const TIERS: readonly TierName[] = ['small', 'large', 'heavy'];

/** copy-object (TIER=small|large) and the heavy task (TIER defaults to heavy). */
export function readCopierConfig(env: NodeJS.ProcessEnv, defaultTier?: TierName): CopierConfig {
  const tier = env['TIER'] ?? defaultTier;
  if (!tier || !TIERS.includes(tier as TierName)) {
    throw new ConfigurationError(`TIER must be one of ${TIERS.join(', ')}, got ${JSON.stringify(tier)}`);
  }
  return {
    tier: tier as TierName,
    target: readTarget(env),
    engine: stripUndefined({
      singleRequestMaxBytes: optionalInt(env, 'SINGLE_REQUEST_MAX_BYTES'),
      partSizeBytes: optionalInt(env, 'PART_SIZE_BYTES'),
      concurrency: optionalInt(env, 'CONCURRENCY'),
    }),
  };
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
    ...(storageClass ? { storageClass } : {}),
  };
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
