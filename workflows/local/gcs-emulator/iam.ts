import { badRequest } from './errors';

/**
 * What `buckets.testIamPermissions` answers (https://cloud.google.com/storage/docs/json_api/v1/buckets/testIamPermissions):
 * the subset of the asked permissions the caller holds on the bucket. The emulator checks no credentials and enforces
 * no IAM, so by default the caller holds every permission — which is what it really allows. A test sets what a bucket
 * grants (`gcs.iam.setPermissions('backup', ['storage.objects.create', …])`, or POST /_emulator/iam) to model a
 * narrower identity; requests are still not refused for lacking one.
 */
export class BucketIam {
  private readonly granted = new Map<string, ReadonlySet<string>>();

  /** The permissions the caller holds on `bucket` from now on; undefined = all (the default). */
  setPermissions(bucket: string, permissions: readonly string[] | undefined): void {
    if (permissions === undefined) this.granted.delete(bucket);
    else this.granted.set(bucket, new Set(permissions));
  }

  test(bucket: string, asked: readonly string[]): string[] {
    if (asked.length === 0) throw badRequest('Required parameter: permissions');
    const granted = this.granted.get(bucket);
    return asked.filter((p) => granted === undefined || granted.has(p));
  }
}
