/**
 * Named errors: the contract between the code and asl/backup-object.asl.json.
 * The ASL's Retry/Catch `ErrorEquals` match these names (Step Functions reads `errorType` = `error.name`),
 * so renaming one is a breaking change to the state machine.
 */
export const ERROR_NAMES = [
  'TransientError',
  'TierCapacityExceeded',
  'SourceNotFound',
  'SourceChanged',
  'SourceNotReadable',
  'ConfigurationError',
  'DestinationAccessDenied',
  'InvalidDestinationName',
  'IntegrityError',
  'InvalidInput',
  'HeavySlotUnavailable',
] as const;

export type BackupErrorName = (typeof ERROR_NAMES)[number];

export abstract class BackupError extends Error {
  abstract override readonly name: BackupErrorName;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Throttling, 5xx, resets, timeouts: retry in place with backoff. */
export class TransientError extends BackupError {
  override readonly name = 'TransientError';
}
/** The object needs more memory or time than this tier has: escalate to the next tier now. */
export class TierCapacityExceeded extends BackupError {
  override readonly name = 'TierCapacityExceeded';
}
/** The source version no longer exists: benign, outcome `source-gone`. */
export class SourceNotFound extends BackupError {
  override readonly name = 'SourceNotFound';
}
/** The source changed since the event (ETag no longer matches): benign, outcome `superseded`. */
export class SourceChanged extends BackupError {
  override readonly name = 'SourceChanged';
}
/** Glacier/Deep Archive, SSE-C, AccessDenied on the source: alert, a person must act. */
export class SourceNotReadable extends BackupError {
  override readonly name = 'SourceNotReadable';
}
/** Missing or invalid setting, unknown bucket: alert. */
export class ConfigurationError extends BackupError {
  override readonly name = 'ConfigurationError';
}
/** GCS refused our credentials (401/403): alert. */
export class DestinationAccessDenied extends BackupError {
  override readonly name = 'DestinationAccessDenied';
}
/** The key cannot be stored as a GCS object name: alert. */
export class InvalidDestinationName extends BackupError {
  override readonly name = 'InvalidDestinationName';
}
/** Checksums disagree: retried once, then alert. No corrupt object is left current. */
export class IntegrityError extends BackupError {
  override readonly name = 'IntegrityError';
}
/** The execution input or event is not one of the documented shapes. */
export class InvalidInput extends BackupError {
  override readonly name = 'InvalidInput';
}

/** As many heavy tasks run as the stage allows: "Wait for a heavy slot" retries it with backoff, it never fails a copy. */
export class HeavySlotUnavailable extends BackupError {
  override readonly name = 'HeavySlotUnavailable';
}

export function isBackupError(err: unknown): err is BackupError {
  return err instanceof BackupError;
}
