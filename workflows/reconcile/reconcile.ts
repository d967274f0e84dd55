import type { S3Client } from '@aws-sdk/client-s3';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Storage } from '@google-cloud/storage';
import { replayInput } from '../backup/alert';
import { isConnectionFailure } from '../backup/classify-error';
import { reconcileExecutionName } from '../backup/execution-name';
import { destinationPrefixOf } from '../backup/keys';
import type { Difference, DifferenceKind } from '../cli/verify/compare';
import { verifyScope, type VerifyProgress, type VerifyScope, type VerifyTally } from '../cli/verify/run-verify';
import type { S3Location } from '../cli/s3-url';
import { inventoryTally } from './inventory';

/**
 * Reconciliation: lists the source against the destination's provenance with the comparison `s3gcs verify` uses
 * (workflows/cli/verify/compare.ts) and starts the Standard workflow for every repairable difference (missing, stale,
 * unverified, …), rate-limited. It does not wait for the executions: they end like any other (an alert on failure),
 * and the next run finds whatever they did not fix. Events can be lost (an EventBridge target failing past its
 * retries, a purged queue, a notification removed by hand, a sandbox killed mid-burst); this is what repairs that.
 */

export interface ReconcileClients {
  s3: S3Client;
  storage: Storage;
  sfn: SFNClient;
  /** The backup-object (Standard) state machine. */
  stateMachineArn: string;
}

export interface ReconcileOptions {
  scope: VerifyScope;
  /** List the source from this S3 Inventory manifest.json instead of ListObjectsV2. (Default: ListObjectsV2) */
  inventoryManifest?: S3Location;
  /** Find and report only; start nothing. (Default: false) */
  dryRun?: boolean;
  /** Paces StartExecution (a RateLimiter). (Default: none) */
  limiter?: { acquire(): Promise<void> };
  progress?: VerifyProgress & { started?(start: RepairStart): void };
  /** Checked before each start: true leaves the rest `deferred` (a Lambda near its time limit). (Default: never) */
  shouldStop?: () => boolean;
  now?: () => Date;
}

/**
 * - started: a new execution runs the object.
 * - already-started: an execution of this name exists (an earlier run found the same state): running, or it failed
 *   and alerted — see its history, redrive it.
 * - failed: StartExecution refused (throttled past the SDK's retries, access denied); the next run tries again.
 * - dry-run: would have been started.
 * - deferred: not started, the run ran out of time (`shouldStop`); the next run finds it again.
 */
export type StartStatus = 'started' | 'already-started' | 'failed' | 'dry-run' | 'deferred';

export interface RepairStart {
  key: string;
  kind: DifferenceKind;
  status: StartStatus;
  executionName: string;
  executionArn: string;
  error?: string;
}

export interface ReconcileReport {
  source: string;
  destination: string;
  listedFrom: 'ListObjectsV2' | 'S3 Inventory';
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  checked: number;
  ok: number;
  bytes: number;
  excluded: number;
  /** Destination objects with no source object (retained deletes, foreign objects); not listed with an inventory. */
  extra: number;
  /** Every difference found, by kind (the metric is their sum). */
  found: Partial<Record<DifferenceKind, number>>;
  foundCount: number;
  starts: RepairStart[];
  /** Differences a replay cannot fix (invalid names, another source's backup on this name): a person must act. */
  notRepairable: Difference[];
}

export async function reconcile(clients: ReconcileClients, options: ReconcileOptions): Promise<ReconcileReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const { scope } = options;
  const tally: VerifyTally = options.inventoryManifest
    ? await inventoryTally(clients.s3, clients.storage, scope, options.inventoryManifest, options.progress)
    : await verifyScope(clients.s3, clients.storage, scope, options.progress);

  const starts: RepairStart[] = [];
  for (const diff of tally.differences.filter((d) => d.repairable)) {
    const start = await startRepair(clients, scope.sourceBucket, diff, options);
    starts.push(start);
    options.progress?.started?.(start);
  }
  const found: Partial<Record<DifferenceKind, number>> = {};
  for (const d of tally.differences) found[d.kind] = (found[d.kind] ?? 0) + 1;
  return {
    source: `s3://${scope.sourceBucket}/${scope.prefix}`,
    destination: `gs://${scope.destination.bucket}/${destinationPrefixOf(scope.destination, scope.sourceBucket)}${scope.prefix}`,
    listedFrom: options.inventoryManifest ? 'S3 Inventory' : 'ListObjectsV2',
    startedAt,
    finishedAt: now().toISOString(),
    dryRun: Boolean(options.dryRun),
    checked: tally.checked,
    ok: tally.ok,
    bytes: tally.bytes,
    excluded: tally.excluded,
    extra: tally.extra,
    found,
    foundCount: tally.differences.length,
    starts,
    notRepairable: tally.differences.filter((d) => !d.repairable),
  };
}

async function startRepair(clients: ReconcileClients, bucket: string, diff: Difference, options: ReconcileOptions): Promise<RepairStart> {
  const executionName = reconcileExecutionName({
    bucket,
    key: diff.key,
    etag: diff.sourceEtag ?? '',
    ...(diff.destinationGeneration !== undefined ? { destinationGeneration: diff.destinationGeneration } : {}),
    ...(diff.destinationMetageneration !== undefined ? { destinationMetageneration: diff.destinationMetageneration } : {}),
  });
  const executionArn = `${clients.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  const base = { key: diff.key, kind: diff.kind, executionName, executionArn };
  if (options.dryRun) return { ...base, status: 'dry-run' };
  if (options.shouldStop?.()) return { ...base, status: 'deferred' };
  await options.limiter?.acquire();
  try {
    const out = await clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: clients.stateMachineArn, name: executionName, input: JSON.stringify(replayInput({ bucket, key: diff.key })) }),
    );
    return { ...base, executionArn: out.executionArn ?? executionArn, status: 'started' };
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') return { ...base, status: 'already-started' };
    if (isConnectionFailure(err)) throw err; // nothing more can start: the run fails (and alerts) instead of reporting each
    return { ...base, status: 'failed', error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}
