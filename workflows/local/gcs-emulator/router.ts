import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { getBucket, insertBucket, listBuckets } from './buckets';
import type { EmulatorState, RequestContext } from './context';
import { controlRequest } from './control';
import { badRequest, GcsHttpError, notFound, sendError } from './errors';
import { baseUrlOf, drain, hasBody } from './http-util';
import { deleteObject, downloadObject, getObjectMetadata, listObjects, patchObject } from './objects';
import { matchProtectionRoute } from './protection-routes';
import { sessionRequest, startResumable } from './resumable';
import { mediaUpload, multipartUpload } from './simple-upload';

/** A resolved JSON API call: its testbench operation name (for faults) and what runs it. */
interface Route {
  operation: string;
  objectName?: string;
  carriesData: boolean;
  run: (state: EmulatorState, ctx: RequestContext) => void | Promise<void>;
}

/**
 * `/b/...` (STORAGE_EMULATOR_HOST), `/storage/v1/b/...` (apiEndpoint), `/upload/storage/v1/b/...` (uploads),
 * `/resumable/upload/storage/v1/b/...` (resumable uploads as the JSON API discovery document names them: gcloud's
 * apitools client starts them there) and `/download/storage/v1/b/...` (mediaLink) all address the same resources.
 */
const PATH = /^(?:\/(upload|download|resumable\/upload))?(?:\/storage\/v1)?\/b(?:\/([^/]+)(?:(\/o)(?:\/(.+))?)?)?\/?$/;

export function resolveRoute(state: EmulatorState, method: string, url: URL, req: IncomingMessage): Route | undefined {
  const protection = matchProtectionRoute(method, url);
  if (protection) return { ...protection, carriesData: false };
  const m = PATH.exec(url.pathname);
  if (!m) return undefined;
  const [, api, rawBucket, objectsSegment, rawObject] = m;
  const bucket = rawBucket === undefined ? undefined : decodePathPart(rawBucket);
  const objectName = rawObject === undefined ? undefined : decodePathPart(rawObject);
  const isObjectsPath = objectsSegment !== undefined;
  const q = url.searchParams;

  if (api === 'upload' || api === 'resumable/upload') {
    if (!bucket || !isObjectsPath || objectName !== undefined) return undefined;
    const uploadId = q.get('upload_id');
    const insert = 'storage.objects.insert';
    if (uploadId) {
      const name = state.sessions.get(uploadId)?.name;
      return { operation: insert, ...named(name), carriesData: hasBody(req), run: (s, ctx) => sessionRequest(s, ctx, uploadId) };
    }
    if (method !== 'POST') return undefined;
    const name = q.get('name') ?? undefined;
    const uploadType = q.get('uploadType');
    // The discovery document's resumable path serves the resumable protocol only (its simple path serves the others).
    if (api === 'resumable/upload' && uploadType !== 'resumable') throw badRequest(`uploadType '${uploadType ?? ''}' is not served on ${url.pathname}`);
    switch (uploadType) {
      case 'resumable':
        return { operation: insert, ...named(name), carriesData: false, run: (s, ctx) => startResumable(s, ctx, bucket) };
      case 'multipart':
        return { operation: insert, ...named(name), carriesData: true, run: (s, ctx) => multipartUpload(s, ctx, bucket) };
      case 'media':
        return { operation: insert, ...named(name), carriesData: true, run: (s, ctx) => mediaUpload(s, ctx, bucket) };
      default:
        throw badRequest(`Unsupported uploadType '${uploadType ?? ''}'`);
    }
  }

  if (bucket === undefined) {
    if (api) return undefined;
    if (method === 'GET') return { operation: 'storage.buckets.list', carriesData: false, run: listBuckets };
    if (method === 'POST') return { operation: 'storage.buckets.insert', carriesData: false, run: insertBucket };
    return undefined;
  }
  if (!isObjectsPath) {
    if (method === 'GET' && !api) return { operation: 'storage.buckets.get', carriesData: false, run: (s, ctx) => getBucket(s, ctx, bucket) };
    return undefined;
  }
  if (objectName === undefined) {
    if (method === 'GET' && !api) return { operation: 'storage.objects.list', carriesData: false, run: (s, ctx) => listObjects(s, ctx, bucket) };
    return undefined;
  }
  const media = api === 'download' || q.get('alt') === 'media';
  if (method === 'GET') {
    return media
      ? { operation: 'storage.objects.get', objectName, carriesData: true, run: (s, ctx) => downloadObject(s, ctx, bucket, objectName) }
      : { operation: 'storage.objects.get', objectName, carriesData: false, run: (s, ctx) => getObjectMetadata(s, ctx, bucket, objectName) };
  }
  if (api) return undefined;
  if (method === 'PATCH') return { operation: 'storage.objects.patch', objectName, carriesData: false, run: (s, ctx) => patchObject(s, ctx, bucket, objectName) };
  if (method === 'DELETE') return { operation: 'storage.objects.delete', objectName, carriesData: false, run: (s, ctx) => deleteObject(s, ctx, bucket, objectName) };
  return undefined;
}

/** The node:http request listener: control paths, then fault injection, then the JSON API. */
export function createRequestListener(state: EmulatorState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    state.inFlight++;
    handle(state, req, res)
      .catch((err: unknown) => sendError(res, err))
      .finally(() => state.inFlight--);
  };
}

async function handle(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const baseUrl = baseUrlOf(req);
  const ctx: RequestContext = { req, res, socket: req.socket, url: new URL(req.url ?? '/', baseUrl), baseUrl };
  if (await controlRequest(state, ctx)) return;
  const method = req.method ?? 'GET';
  const route = resolveRoute(state, method, ctx.url, req);
  if (!route) {
    await drain(req);
    throw notFound(`route ${method} ${ctx.url.pathname}`);
  }
  const retryTestId = req.headers['x-retry-test-id'];
  const fault = state.faults.take({
    operation: route.operation,
    carriesData: route.carriesData,
    ...named(route.objectName),
    ...(typeof retryTestId === 'string' ? { retryTestId } : {}),
  });
  if (fault?.kind === 'status') {
    await drain(req);
    throw new GcsHttpError(fault.status, reasonFor(fault.status), `Injected fault: HTTP ${fault.status}`);
  }
  if (fault?.kind === 'reset') {
    ctx.socket.resetAndDestroy();
    return;
  }
  if (fault?.kind === 'stall' && fault.afterBytes === 0) await sleep(fault.ms);
  else if (fault) ctx.fault = fault;
  await route.run(state, ctx);
}

function reasonFor(status: number): string {
  if (status === 429) return 'rateLimitExceeded';
  if (status === 503) return 'backendError';
  if (status === 500) return 'internalError';
  if (status === 408) return 'requestTimeout';
  return 'injectedFault';
}

function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`Malformed percent-encoding in '${raw}'`);
  }
}

function named(name: string | undefined): { objectName?: string } {
  return name === undefined ? {} : { objectName: name };
}
