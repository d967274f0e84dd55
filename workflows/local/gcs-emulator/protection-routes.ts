import type { EmulatorState, RequestContext } from './context';
import { badRequest, sendJson } from './errors';
import { drain, readJson } from './http-util';
import { bucketResource, objectResource } from './resource';
import { parseSoftDeletePolicy } from './soft-delete';
import { checkPreconditions, preconditionsFrom, WRITABLE_FIELD_NAMES, type NewObject } from './store';

/**
 * The JSON API calls about keeping data safe, apart from the object CRUD routes: soft-deleted objects (list with
 * `softDeleted=true`, get by generation, restore), bucket soft-delete settings (bucket patch) and
 * buckets.testIamPermissions. `match` says whether a request is one of them.
 */
export interface ProtectionRoute {
  operation: string;
  objectName?: string;
  run: (state: EmulatorState, ctx: RequestContext) => void | Promise<void>;
}

const BUCKET = /^(?:\/storage\/v1)?\/b\/([^/]+)\/?$/;
const IAM = /^(?:\/storage\/v1)?\/b\/([^/]+)\/iam\/testPermissions$/;
const OBJECTS = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/?$/;
const OBJECT = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/([^/]+)$/;
// The name is one path segment (clients encode its slashes), so a trailing /restore is the method, not the name.
const RESTORE = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/([^/]+)\/restore$/;

export function matchProtectionRoute(method: string, url: URL): ProtectionRoute | undefined {
  const p = url.pathname;
  const softDeleted = url.searchParams.get('softDeleted') === 'true';
  let m: RegExpExecArray | null;
  if (method === 'GET' && (m = IAM.exec(p))) {
    const bucket = decode(m[1]!);
    return { operation: 'storage.buckets.testIamPermissions', run: (s, ctx) => testPermissions(s, ctx, bucket) };
  }
  if (method === 'PATCH' && (m = BUCKET.exec(p))) {
    const bucket = decode(m[1]!);
    return { operation: 'storage.buckets.patch', run: (s, ctx) => patchBucket(s, ctx, bucket) };
  }
  if (method === 'POST' && (m = RESTORE.exec(p))) {
    const [bucket, name] = [decode(m[1]!), decode(m[2]!)];
    return { operation: 'storage.objects.restore', objectName: name, run: (s, ctx) => restoreObject(s, ctx, bucket, name) };
  }
  if (method === 'GET' && softDeleted && (m = OBJECTS.exec(p))) {
    const bucket = decode(m[1]!);
    return { operation: 'storage.objects.list', run: (s, ctx) => listSoftDeleted(s, ctx, bucket) };
  }
  if (method === 'GET' && softDeleted && url.searchParams.get('alt') !== 'media' && (m = OBJECT.exec(p))) {
    const [bucket, name] = [decode(m[1]!), decode(m[2]!)];
    return { operation: 'storage.objects.get', objectName: name, run: (s, ctx) => getSoftDeleted(s, ctx, bucket, name) };
  }
  return undefined;
}

function testPermissions(state: EmulatorState, ctx: RequestContext, bucket: string): void {
  state.store.bucket(bucket);
  const permissions = state.iam.test(bucket, ctx.url.searchParams.getAll('permissions'));
  sendJson(ctx.res, 200, { kind: 'storage#testIamPermissionsResponse', ...(permissions.length > 0 ? { permissions } : {}) });
}

/** Bucket patch: only the soft delete policy is settable here; other fields are refused rather than ignored. */
async function patchBucket(state: EmulatorState, ctx: RequestContext, bucket: string): Promise<void> {
  const body = await readJson(ctx.req);
  const b = state.store.bucket(bucket);
  const unsupported = Object.keys(body).filter((k) => k !== 'softDeletePolicy');
  if (unsupported.length > 0) throw badRequest(`The emulator patches only softDeletePolicy on a bucket, not ${unsupported.join(', ')}`);
  const policy = parseSoftDeletePolicy(body.softDeletePolicy, new Date());
  if (policy) b.softDeletePolicy = policy.retentionDurationSeconds === 0 ? undefined : policy;
  sendJson(ctx.res, 200, bucketResource(b, ctx.baseUrl));
}

function listSoftDeleted(state: EmulatorState, ctx: RequestContext, bucket: string): void {
  const items = state.store.bucket(bucket).softDeleted.list(ctx.url.searchParams.get('prefix') ?? '');
  sendJson(ctx.res, 200, { kind: 'storage#objects', items: items.map((o) => softDeletedResource(o, ctx.baseUrl)) });
}

function getSoftDeleted(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): void {
  const obj = state.store.bucket(bucket).softDeleted.get(name, ctx.url.searchParams.get('generation'));
  sendJson(ctx.res, 200, softDeletedResource(obj, ctx.baseUrl));
}

/**
 * objects.restore (https://cloud.google.com/storage/docs/json_api/v1/objects/restore): the soft-deleted generation
 * becomes live again under a new generation, metageneration 1, with the metadata it had; preconditions apply to the
 * live object, and a live object it replaces is itself soft-deleted.
 */
async function restoreObject(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): Promise<void> {
  await drain(ctx.req);
  const b = state.store.bucket(bucket);
  const preconditions = preconditionsFrom(ctx.url.searchParams);
  b.softDeleted.get(name, ctx.url.searchParams.get('generation')); // 400/404 before any precondition
  checkPreconditions(b.objects.get(name), preconditions);
  const taken = b.softDeleted.take(name, ctx.url.searchParams.get('generation'));
  const fresh: NewObject = { content: taken.content, crc32c: taken.crc32c, md5Hash: taken.md5Hash, ...(taken.metadata ? { metadata: taken.metadata } : {}) };
  for (const field of WRITABLE_FIELD_NAMES) if (taken[field] !== undefined) fresh[field] = taken[field];
  const restored = state.store.commit(bucket, name, fresh, preconditions);
  sendJson(ctx.res, 200, objectResource(restored, ctx.baseUrl));
}

function softDeletedResource(o: { softDeleteTime: string; hardDeleteTime: string } & Parameters<typeof objectResource>[0], baseUrl: string): Record<string, unknown> {
  return { ...objectResource(o, baseUrl), softDeleteTime: o.softDeleteTime, hardDeleteTime: o.hardDeleteTime };
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`Malformed percent-encoding in '${raw}'`);
  }
}
