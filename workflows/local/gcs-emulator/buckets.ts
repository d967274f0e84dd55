import type { EmulatorState, RequestContext } from './context';
import { badRequest, sendJson } from './errors';
import { readJson } from './http-util';
import { bucketResource } from './resource';
import { parseSoftDeletePolicy } from './soft-delete';

export async function insertBucket(state: EmulatorState, ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx.req);
  if (typeof body.name !== 'string' || !body.name) throw badRequest('Required field: name');
  const versioning = (body.versioning as { enabled?: unknown } | undefined)?.enabled === true;
  const softDeletePolicy = parseSoftDeletePolicy(body.softDeletePolicy, new Date());
  const bucket = state.store.createBucket(body.name, { versioning });
  if (softDeletePolicy?.retentionDurationSeconds) bucket.softDeletePolicy = softDeletePolicy;
  sendJson(ctx.res, 200, bucketResource(bucket, ctx.baseUrl));
}

export function getBucket(state: EmulatorState, ctx: RequestContext, bucket: string): void {
  sendJson(ctx.res, 200, bucketResource(state.store.bucket(bucket), ctx.baseUrl));
}

export function listBuckets(state: EmulatorState, ctx: RequestContext): void {
  sendJson(ctx.res, 200, { kind: 'storage#buckets', items: state.store.listBuckets().map((b) => bucketResource(b, ctx.baseUrl)) });
}
