import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { randomInt } from 'node:crypto';
import { listBackups } from '../../restore/backups';
import { planRestore, type RestoreItem, type RestoreSelection } from '../../restore/plan';
import { hashS3Object, restoreObject, sameHeaders } from '../../restore/restore-object';
import { deleteTarget, headTarget } from '../../restore/s3-writer';
import { mapLimit } from '../sfn-ops';

/**
 * A restore drill: restore a random sample of backups into a scratch prefix, prove every restored byte against the
 * CRC32C recorded at backup time and every header against the backup, compare with the source object when it still
 * exists at the backed-up version, and remove the scratch copies. Its report says what was proven restorable, and when.
 */

export interface DrillPlan {
  s3: S3Client;
  storage: Storage;
  gcsBucket: string;
  gcsPrefix: string;
  scratchBucket: string;
  /** Unique to this drill: everything under it is removed at the end. */
  scratchPrefix: string;
  sample: number;
  selection?: Pick<RestoreSelection, 'sourceBucket' | 'include' | 'exclude'>;
  /** Leave the scratch copies in place (to inspect them). */
  keep?: boolean;
  concurrency?: number;
  /** Index in [0, n): the reservoir's choice (Default: crypto.randomInt). */
  random?: (n: number) => number;
  onDone?: () => void;
}

export type DrillDifferenceKind = 'restore-failed' | 'content' | 'headers' | 'content-vs-source' | 'headers-vs-source' | 'cleanup-failed';

export interface DrillReport {
  startedAt: string;
  finishedAt: string;
  source: string;
  scratch: string;
  /** Backups with provenance under the prefix (the population sampled from). */
  population: number;
  sampled: number;
  /** Restored and matched every check. */
  proven: number;
  provenBytes: number;
  comparedWithSource: number;
  sourceGone: number;
  sourceChanged: number;
  sourceUnreadable: number;
  differences: { gcsName: string; key: string; kind: DrillDifferenceKind; detail: string }[];
  cleanedUp: number;
}

export async function runDrill(plan: DrillPlan): Promise<DrillReport> {
  const startedAt = new Date().toISOString();
  const selection: RestoreSelection = { gcsPrefix: plan.gcsPrefix, targetPrefix: plan.scratchPrefix, allowUnproven: false, ...plan.selection };
  const { population, chosen } = await sampleBackups(plan, selection);
  const report: DrillReport = {
    startedAt,
    finishedAt: '',
    source: `gs://${plan.gcsBucket}/${plan.gcsPrefix}`,
    scratch: `s3://${plan.scratchBucket}/${plan.scratchPrefix}`,
    population,
    sampled: chosen.length,
    proven: 0,
    provenBytes: 0,
    comparedWithSource: 0,
    sourceGone: 0,
    sourceChanged: 0,
    sourceUnreadable: 0,
    differences: [],
    cleanedUp: 0,
  };
  const ctx = { s3: plan.s3, storage: plan.storage, gcsBucket: plan.gcsBucket, targetBucket: plan.scratchBucket, overwrite: 'never' as const };
  await mapLimit(chosen, plan.concurrency ?? 4, async (item) => {
    let differs = false;
    const differ = (kind: DrillDifferenceKind, detail: string): void => {
      differs = true;
      report.differences.push({ gcsName: item.backup.name, key: item.sourceKey ?? item.targetKey, kind, detail });
    };
    try {
      const done = await restoreObject(item, ctx);
      if (done.outcome !== 'restored') differ('restore-failed', `the scratch key ${item.targetKey} was already taken (${done.outcome})`);
      else await checkRestored(plan, item, report, differ);
    } catch (err) {
      differ('restore-failed', `${(err as Error).name}: ${(err as Error).message}`);
    } finally {
      if (!plan.keep) {
        try {
          await deleteTarget(plan.s3, plan.scratchBucket, item.targetKey);
          report.cleanedUp++;
        } catch (err) {
          differ('cleanup-failed', `could not remove s3://${plan.scratchBucket}/${item.targetKey}: ${(err as Error).message}`);
        }
      }
    }
    if (!differs) {
      report.proven++;
      report.provenBytes += item.backup.size;
    }
    plan.onDone?.();
  });
  report.finishedAt = new Date().toISOString();
  return report;
}

/** Every byte read back and hashed, every header compared; then the source, when it still holds the backed-up version. */
async function checkRestored(plan: DrillPlan, item: RestoreItem, report: DrillReport, differ: (k: DrillDifferenceKind, d: string) => void): Promise<void> {
  const restored = await headTarget(plan.s3, plan.scratchBucket, item.targetKey);
  if (!restored) return differ('restore-failed', 'the restored object is not there');
  const crc = await hashS3Object(plan.s3, plan.scratchBucket, item.targetKey, restored);
  if (crc !== item.expectedCrc32c) differ('content', `restored bytes have CRC32C ${crc}, recorded at backup ${item.expectedCrc32c}`);
  if (!sameHeaders(restored.headers, item.headers)) differ('headers', `restored ${JSON.stringify(restored.headers)}, backup ${JSON.stringify(item.headers)}`);
  if (item.sourceBucket === undefined || item.sourceKey === undefined) return;
  let source;
  try {
    source = await headTarget(plan.s3, item.sourceBucket, item.sourceKey);
  } catch {
    report.sourceUnreadable++;
    return;
  }
  if (!source) {
    report.sourceGone++;
    return;
  }
  if (item.sourceEtag !== undefined && source.etag !== item.sourceEtag) {
    report.sourceChanged++;
    return;
  }
  report.comparedWithSource++;
  const sourceCrc =
    source.checksumType === 'FULL_OBJECT' && source.crc32c !== undefined ? source.crc32c : await hashS3Object(plan.s3, item.sourceBucket, item.sourceKey, source);
  if (sourceCrc !== crc || source.size !== restored.size) differ('content-vs-source', `source ${source.size} bytes CRC32C ${sourceCrc}, restored ${restored.size} bytes CRC32C ${crc}`);
  if (!sameHeaders(source.headers, restored.headers)) differ('headers-vs-source', `source ${JSON.stringify(source.headers)}, restored ${JSON.stringify(restored.headers)}`);
}

/** A uniform random sample of the proven backups (reservoir sampling: one listing pass, memory for `sample` items). */
async function sampleBackups(plan: DrillPlan, selection: RestoreSelection): Promise<{ population: number; chosen: RestoreItem[] }> {
  const random = plan.random ?? randomInt;
  const chosen: RestoreItem[] = [];
  let population = 0;
  for await (const page of listBackups(plan.storage, plan.gcsBucket, plan.gcsPrefix)) {
    for (const backup of page) {
      const planned = planRestore(backup, selection);
      if (planned.kind !== 'restore') continue;
      population++;
      // Under the source bucket's name: two buckets' backups of one key must not meet in the scratch prefix.
      const item = { ...planned.item, targetKey: `${plan.scratchPrefix}${planned.item.sourceBucket}/${planned.item.sourceKey}` };
      if (chosen.length < plan.sample) chosen.push(item);
      else {
        const j = random(population);
        if (j < plan.sample) chosen[j] = item;
      }
    }
  }
  return { population, chosen };
}
