import { softDeletePolicyResource } from './soft-delete';
import type { Bucket, StoredObject } from './store';

/** The JSON API representation of an object (`storage#object`); int64 fields are strings, as on the wire. */
export function objectResource(o: StoredObject, baseUrl: string): Record<string, unknown> {
  const path = `b/${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${baseUrl}/storage/v1/${path}`,
    // rclone downloads through mediaLink, so it must point back at this server.
    mediaLink: `${baseUrl}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: String(o.metageneration),
    contentType: o.contentType,
    ...(o.contentEncoding !== undefined ? { contentEncoding: o.contentEncoding } : {}),
    ...(o.contentDisposition !== undefined ? { contentDisposition: o.contentDisposition } : {}),
    ...(o.contentLanguage !== undefined ? { contentLanguage: o.contentLanguage } : {}),
    ...(o.cacheControl !== undefined ? { cacheControl: o.cacheControl } : {}),
    ...(o.customTime !== undefined ? { customTime: o.customTime } : {}),
    ...(o.timeDeleted !== undefined ? { timeDeleted: o.timeDeleted } : {}),
    storageClass: o.storageClass,
    size: String(o.size),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: etagOf(o),
    timeCreated: o.timeCreated,
    updated: o.updated,
    timeStorageClassUpdated: o.timeCreated,
    ...(o.metadata ? { metadata: o.metadata } : {}),
  };
}

export function etagOf(o: StoredObject): string {
  return Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64');
}

export function bucketResource(b: Bucket, baseUrl: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: b.name,
    selfLink: `${baseUrl}/storage/v1/b/${encodeURIComponent(b.name)}`,
    projectNumber: '0',
    name: b.name,
    timeCreated: b.timeCreated,
    updated: b.timeCreated,
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    versioning: { enabled: b.versioning },
    ...softDeletePolicyResource(b.softDeletePolicy),
    etag: 'CAE=',
  };
}
