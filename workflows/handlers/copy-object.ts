/**
 * The copiers' handler code, as factories of their dependencies: handlers/copy-object.ts and handlers/heavy-task.ts
 * call them with what they read at cold start, and the local deployment (workflows/local/deployment.ts) calls them
 * with the local servers' clients, so local runs and tests run exactly this code. Importing this module reads no
 * environment and builds no client.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { parseBackupEvent, runCopyStep, tierDeadline, type CopyEngine } from '../backup/copy-step';
import type { BackupEvent } from '../backup/normalize';
import type { CopierConfig } from '../backup/settings';
import { copyObject, deleteBackup } from '../copy/engine';
import type { CopyOutcome } from '../copy/types';
import { publishCopyMetrics, publishEscalation, sharedMetrics, type MetricsSink } from '../metrics';

export interface CopierDependencies {
  config: CopierConfig;
  s3: S3Client;
  /** Called per copy: the GCS credentials behind the client are fetched by name and may rotate. */
  storage: () => Promise<Storage>;
  /** (Default: the real engine, workflows/copy/engine.ts.) */
  engine?: CopyEngine;
  /** Where the copy, escalation, SourceGone and Superseded metrics go (Default: the process's Powertools Metrics, EMF on stdout). */
  metrics?: MetricsSink;
}

/** What a copier reads of its invocation: the Lambda context, or what the heavy task and the local runtime give it. */
export interface InvocationContext {
  /** Time left before the runtime kills the attempt; the copier stops a margin earlier with TierCapacityExceeded. */
  getRemainingTimeInMillis?(): number;
  /** Aborted when the runtime stops the attempt (the local tier limits); the copy then rejects with its reason. */
  stopSignal?: AbortSignal;
}

/** One copy step of a tier: a normalized event in, the outcome out, named errors propagated untouched. */
export type Copier = (event: BackupEvent, invocation?: InvocationContext) => Promise<CopyOutcome>;

/**
 * Copies (or, action delete, deletes the backup of) one event with the tier's target and tuning, stops before the
 * tier's deadline, and publishes Escalations when the object's size selects a smaller tier (before copying: a copy
 * that dies still counted), BytesCopied/CopyDuration for a copy that moved bytes, SourceGone or Superseded for one
 * that ends source-gone or superseded (another failed one publishes nothing more).
 */
export function copier(deps: CopierDependencies): Copier {
  const { config } = deps;
  const engine = deps.engine ?? { copyObject, deleteBackup };
  return async (event, invocation) => {
    const storage = await deps.storage();
    const signal = combined(tierDeadline(config.tier, invocation?.getRemainingTimeInMillis?.()), invocation?.stopSignal);
    const ctx = { s3: deps.s3, storage, target: config.target, options: config.engine, tier: config.tier, ...(signal ? { signal } : {}) };
    const metrics = deps.metrics ?? sharedMetrics();
    publishEscalation(event, config.tier, config.routing, metrics);
    const outcome = await runCopyStep(event, ctx, engine, metrics);
    publishCopyMetrics(outcome, config.tier, metrics);
    return outcome;
  };
}

/**
 * The small and large copy Lambdas ("Copy the object with the small/large Lambda", and "Delete the backup copy"):
 * the Lambda payload is the normalized event; anything else is InvalidInput.
 */
export function copyObjectHandler(copy: Copier): (payload: unknown, context?: InvocationContext) => Promise<CopyOutcome> {
  return async (payload, context) => copy(parseBackupEvent(payload), context);
}

function combined(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}
