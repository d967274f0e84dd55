import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { destinationPrefixOf, sourceKeyOf } from '../../backup/keys';
import type { CopyTarget } from '../../copy/types';
import { compareObject, destinationEntry, misplacedBackup, namingOf, type DestinationEntry, type Difference, type SourceEntry } from './compare';
import { compareNames, items, listDestination, listSource } from './listing';

export interface VerifyScope {
  sourceBucket: string;
  /** Key prefix within the source bucket ('' = all). */
  prefix: string;
  /** Where the deployment's backups are and how it names them (destinationObjectName). */
  destination: CopyTarget;
  /** Keys the deployment skips on purpose (skip patterns): not differences. */
  excluded?: (key: string) => boolean;
}

export interface VerifyTally {
  checked: number;
  ok: number;
  bytes: number;
  excluded: number;
  /**
   * Destination objects under the source bucket's names with no source object (deleted at the source and retained, or
   * foreign without provenance). Backups of another source found there are differences (wrong-source), not extras.
   */
  extra: number;
  extraSample: string[];
  differences: Difference[];
}

export interface VerifyProgress {
  listed(count: number): void;
  compared(difference: Difference | undefined): void;
}

const EXTRA_SAMPLE = 20;

/**
 * Walks the source and destination listings together (a merge join on the name, both sorted the same way), so memory
 * stays bounded by one page of each whatever the bucket's size, and compares each pair.
 */
export async function verifyScope(s3: S3Client, storage: Storage, scope: VerifyScope, progress?: VerifyProgress): Promise<VerifyTally> {
  const tally: VerifyTally = { checked: 0, ok: 0, bytes: 0, excluded: 0, extra: 0, extraSample: [], differences: [] };
  const sources = items(countPages(listSource(s3, scope.sourceBucket, scope.prefix), (n) => progress?.listed(n)));
  // Every name of this source bucket starts with its destination prefix, so both listings sort alike by key.
  const dests = items(listDestination(storage, scope.destination.bucket, destinationPrefixOf(scope.destination, scope.sourceBucket) + scope.prefix));
  const keyOf = (d: DestinationEntry): string => sourceKeyOf(scope.destination, scope.sourceBucket, d.name)!;

  let src = await sources.next();
  let dst = await dests.next();
  const consumeSource = (s: SourceEntry, d: DestinationEntry | undefined): void => {
    if (scope.excluded?.(s.key)) {
      tally.excluded++;
      progress?.compared(undefined);
      return;
    }
    const diff = compareObject(scope.sourceBucket, s, namingOf(scope.destination, scope.sourceBucket, s.key), d);
    tally.checked++;
    tally.bytes += s.size;
    if (diff) tally.differences.push(diff);
    else tally.ok++;
    progress?.compared(diff);
  };
  while (!src.done || !dst.done) {
    const order = src.done ? 1 : dst.done ? -1 : compareNames(src.value.key, keyOf(dst.value));
    if (order < 0) {
      consumeSource(src.value as SourceEntry, undefined);
      src = await sources.next();
    } else if (order > 0) {
      const d = dst.value as DestinationEntry;
      const misplaced = misplacedBackup(scope.destination, scope.sourceBucket, d);
      if (misplaced) tally.differences.push(misplaced);
      else {
        tally.extra++;
        if (tally.extraSample.length < EXTRA_SAMPLE) tally.extraSample.push(d.name);
      }
      dst = await dests.next();
    } else {
      consumeSource(src.value as SourceEntry, dst.value as DestinationEntry);
      src = await sources.next();
      dst = await dests.next();
    }
  }
  return tally;
}

async function* countPages<T>(pages: AsyncGenerator<T[]>, onPage: (n: number) => void): AsyncGenerator<T[]> {
  for await (const page of pages) {
    onPage(page.length);
    yield page;
  }
}

/**
 * Compares one source object with its backup by looking the backup up by name: for sources that are not sorted like
 * the destination listing (an S3 Inventory report) and for the check after a repair.
 */
export async function compareWithDestination(storage: Storage, scope: VerifyScope, source: SourceEntry): Promise<Difference | undefined> {
  const naming = namingOf(scope.destination, scope.sourceBucket, source.key);
  if ('invalid' in naming) return compareObject(scope.sourceBucket, source, naming, undefined);
  const file = storage.bucket(scope.destination.bucket).file(naming.name);
  const [exists] = await file.exists();
  const dest = exists ? destinationEntry((await file.getMetadata())[0] as Record<string, unknown>) : undefined;
  return compareObject(scope.sourceBucket, source, naming, dest);
}
