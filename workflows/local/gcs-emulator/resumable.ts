import { randomUUID } from 'node:crypto';
import { answerAfterCommit } from './commit-faults';
import type { ContentWriter } from './content';
import type { EmulatorState, RequestContext } from './context';
import { badRequest, GcsHttpError, notFound, sendJson } from './errors';
import { BrokenStreamFault } from './fault-streams';
import { StreamHasher, type ObjectHashes } from './hashes';
import { drain, readJson } from './http-util';
import { declaredHashes, expectedHashes, receiveInto, verifyHashes, withoutUndefined } from './receive';
import { objectResource } from './resource';
import { checkPreconditions, fieldsFromJson, preconditionsFrom, type Preconditions, type StoredObject, type WritableObjectFields } from './store';

/** GCS persists resumable data in multiples of 256 KiB; only the final chunk may be shorter. */
export const CHUNK_QUANTUM = 256 * 1024;

interface Session {
  id: string;
  bucket: string;
  name: string;
  fields: WritableObjectFields;
  expected: Partial<ObjectHashes>;
  preconditions: Preconditions;
  writer: ContentWriter;
  hasher: StreamHasher;
  /** the finished object, once the final chunk committed */
  result?: StoredObject;
  /** requests on one session run one after another */
  tail: Promise<void>;
}

export type UploadSessions = Map<string, Session>;

/** `POST ...?uploadType=resumable`: checks the bucket and preconditions now, answers 200 + Location (the session URI). */
export async function startResumable(state: EmulatorState, ctx: RequestContext, bucket: string): Promise<void> {
  state.store.bucket(bucket);
  const meta = await readJson(ctx.req);
  const name = ctx.url.searchParams.get('name') ?? (typeof meta.name === 'string' ? meta.name : undefined);
  if (!name) throw badRequest('Required parameter: name');
  const preconditions = preconditionsFrom(ctx.url.searchParams);
  checkPreconditions(state.store.peek(bucket, name), preconditions);
  const headerType = ctx.req.headers['x-upload-content-type'];
  const session: Session = {
    id: randomUUID().replace(/-/g, ''),
    bucket,
    name,
    fields: { contentType: typeof headerType === 'string' ? headerType : undefined, ...fieldsFromJson(meta) },
    expected: declaredHashes(meta),
    preconditions,
    writer: await state.contents.createWriter(),
    hasher: new StreamHasher(),
    tail: Promise.resolve(),
  };
  state.sessions.set(session.id, session);
  const location = `${ctx.baseUrl}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${session.id}`;
  ctx.res.writeHead(200, { location, 'content-length': 0, 'x-guploader-uploadid': session.id });
  ctx.res.end();
}

/** PUT (Node client) or POST (Go client, rclone) on a session URI: a chunk, a status query, or a cancel (DELETE). */
export async function sessionRequest(state: EmulatorState, ctx: RequestContext, uploadId: string): Promise<void> {
  const session = state.sessions.get(uploadId);
  if (!session) {
    await drain(ctx.req);
    throw notFound(`upload session '${uploadId}'`);
  }
  // One request at a time per session: a retry may arrive while an aborted request is still being rolled back.
  const previous = session.tail;
  let release!: () => void;
  session.tail = new Promise((r) => (release = r));
  await previous;
  try {
    await handleSessionRequest(state, ctx, session);
  } finally {
    release();
  }
}

async function handleSessionRequest(state: EmulatorState, ctx: RequestContext, session: Session): Promise<void> {
  if (ctx.req.method === 'DELETE') {
    await drain(ctx.req);
    state.sessions.delete(session.id);
    await session.writer.abort();
    ctx.res.writeHead(499, { 'content-length': 0 });
    ctx.res.end();
    return;
  }
  if (session.result) {
    await drain(ctx.req);
    sendJson(ctx.res, 200, objectResource(session.result, ctx.baseUrl));
    return;
  }
  const range = parseContentRange(ctx.req.headers['content-range']);
  const writer = session.writer;
  if (range.kind === 'query') {
    await drain(ctx.req);
    if (range.total !== undefined && range.total === writer.size) return finalize(state, ctx, session);
    return answerIncomplete(ctx, writer.size);
  }
  if (range.start > writer.size) {
    await drain(ctx.req);
    throw badRequest(`Invalid request. Content-Range starts at ${range.start} but the server holds ${writer.size} bytes.`);
  }
  const startSize = writer.size;
  const snapshot = session.hasher.snapshot();
  try {
    await receiveInto(ctx.req, writer, session.hasher, ctx.fault, writer.size - range.start);
  } catch (err) {
    // Like GCS, keep what arrived in whole 256 KiB units; the client asks (bytes */*) and resumes from there.
    await rollBackTo(session, snapshot, startSize, alignDown(writer.size, startSize));
    if (err instanceof BrokenStreamFault) ctx.socket.destroy();
    if (err instanceof BrokenStreamFault || ctx.socket.destroyed) return; // nobody is left to answer
    throw err;
  }
  const total = range.total;
  if (total !== undefined && (writer.size > total || (range.last && writer.size !== total))) {
    await rollBackTo(session, snapshot, startSize, startSize);
    throw badRequest(`Invalid request. The server holds ${writer.size} bytes, but Content-Range declared a total of ${total}.`);
  }
  if (range.last || (total !== undefined && writer.size === total)) return finalize(state, ctx, session);
  const kept = alignDown(writer.size, startSize);
  if (kept < writer.size) await rollBackTo(session, snapshot, startSize, kept);
  answerIncomplete(ctx, kept);
}

async function finalize(state: EmulatorState, ctx: RequestContext, session: Session): Promise<void> {
  const hashes = session.hasher.digest();
  try {
    // The final request's X-Goog-Hash is checked as well as the hashes declared when the session started.
    for (const declared of [session.expected, ...expectedHashes(ctx, {})]) verifyHashes(hashes, declared);
  } catch (err) {
    // No object is created; the previous generation stays current.
    state.sessions.delete(session.id);
    await session.writer.abort();
    throw err;
  }
  const content = await session.writer.finish();
  try {
    session.result = state.store.commit(session.bucket, session.name, { ...withoutUndefined(session.fields), ...hashes, content }, session.preconditions);
  } catch (err) {
    content.dispose();
    state.sessions.delete(session.id);
    throw err;
  }
  // A later status query on the session still gets the committed object, as from GCS.
  if (await answerAfterCommit(state, ctx, session.name)) sendJson(ctx.res, 200, objectResource(session.result, ctx.baseUrl));
}

/**
 * 308 + `Range: bytes=0-<last>` (no Range when nothing is stored). Go clients (rclone) send `X-GUploader-No-308: yes`
 * because their HTTP stack follows 308 as a redirect: they get 200 + `X-Http-Status-Code-Override: 308` instead.
 */
function answerIncomplete(ctx: RequestContext, persisted: number): void {
  const headers: Record<string, string | number> = { 'content-length': 0 };
  if (persisted > 0) headers.range = `bytes=0-${persisted - 1}`;
  if (String(ctx.req.headers['x-guploader-no-308']).toLowerCase() === 'yes') {
    ctx.res.writeHead(200, { ...headers, 'x-http-status-code-override': '308' });
  } else {
    ctx.res.writeHead(308, headers);
  }
  ctx.res.end();
}

async function rollBackTo(session: Session, snapshot: StreamHasher, startSize: number, keep: number): Promise<void> {
  if (keep === session.writer.size) return;
  await session.writer.truncate(keep);
  session.hasher = snapshot;
  for await (const chunk of session.writer.read(startSize, keep)) session.hasher.update(chunk as Buffer);
}

function alignDown(size: number, floor: number): number {
  return Math.max(floor, size - (size % CHUNK_QUANTUM));
}

type ContentRange = { kind: 'query'; total?: number } | { kind: 'data'; start: number; total?: number; last: boolean };

// Content-Range forms: "bytes */*" and "bytes */T" ask for status (the latter finalizes when T bytes are held);
// "bytes a-b/*" is a middle chunk; "bytes a-b/T" may be the last; "bytes a-*/T", "bytes a-*/*" (Node's single-request
// mode) or no header at all carry the rest of the object.
export function parseContentRange(header: string | undefined): ContentRange {
  if (header === undefined) return { kind: 'data', start: 0, last: true };
  const query = /^bytes \*\/(\d+|\*)$/.exec(header.trim());
  if (query) return query[1] === '*' ? { kind: 'query' } : { kind: 'query', total: Number(query[1]) };
  const data = /^bytes (\d+)-(-?\d+|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!data) throw new GcsHttpError(400, 'invalid', `Invalid Content-Range header '${header}'`);
  const total = data[3] === '*' ? undefined : Number(data[3]);
  return { kind: 'data', start: Number(data[1]), ...(total !== undefined ? { total } : {}), last: data[2] === '*' };
}
