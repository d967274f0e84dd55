/**
 * The one place S3's "null" version is turned into "no version". S3 reports VersionId "null" for an object written
 * while the bucket's versioning was never enabled or was suspended (event `versionId`/`version-id`, HeadObject's
 * x-amz-version-id, ListObjectVersions, inventory reports). "null" names no particular write: every overwrite in a
 * suspended bucket replaces the same "null" version, so it can neither pin a read nor tell two overwrites apart
 * (the sequencer or the ETag must). https://docs.aws.amazon.com/AmazonS3/latest/userguide/VersioningWorkingWithSuspendedBuckets.html
 */
export const NULL_VERSION_ID = 'null';

/** The version id, or undefined when S3 gave none or gave "null". */
export function sourceVersionId(versionId: string | null | undefined): string | undefined {
  return versionId === undefined || versionId === null || versionId === '' || versionId === NULL_VERSION_ID ? undefined : versionId;
}
