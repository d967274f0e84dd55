import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger, built once at module scope so every handler and workflow logs the same structured way.
 * Level from POWERTOOLS_LOG_LEVEL (Default: INFO). Per-object code uses `forObject()` for correlation keys.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 's3-gcs-backup' });

/** A child logger whose every line carries the source object's bucket, key and version. */
export function forObject(source: { bucket: string; key: string; versionId?: string }): Logger {
  return logger.createChild({
    persistentKeys: { bucket: source.bucket, key: source.key, ...(source.versionId ? { versionId: source.versionId } : {}) },
  });
}
