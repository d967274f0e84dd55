import { answerAfterCommit } from './commit-faults';
import type { ContentWriter } from './content';
import type { EmulatorState, RequestContext } from './context';
import { badRequest, sendJson } from './errors';
import { BrokenStreamFault } from './fault-streams';
import { StreamHasher, type ObjectHashes } from './hashes';
import { parseJsonObject } from './http-util';
import { boundaryOf, parseMultipart } from './multipart';
import { expectedHashes, receiveInto, verifyHashes, withoutUndefined } from './receive';
import { objectResource } from './resource';
import { fieldsFromJson, preconditionsFrom, type StoredObject, type WritableObjectFields } from './store';

/** `uploadType=multipart`: a JSON metadata part, then the bytes, in one streamed request. */
export async function multipartUpload(state: EmulatorState, ctx: RequestContext, bucket: string): Promise<void> {
  state.store.bucket(bucket);
  const parts = parseMultipart(ctx.req, boundaryOf(ctx.req.headers['content-type']));
  let meta: Record<string, unknown> = {};
  let mediaType: string | undefined;
  async function* media(): AsyncGenerator<Buffer> {
    let part = 0;
    const metaChunks: Buffer[] = [];
    for await (const ev of parts) {
      if (ev.type === 'part') {
        part++;
        if (part === 2) mediaType = ev.headers['content-type'];
      } else if (ev.type === 'data') {
        if (part === 1) metaChunks.push(ev.data);
        else if (part === 2) yield ev.data;
        else throw badRequest('multipart upload must have exactly two parts: metadata, then media');
      } else if (part === 1) {
        meta = parseJsonObject(Buffer.concat(metaChunks).toString('utf8'));
      }
    }
    if (part !== 2) throw badRequest('multipart upload must have exactly two parts: metadata, then media');
  }
  await storeUpload(state, ctx, bucket, media(), () => ({
    name: ctx.url.searchParams.get('name') ?? (typeof meta.name === 'string' ? meta.name : undefined),
    fields: { contentType: mediaType, ...fieldsFromJson(meta) },
    expected: expectedHashes(ctx, meta),
  }));
}

/** `uploadType=media`: the body is the object, the name is in the query. */
export async function mediaUpload(state: EmulatorState, ctx: RequestContext, bucket: string): Promise<void> {
  state.store.bucket(bucket);
  await storeUpload(state, ctx, bucket, ctx.req, () => ({
    name: ctx.url.searchParams.get('name') ?? undefined,
    fields: { contentType: ctx.req.headers['content-type'] },
    expected: expectedHashes(ctx, {}),
  }));
}

interface Described {
  name: string | undefined;
  fields: WritableObjectFields;
  expected: Partial<ObjectHashes>[];
}

async function storeUpload(state: EmulatorState, ctx: RequestContext, bucket: string, bytes: AsyncIterable<Buffer>, describe: () => Described): Promise<void> {
  const writer: ContentWriter = await state.contents.createWriter();
  const hasher = new StreamHasher();
  try {
    await receiveInto(bytes, writer, hasher, ctx.fault);
  } catch (err) {
    await writer.abort();
    if (err instanceof BrokenStreamFault) {
      ctx.socket.destroy();
      return;
    }
    throw err;
  }
  const { name, fields, expected } = describe();
  const hashes = hasher.digest();
  try {
    if (!name) throw badRequest('Required parameter: name');
    for (const declared of expected) verifyHashes(hashes, declared);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const content = await writer.finish();
  let obj: StoredObject;
  try {
    obj = state.store.commit(bucket, name, { ...withoutUndefined(fields), ...hashes, content }, preconditionsFrom(ctx.url.searchParams));
  } catch (err) {
    content.dispose();
    throw err;
  }
  if (await answerAfterCommit(state, ctx, name)) sendJson(ctx.res, 200, objectResource(obj, ctx.baseUrl));
}
