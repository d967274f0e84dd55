import type { CurrentVersion } from '../backup/destination-state';
import { SourceNotFound } from '../backup/errors';
import { headSource } from './s3-source';

/**
 * Which version of the key S3 holds as current right now: one HeadObject without VersionId or If-Match, asked only when
 * neither sequencers nor LastModified order two versions (destination-state.ts). 'none' when the key is deleted
 * (absent, or a delete marker: HeadObject answers 404 for both). Other errors leave here classified by headSource.
 */
export async function currentVersionOf(
  s3: Parameters<typeof headSource>[0],
  version: { bucket: string; key: string; versionId?: string; etag?: string },
  signal?: AbortSignal,
): Promise<CurrentVersion> {
  try {
    const head = await headSource(s3, { bucket: version.bucket, key: version.key }, signal);
    const same = version.versionId && head.versionId ? head.versionId === version.versionId : version.etag !== undefined && head.etag === version.etag;
    return same ? 'this' : 'other';
  } catch (err) {
    if (err instanceof SourceNotFound) return 'none';
    throw err;
  }
}
