import { Readable, pipeline } from 'node:stream';
import type { EmulatorState, RequestContext } from './context';
import { GcsHttpError, sendJson } from './errors';
import { withDataFault } from './fault-streams';
import { drain, readJson } from './http-util';
import { etagOf, objectResource } from './resource';
import { checkPreconditions, preconditionsFrom, type StoredObject } from './store';

export function getObjectMetadata(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): void {
  const obj = liveObject(state, ctx, bucket, name);
  sendJson(ctx.res, 200, objectResource(obj, ctx.baseUrl));
}

export async function patchObject(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): Promise<void> {
  const changes = await readJson(ctx.req);
  const obj = state.store.patch(bucket, name, changes, preconditionsFrom(ctx.url.searchParams), ctx.url.searchParams.get('generation'));
  sendJson(ctx.res, 200, objectResource(obj, ctx.baseUrl));
}

export async function deleteObject(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): Promise<void> {
  await drain(ctx.req);
  state.store.delete(bucket, name, preconditionsFrom(ctx.url.searchParams), ctx.url.searchParams.get('generation'));
  ctx.res.writeHead(204, { 'content-length': 0 });
  ctx.res.end();
}

export function listObjects(state: EmulatorState, ctx: RequestContext, bucket: string): void {
  const q = ctx.url.searchParams;
  const maxResults = q.get('maxResults');
  const page = state.store.list(bucket, {
    ...optional('prefix', q.get('prefix')),
    ...optional('delimiter', q.get('delimiter')),
    ...optional('pageToken', q.get('pageToken')),
    ...optional('startOffset', q.get('startOffset')),
    ...optional('endOffset', q.get('endOffset')),
    ...(maxResults ? { maxResults: Number(maxResults) } : {}),
    includeTrailingDelimiter: q.get('includeTrailingDelimiter') === 'true',
    versions: q.get('versions') === 'true',
  });
  sendJson(ctx.res, 200, {
    kind: 'storage#objects',
    ...(page.prefixes.length ? { prefixes: page.prefixes } : {}),
    items: page.items.map((o) => objectResource(o, ctx.baseUrl)),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  });
}

/**
 * Media download (`alt=media` or mediaLink). Sends x-goog-hash of the whole object and
 * x-goog-stored-content-encoding, without which @google-cloud/storage skips its hash check.
 */
export function downloadObject(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): void {
  const obj = liveObject(state, ctx, bucket, name);
  const range = parseRange(ctx.req.headers.range, obj.size);
  const headers: Record<string, string | number> = {
    'content-type': obj.contentType ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    etag: etagOf(obj),
    'last-modified': new Date(obj.updated).toUTCString(),
    'x-goog-generation': obj.generation,
    'x-goog-metageneration': String(obj.metageneration),
    'x-goog-hash': `crc32c=${obj.crc32c},md5=${obj.md5Hash}`,
    'x-goog-stored-content-encoding': obj.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(obj.size),
    'x-goog-storage-class': obj.storageClass ?? 'STANDARD',
  };
  if (obj.contentEncoding) headers['content-encoding'] = obj.contentEncoding;
  if (obj.contentDisposition) headers['content-disposition'] = obj.contentDisposition;
  if (obj.contentLanguage) headers['content-language'] = obj.contentLanguage;
  if (obj.cacheControl) headers['cache-control'] = obj.cacheControl;
  if (range === 'unsatisfiable') {
    throw new GcsHttpError(416, 'requestedRangeNotSatisfiable', `Request range not satisfiable (object size ${obj.size})`);
  }
  const [start, end] = range ?? [0, obj.size];
  headers['content-length'] = end - start;
  if (range) headers['content-range'] = `bytes ${start}-${end - 1}/${obj.size}`;
  ctx.res.writeHead(range ? 206 : 200, headers);
  const bytes = obj.content.read(start, end);
  const body = ctx.fault ? Readable.from(withDataFault(bytes, ctx.fault, true), { objectMode: false }) : bytes;
  // On a broken-stream fault or a client abort, pipeline destroys the response: the connection closes mid-body.
  pipeline(body, ctx.res, () => undefined);
}

function liveObject(state: EmulatorState, ctx: RequestContext, bucket: string, name: string): StoredObject {
  const obj = state.store.get(bucket, name, ctx.url.searchParams.get('generation'));
  checkPreconditions(obj, preconditionsFrom(ctx.url.searchParams));
  return obj;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → [start, end) ; absent or multi-range → whole object. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? 'unsatisfiable' : [size - n, size];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(Number(m[2]) + 1, size);
  if (start >= size || end <= start) return 'unsatisfiable';
  return [start, end];
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}
