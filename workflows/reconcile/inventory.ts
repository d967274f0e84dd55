import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { manifestPages } from '../cli/backfill/sources';
import { fromServiceError, usageError } from '../cli/errors';
import type { S3Location } from '../cli/s3-url';
import { mapLimit } from '../cli/sfn-ops';
import { compareWithDestination, type VerifyProgress, type VerifyScope, type VerifyTally } from '../cli/verify/run-verify';

/** Destination lookups at once per inventory page (two GCS metadata reads each). */
const LOOKUP_CONCURRENCY = 16;

/**
 * The comparison over an S3 Inventory report instead of ListObjectsV2: for buckets too big to list on a schedule.
 * An inventory's files are not promised to be sorted like the destination listing, so each object is looked up by
 * its destination name. The report is up to a day old: objects written after it wait for the next one, and objects
 * deleted since show as missing (their repair ends `source-gone`, benign and counted).
 */
export async function inventoryTally(s3: S3Client, storage: Storage, scope: VerifyScope, manifest: S3Location, progress?: VerifyProgress): Promise<VerifyTally> {
  const tally: VerifyTally = { checked: 0, ok: 0, bytes: 0, excluded: 0, extra: 0, extraSample: [], differences: [] };
  for await (const page of manifestPages(s3, manifest, scope.prefix)) {
    if (page.bucket !== scope.sourceBucket) {
      throw usageError(`the inventory at s3://${manifest.bucket}/${manifest.key} lists s3://${page.bucket}, not s3://${scope.sourceBucket}`, 'Point it at the inventory of the bucket you reconcile.');
    }
    progress?.listed(page.objects.length);
    const included = page.objects.filter((o) => {
      const skip = scope.excluded?.(o.key) ?? false;
      if (skip) {
        tally.excluded++;
        progress?.compared(undefined);
      }
      return !skip;
    });
    const diffs = await mapLimit(included, LOOKUP_CONCURRENCY, (o) => compareWithDestination(storage, scope, { key: o.key, size: o.size, etag: o.etag }));
    included.forEach((o, i) => {
      const diff = diffs[i];
      tally.checked++;
      tally.bytes += o.size;
      if (diff) tally.differences.push(diff);
      else tally.ok++;
      progress?.compared(diff);
    });
  }
  return tally;
}

/**
 * The newest manifest of an inventory configuration. S3 writes each report under
 * `<destination-prefix>/<source-bucket>/<config-id>/YYYY-MM-DDTHH-MMZ/manifest.json` (next to `data/` and `hive/`);
 * `where` is that `<config-id>/` folder.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html
 */
export async function latestInventoryManifest(s3: S3Client, where: S3Location): Promise<S3Location> {
  const folder = where.key === '' || where.key.endsWith('/') ? where.key : `${where.key}/`;
  let newest: string | undefined;
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: folder, Delimiter: '/', ContinuationToken: token }));
    } catch (err) {
      throw fromServiceError(err, `ListObjectsV2 s3://${where.bucket}/${folder}`);
    }
    for (const p of page.CommonPrefixes ?? []) {
      const dated = p.Prefix?.slice(folder.length);
      if (dated && REPORT_FOLDER.test(dated) && (newest === undefined || dated > newest)) newest = dated;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (!newest) throw usageError(`no inventory report under s3://${where.bucket}/${folder}`, 'Point it at <destination-prefix>/<source-bucket>/<inventory-id>/ of a configured S3 Inventory, or wait for its first report.');
  return { bucket: where.bucket, key: `${folder}${newest}manifest.json` };
}

const REPORT_FOLDER = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z\/$/;
