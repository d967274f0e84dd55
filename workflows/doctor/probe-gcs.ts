import type { Storage } from '@google-cloud/storage';
import { GoogleAuth } from 'google-auth-library';
import type { BucketFacts } from './checks';

/** Transport of `s3gcs doctor` on the Google side: the bucket's settings, an identity's permissions, the WIF provider. */

/** storage.buckets.get → the facts checkBucket needs. `modeled` false: the sandbox emulator, whose bucket may not report them. */
export async function readBucketFacts(storage: Storage, bucket: string, modeled: { versioning: boolean; lifecycle: boolean; retention: boolean }): Promise<BucketFacts> {
  const [meta] = (await storage.bucket(bucket).getMetadata()) as unknown as [Record<string, unknown>];
  const softDelete = meta['softDeletePolicy'] as { retentionDurationSeconds?: string } | undefined;
  const versioning = meta['versioning'] as { enabled?: boolean } | undefined;
  const rules = ((meta['lifecycle'] as { rule?: { action?: { type?: string }; condition?: Record<string, unknown> }[] } | undefined)?.rule ?? []).filter(
    (r) => r.action?.type === 'Delete' && r.condition?.['isLive'] === false,
  );
  const retention = meta['retentionPolicy'] as { retentionPeriod?: string; isLocked?: boolean } | undefined;
  return {
    name: bucket,
    softDeleteSeconds: Number(softDelete?.retentionDurationSeconds ?? 0),
    ...(modeled.versioning || versioning !== undefined ? { versioning: Boolean(versioning?.enabled) } : {}),
    // The emulator models versioning but not lifecycle rules: leave them unknown there rather than absent.
    ...(modeled.lifecycle ? { noncurrentDeleteDays: rules.map((r) => Number(r.condition?.['daysSinceNoncurrentTime'] ?? 0)) } : {}),
    ...(!modeled.retention ? { retention: 'not-modeled' as const } : retention ? { retention: { periodSeconds: Number(retention.retentionPeriod ?? 0), locked: Boolean(retention.isLocked) } } : {}),
  };
}

/**
 * buckets.testIamPermissions as `storage`'s identity: the permissions it holds on the bucket among `permissions`.
 * https://cloud.google.com/storage/docs/json_api/v1/buckets/testIamPermissions
 */
export async function grantedPermissions(storage: Storage, bucket: string, permissions: readonly string[]): Promise<string[]> {
  const [answer] = await storage.bucket(bucket).iam.testPermissions([...permissions]);
  return permissions.filter((p) => answer[p]);
}

/**
 * A workload identity pool provider's attributeCondition (iam.googleapis.com v1), read with the caller's Application
 * Default Credentials; undefined when the provider has none.
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/get
 */
export async function readWifCondition(provider: string, auth: GoogleAuth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })): Promise<string | undefined> {
  const client = await auth.getClient();
  const res = await client.request<{ attributeCondition?: string }>({ url: `https://iam.googleapis.com/v1/${provider}` });
  return res.data.attributeCondition;
}
