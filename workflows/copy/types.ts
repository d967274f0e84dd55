/** The copy engine's contract, shared by the Lambdas, the heavy task, the local runner and the CLI. */

/** One source object version to back up. `key` is already decoded (see workflows/backup/keys.ts). */
export interface CopyRequest {
  bucket: string;
  key: string;
  /** Pins the exact version when the bucket is versioned. */
  versionId?: string;
  /** The event's ETag (no quotes). Pins the content via IfMatch when there is no versionId. */
  etag?: string;
  /** S3 event sequencer: orders events of one key (hex string, compare after left-padding). */
  sequencer?: string;
  /** Size from the event or HeadObject, used for routing and the memory model. */
  size?: number;
  /** The event key read the other way, tried only when S3 answers 404 for `key` (resolve-key.ts). */
  keyAlternative?: string;
}

/** Where copies go. Names are built by destinationObjectName (workflows/backup/keys.ts) and nowhere else. */
export interface CopyTarget {
  /** GCS bucket name. */
  bucket: string;
  /** Prepended to every name (Default: ''). */
  prefix: string;
  /** How source objects are laid out under `prefix`. (Default: { kind: 'by-source-bucket' }) */
  layout?: DestinationLayout;
  /** GCS storage class for new objects (Default: the bucket's default). */
  storageClass?: string;
}

/**
 * How a source object's bucket and key become a GCS object name under the target's prefix:
 * - 'by-source-bucket': `<prefix><source-bucket>/<key>`, or `<prefix><bucketPrefixes[bucket]><key>` for a bucket given
 *   its own destination prefix. Distinct buckets can never share a name (stage validation keeps the prefixes disjoint).
 * - 'legacy': `<prefix><key>`, the layout of deployments before names carried the bucket. Only `sourceBucket` may write
 *   with it: a second bucket would overwrite the first one's backups.
 */
export type DestinationLayout =
  | { readonly kind: 'by-source-bucket'; readonly bucketPrefixes?: Readonly<Record<string, string>> }
  | { readonly kind: 'legacy'; readonly sourceBucket: string };

export type OutcomeName =
  | 'copied'
  | 'already-current'
  | 'stale-event'
  | 'superseded'
  | 'source-gone'
  | 'skipped'
  | 'delete-retained'
  | 'deleted';

export type TierName = 'small' | 'large' | 'heavy';

/** What a successful step reports; the execution's output. */
export interface CopyOutcome {
  outcome: OutcomeName;
  /** Bytes moved to GCS by this attempt (0 for already-current and friends). */
  bytes: number;
  durationMs: number;
  /** Base64 CRC32C (GCS's encoding) of the destination content, when known. */
  crc32c?: string;
  /** Base64 MD5 of the destination content, when known. */
  md5?: string;
  /** gs://bucket/name */
  destination: string;
  /** GCS generation of the destination object, as a decimal string. */
  generation?: string;
  sourceVersionId?: string;
  sourceEtag?: string;
  tier?: TierName;
  /**
   * Why nothing was copied: the engine's decision for already-current/stale-event/deleted; for the outcomes the state
   * machine decides itself, the skip pattern (skipped), the policy (delete-retained) or the source error (source-gone, superseded).
   */
  detail?: string;
}
