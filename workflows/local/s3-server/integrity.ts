/**
 * Wires ./checksums.ts and ./conditions.ts into the local S3 server (fauxqs 2.4.1), which reads only CRC32, SHA1 and
 * SHA256 headers, never checks them, computes multipart composites with the wrong algorithm for CRC32C, has no
 * FULL_OBJECT multipart type, and ignores If-None-Match / If-Match on writes and all conditions on HEAD.
 *
 * - preHandler hooks (async, the body already read): compute the declared checksum of a PutObject or UploadPart body
 *   and answer 400 BadDigest when it differs; validate CreateMultipartUpload's algorithm and type; check the parts of a
 *   CompleteMultipartUpload and compute the object's checksum; answer a conditional HEAD with 412 or 304.
 * - The store's putObject / createMultipartUpload / uploadPart / completeMultipartUpload, replaced on our instance,
 *   store those checksums and check write conditions in the same synchronous step as the write, so no other request
 *   can come between the check and the write. fauxqs then returns the stored checksum on PUT, HEAD, GET, GetObjectAttributes
 *   and CompleteMultipartUpload (it names headers and XML elements after the stored algorithm).
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  badDigest,
  checksumHeader,
  checksumOf,
  ChecksumError,
  compositeChecksum,
  completedParts,
  declaredChecksum,
  multipartChecksumType,
  parseAlgorithm,
  verifiedChecksum,
  type ChecksumAlgorithm,
  type ChecksumType,
} from './checksums';
import { readConditionFailure, writeConditionFailure } from './conditions';
import type { S3CreatedEventName } from './events';

/** The fields of fauxqs's store this module reads or replaces (fauxqs 2.4.1's S3Store). */
export interface S3ObjectRecord {
  key: string;
  contentLength: number;
  etag: string;
  lastModified: Date;
  checksumAlgorithm?: string;
  checksumValue?: string;
  checksumType?: string;
  partChecksums?: string[];
}
interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  checksumAlgorithm?: string;
  checksumType?: ChecksumType;
  parts: Map<number, { body: Buffer; checksumValue?: string }>;
}
type ChecksumFields = Pick<S3ObjectRecord, 'checksumAlgorithm' | 'checksumValue' | 'checksumType' | 'partChecksums'>;
interface Persistence {
  insertMultipartUpload(upload: UploadRecord): void;
  completeMultipartUpload(uploadId: string, bucket: string, obj: S3ObjectRecord): void;
}
export interface S3StoreLike {
  buckets: Map<string, Map<string, S3ObjectRecord>>;
  multipartUploads?: Map<string, UploadRecord>;
  spy?: { addMessage(message: { service: string; bucket?: string; key?: string; status?: string }): void };
  persistence?: unknown;
  headObject(bucket: string, key: string): S3ObjectRecord;
}
/** fauxqs's store methods as it calls them. */
interface StoreMethods {
  putObject(bucket: string, key: string, body: Buffer, contentType: string, metadata: unknown, systemMeta: unknown, checksum?: { algorithm: string; value: string; type: string }): S3ObjectRecord;
  createMultipartUpload(bucket: string, key: string, contentType: string, metadata: unknown, systemMeta: unknown, checksumAlgorithm?: string): string;
  uploadPart(uploadId: string, partNumber: number, body: Buffer, checksumValue?: string): { etag: string; checksumValue?: string };
  completeMultipartUpload(uploadId: string, parts: { partNumber: number; etag: string }[]): S3ObjectRecord;
}

/** What a request carries from its hooks to the store. */
export interface RequestContext {
  eventName: S3CreatedEventName;
  headers: IncomingHttpHeaders;
  /** The verified checksum of a PutObject or UploadPart body (undefined: none declared). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** CreateMultipartUpload's validated algorithm and type. */
  upload?: { algorithm: ChecksumAlgorithm; type: ChecksumType };
  /** CompleteMultipartUpload's object checksum, and the part bodies it was computed from. */
  complete?: { fields: ChecksumFields; bodies: Buffer[] };
}

type S3ErrorCtor = new (code: string, message: string, statusCode: number, resource?: string) => Error;
type ErrorXml = (code: string, message: string, resource: string) => string;

export function installIntegrity(app: FastifyInstance, s3Store: S3StoreLike, context: AsyncLocalStorage<RequestContext>, S3Error: S3ErrorCtor, errorXml: ErrorXml): void {
  const store = s3Store as unknown as S3StoreLike & StoreMethods;
  const uploads = (): Map<string, UploadRecord> => s3Store.multipartUploads ?? new Map();
  const existing = (bucket: string, key: string) => s3Store.buckets.get(bucket)?.get(key);
  const ctx = (): RequestContext | undefined => context.getStore();
  const refuseWrite = (bucket: string, key: string): void => {
    const headers = ctx()?.headers;
    const failure = headers && writeConditionFailure(headers, existing(bucket, key));
    if (failure) throw new S3Error(failure.code, failure.message, failure.statusCode, `/${bucket}/${key}`);
  };

  app.addHook('preHandler', async (request, reply) => {
    const params = request.params as { bucket?: string; '*'?: string } | undefined;
    const key = params?.['*'];
    if (!params?.bucket || !key) return;
    const query = (request.query ?? {}) as Record<string, string | undefined>;
    const here = ctx();
    try {
      if (request.method === 'HEAD') return await conditionalHead(request, reply, existing(params.bucket, key));
      if (!here) return;
      if (request.method === 'PUT' && !request.headers['x-amz-copy-source'] && !('renameObject' in query)) {
        const upload = query.uploadId && query.partNumber ? uploads().get(query.uploadId) : undefined;
        if (query.uploadId && query.partNumber && !upload) return; // fauxqs answers NoSuchUpload
        const declared = declaredChecksum(request.headers);
        const expected = parseAlgorithm(upload?.checksumAlgorithm);
        if (declared && expected && declared.algorithm !== expected) {
          throw new ChecksumError('InvalidRequest', 400, `Checksum Type mismatch occurred, expected checksum Type: ${expected.toLowerCase()}, actual checksum Type: ${declared.algorithm.toLowerCase()}`);
        }
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        here.checksum = await verifiedChecksum(declared ?? (expected && { algorithm: expected }), body);
        if (here.checksum) reply.header(checksumHeader(here.checksum.algorithm), here.checksum.value);
      } else if (request.method === 'POST' && 'uploads' in query) {
        const algorithm = parseAlgorithm(header(request.headers, 'x-amz-checksum-algorithm'));
        const type = multipartChecksumType(algorithm, header(request.headers, 'x-amz-checksum-type'));
        if (algorithm && type) {
          here.upload = { algorithm, type };
          reply.header('x-amz-checksum-algorithm', algorithm).header('x-amz-checksum-type', type);
        }
      } else if (request.method === 'POST' && query.uploadId) {
        const upload = uploads().get(query.uploadId);
        if (upload) here.complete = await completion(upload, request);
      }
    } catch (err) {
      if (!(err instanceof ChecksumError)) throw err;
      return reply.header('content-type', 'application/xml').status(err.statusCode).send(errorXml(err.code, err.message, `/${params.bucket}/${key}`));
    }
    return undefined;
  });

  async function conditionalHead(request: FastifyRequest, reply: FastifyReply, obj: S3ObjectRecord | undefined): Promise<unknown> {
    if (!obj) return undefined; // fauxqs answers 404
    const failure = readConditionFailure(request.headers, obj);
    if (!failure) return undefined;
    return reply.header('etag', obj.etag).header('last-modified', obj.lastModified.toUTCString()).status(failure.statusCode).send();
  }

  /** Checks the listed parts' checksums and computes the object's: COMPOSITE `xxx-N` or FULL_OBJECT. */
  async function completion(upload: UploadRecord, request: FastifyRequest): Promise<RequestContext['complete']> {
    const algorithm = parseAlgorithm(upload.checksumAlgorithm);
    const type = upload.checksumType ?? 'COMPOSITE';
    const xml = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : String(request.body ?? '');
    if (!algorithm) {
      // Parts sent with a checksum (an SDK's default CRC32) to an upload created without an algorithm: S3 refuses to
      // complete it (aws/aws-sdk-java-v2#6518, aws/aws-sdk-go-v2#3005).
      if (completedParts(xml).some((p) => upload.parts.get(p.partNumber)?.checksumValue !== undefined)) throw invalidPart();
      return undefined;
    }
    const requestedType = header(request.headers, 'x-amz-checksum-type')?.toUpperCase();
    if (requestedType && requestedType !== type) {
      throw new ChecksumError('InvalidRequest', 400, `The upload was created using the ${type} checksum mode. The complete request must use the same checksum mode.`);
    }
    const partChecksums: string[] = [];
    const bodies: Buffer[] = [];
    for (const listed of completedParts(xml)) {
      const part = upload.parts.get(listed.partNumber);
      if (!part) return undefined; // fauxqs answers InvalidPart
      const stored = part.checksumValue ?? (await checksumOf(algorithm, [part.body]));
      const given = listed.checksums[algorithm];
      const other = Object.keys(listed.checksums).find((a) => a !== algorithm);
      if (other) throw invalidPart();
      if (given === undefined && type === 'COMPOSITE') {
        throw new ChecksumError('InvalidRequest', 400, `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${listed.partNumber} in the request.`);
      }
      if (given !== undefined && given !== stored) {
        throw invalidPart();
      }
      partChecksums.push(stored);
      bodies.push(part.body);
    }
    const value = type === 'COMPOSITE' ? await compositeChecksum(algorithm, partChecksums) : await checksumOf(algorithm, bodies);
    const declared = header(request.headers, checksumHeader(algorithm));
    if (declared !== undefined && declared !== value && `${declared}-${partChecksums.length}` !== value) throw badDigest(algorithm);
    return { fields: { checksumAlgorithm: algorithm, checksumValue: value, checksumType: type, partChecksums }, bodies };
  }

  // ── The store: checksums stored, write conditions checked, both with the write itself ──
  const putObject = store.putObject.bind(store);
  store.putObject = (bucket, key, body, contentType, metadata, systemMeta, checksum) => {
    refuseWrite(bucket, key);
    const here = ctx();
    // A PutObject stores what its hook verified; a CopyObject keeps what fauxqs copied from the source.
    if (here && !here.headers['x-amz-copy-source'] && here.eventName === 'ObjectCreated:Put') {
      checksum = here.checksum && { algorithm: here.checksum.algorithm, value: here.checksum.value, type: 'FULL_OBJECT' };
    }
    return putObject(bucket, key, body, contentType, metadata, systemMeta, checksum);
  };

  const createMultipartUpload = store.createMultipartUpload.bind(store);
  store.createMultipartUpload = (bucket, key, contentType, metadata, systemMeta) => {
    const chosen = ctx()?.upload;
    const uploadId = createMultipartUpload(bucket, key, contentType, metadata, systemMeta, chosen?.algorithm);
    const upload = uploads().get(uploadId);
    if (upload && chosen) {
      upload.checksumType = chosen.type;
      (s3Store.persistence as Persistence | undefined)?.insertMultipartUpload(upload);
    }
    return uploadId;
  };

  const uploadPart = store.uploadPart.bind(store);
  store.uploadPart = (uploadId, partNumber, body, checksumValue) => uploadPart(uploadId, partNumber, body, ctx()?.checksum?.value ?? checksumValue);

  const completeMultipartUpload = store.completeMultipartUpload.bind(store);
  store.completeMultipartUpload = (uploadId, parts) => {
    const upload = uploads().get(uploadId);
    if (upload) refuseWrite(upload.bucket, upload.key);
    const computed = ctx()?.complete;
    if (!upload || !computed) return completeMultipartUpload(uploadId, parts);
    // The parts must still be the bytes the hook hashed (a part re-uploaded in between: S3's 409 for a race).
    const now = parts.map((p) => upload.parts.get(p.partNumber)?.body);
    if (now.length !== computed.bodies.length || now.some((b, i) => b !== computed.bodies[i])) {
      throw new S3Error('ConditionalRequestConflict', 'A conflicting operation occurred during the upload. Retry the request.', 409);
    }
    // fauxqs would compute its own composite (with SHA256 for a CRC32C upload): it gets no algorithm, we set ours.
    const algorithm = upload.checksumAlgorithm;
    delete upload.checksumAlgorithm;
    try {
      pendingFields = computed.fields;
      return Object.assign(completeMultipartUpload(uploadId, parts), computed.fields);
    } finally {
      pendingFields = undefined;
      if (uploads().has(uploadId)) upload.checksumAlgorithm = algorithm;
    }
  };
  // With a dataDir the store keeps a copy of the object made after persisting it: the checksum goes in before both.
  let pendingFields: ChecksumFields | undefined;
  const persistence = s3Store.persistence as Persistence | undefined;
  if (persistence) {
    const persist = persistence.completeMultipartUpload.bind(persistence);
    persistence.completeMultipartUpload = (uploadId, bucket, obj) => persist(uploadId, bucket, pendingFields ? Object.assign(obj, pendingFields) : obj);
  }
}

const invalidPart = (): Error =>
  new ChecksumError('InvalidPart', 400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
