import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { httpStatusOf } from '../backup/classify-error';
import { CliError, fromServiceError } from './errors';
import { EXIT } from './exit-codes';
import type { Output } from './io';
import { displayText } from './safe-text';
import type { Target } from './target';

/**
 * Transport: before a replay, does the object (or the version) exist? A missing one is exit 1, "no such object", and no
 * execution is started (the workflow would end SUCCEEDED with outcome source-gone). 404 is a missing key or version;
 * 405 is a version that is a delete marker (HeadObject's answer for one). When the credentials may not look (403: S3
 * also answers 403 for a missing key without s3:ListBucket), the replay starts anyway and says so.
 */
export async function requireSourceObject(target: Target, out: Output, object: { bucket: string; key: string; versionId?: string }): Promise<void> {
  const where = `s3://${object.bucket}/${displayText(object.key)}${object.versionId ? ` (version ${object.versionId})` : ''}`;
  try {
    await target.s3.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key, ...(object.versionId ? { VersionId: object.versionId } : {}) }));
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404 || status === 405) {
      throw noSuchObject(where, status === 405 ? 'that version is a delete marker' : undefined);
    }
    if (status === 403) {
      out.note(`Could not check that ${where} exists (access denied); starting the replay anyway.`);
      return;
    }
    throw fromServiceError(err, `HeadObject ${where}`);
  }
}

export function noSuchObject(where: string, why?: string): CliError {
  return new CliError(`no such object: ${where}${why ? ` (${why})` : ''}`, 'Check the bucket and the key exactly as stored (case, spaces; no URL-encoding), and --version-id.', EXIT.PROBLEMS);
}
