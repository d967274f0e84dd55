/**
 * Requests one small copy makes, by kind, counted on the wire (node:diagnostics_channel sees every HTTP request the
 * AWS SDK and the GCS client send), each with the reason the integrity rules give for it.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { copyObject } from '../../workflows/copy/engine';

export type RequestKind = 'S3 HEAD' | 'S3 GET' | 'GCS metadata read' | 'GCS upload' | 'GCS verify read' | 'GCS patch' | 'GCS delete' | 'other';

/**
 * Why each kind of request is there, as the design states it (ARCHITECTURE.md, "Correctness rules"). A small copy
 * whose event gives the size and the ETag (or version) needs three: nothing in the rules can drop the destination
 * read (a copy decides before it writes), the GET (the bytes) or the upload.
 */
export const REQUEST_REASONS: Record<RequestKind, string> = {
  'S3 HEAD':
    "not needed when the event gives the size and pins the version: the GET describes it. Large objects (the full-object checksum and size before ranged GETs) and requests without a size or pin still describe it first",
  'S3 GET':
    "the bytes and, in the same answer, the pinned version's description (ETag, size, storage class, SSE, S3's checksums, metadata): pinned by VersionId or IfMatch so a changed object is superseded, not copied wrong; sent alongside the destination read",
  'GCS metadata read':
    "idempotence and order: the destination's recorded source version and sequencer (already-current, stale-event) and the generation for ifGenerationMatch, read before anything is written (a 404 for a new object is not billed)",
  'GCS upload':
    'one multipart upload with ifGenerationMatch, carrying the provenance and the CRC32C/MD5 computed while reading (already checked ' +
    "against the source's): GCS refuses bytes that do not match them and answers with the stored hashes, so the mark rides on the upload " +
    'and no verify read or patch is needed',
  'GCS verify read': 'end-to-end integrity: what GCS stored, checked against the CRC32C/MD5 computed while streaming',
  'GCS patch': 'the verified mark, set only after verification',
  'GCS delete': 'removing a copy that failed verification',
  other: 'not expected on a small copy',
};

/**
 * The fewest requests of each kind a small copy can make under those rules: the source pinned, described and read by
 * one GET (no HEAD: the GET's answer describes the version), the destination's state read once, and one upload that
 * carries its own proof (no verify read, no patch).
 */
export const MINIMUM_SMALL_COPY_REQUESTS: Record<RequestKind, number> = {
  'S3 HEAD': 0,
  'S3 GET': 1,
  'GCS metadata read': 1,
  'GCS upload': 1,
  'GCS verify read': 0,
  'GCS patch': 0,
  'GCS delete': 0,
  other: 0,
};

export interface RequestCount {
  kind: RequestKind;
  count: number;
  reason: string;
}

export interface ServerPorts {
  s3: string;
  gcs: string;
}

function classify(req: ClientRequest, ports: ServerPorts): RequestKind {
  const host = req.getHeader('host');
  const port = String(host ?? '').split(':')[1] ?? '';
  const path = req.path;
  if (port === ports.s3) return req.method === 'HEAD' ? 'S3 HEAD' : req.method === 'GET' ? 'S3 GET' : 'other';
  if (port !== ports.gcs) return 'other';
  if (path.includes('/upload/')) return 'GCS upload';
  if (req.method === 'PATCH') return 'GCS patch';
  if (req.method === 'DELETE') return 'GCS delete';
  if (req.method === 'GET') return path.includes('alt=media') ? 'GCS verify read' : 'GCS metadata read';
  return 'other';
}

/** Puts one object of `bytes`, copies it once with the engine, and counts the copy's requests by kind. */
export async function countSmallCopyRequests(o: {
  s3: S3Client;
  storage: Storage;
  s3Endpoint: string;
  gcsEndpoint: string;
  sourceBucket: string;
  destinationBucket: string;
  bytes: number;
}): Promise<RequestCount[]> {
  const key = `requests/one ${Date.now()}.bin`;
  const put = await o.s3.send(new PutObjectCommand({ Bucket: o.sourceBucket, Key: key, Body: Buffer.alloc(o.bytes, 7) }));
  const { counts } = await countRequests({ s3: new URL(o.s3Endpoint).port, gcs: new URL(o.gcsEndpoint).port }, async () => {
    const out = await copyObject(
      { bucket: o.sourceBucket, key, etag: (put.ETag ?? '').replace(/"/g, ''), size: o.bytes },
      { s3: o.s3, storage: o.storage, target: { bucket: o.destinationBucket, prefix: 'requests/' } },
    );
    if (out.outcome !== 'copied') throw new Error(`the counted copy ended ${out.outcome}, expected copied`);
  });
  return counts;
}

/** The requests sent to the two servers while `run` runs, by kind (in REQUEST_REASONS order) and in the order sent. */
export async function countRequests<T>(ports: ServerPorts, run: () => Promise<T>): Promise<{ result: T; counts: RequestCount[]; sequence: RequestKind[] }> {
  const sequence: RequestKind[] = [];
  const onRequest = (message: unknown): void => void sequence.push(classify((message as { request: ClientRequest }).request, ports));
  subscribe('http.client.request.start', onRequest);
  let result: T;
  try {
    result = await run();
  } finally {
    unsubscribe('http.client.request.start', onRequest);
  }
  const counts = (Object.keys(REQUEST_REASONS) as RequestKind[])
    .map((kind) => ({ kind, count: sequence.filter((k) => k === kind).length, reason: REQUEST_REASONS[kind] }))
    .filter((c) => c.count > 0);
  return { result, counts, sequence };
}
