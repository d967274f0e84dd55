import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceObject } from '../copy/metadata';
import { withEventKey } from '../copy/resolve-key';
import { headSource } from '../copy/s3-source';
import { publishBenignEnding, type MetricsSink } from '../metrics';
import { InvalidInput, SourceChanged } from './errors';
import { withObject, type PreparedEvent } from './prepare';

/**
 * "Describe the object": HeadObject fills in what the event did not carry (size, ETag, and the version, which then
 * pins the copy). Errors arrive classified by headSource: gone -> SourceNotFound, archived/denied -> SourceNotReadable,
 * throttled -> TransientError.
 */
export async function describeObject(prepared: PreparedEvent, s3: S3Client, sink?: MetricsSink): Promise<PreparedEvent> {
  try {
    return await described(prepared, s3);
  } catch (err) {
    // The ASL ends these SUCCEEDED (source-gone, superseded) without an alert: the metric is what an operator can alarm on.
    if (sink) publishBenignEnding(err, prepared.object, sink);
    throw err;
  }
}

async function described(prepared: PreparedEvent, s3: S3Client): Promise<PreparedEvent> {
  const head: SourceObject = await withEventKey(s3, prepared.object, (o) =>
    headSource(s3, { bucket: o.bucket, key: o.key, versionId: o.versionId, etag: o.etag }),
  );
  const { keyAlternative: _resolved, ...object } = prepared.object;
  if (head.key !== object.key) prepared = { ...prepared, destination: renamedDestination(prepared.destination, object.key, head.key) };
  if (object.etag && head.etag !== object.etag) {
    throw new SourceChanged(
      `s3://${object.bucket}/${object.key} now has ETag ${head.etag}, the event named ${object.etag}: it changed since the event, and the newer event backs it up.`,
    );
  }
  return withObject(prepared, {
    ...object,
    key: head.key,
    size: head.size,
    etag: head.etag,
    ...(head.versionId ? { versionId: head.versionId } : {}),
  });
}

/** The destination URL ends with the source key in every layout (keys.ts destinationUrl); the resolved key replaces it. */
function renamedDestination(destination: string, from: string, to: string): string {
  if (!destination.endsWith(from)) throw new Error(`destination ${destination} does not end with the key ${from}`);
  return destination.slice(0, destination.length - from.length) + to;
}

/** The Lambda payload is the state machine's record; refuse anything else with a clear reason. */
export function parsePreparedEvent(payload: unknown): PreparedEvent {
  const p = payload as Partial<PreparedEvent> | null;
  const o = p?.object;
  if (!p || typeof p !== 'object' || !o || typeof o.bucket !== 'string' || typeof o.key !== 'string' || typeof p.destination !== 'string') {
    throw new InvalidInput(
      'Expected the state machine record {object:{bucket,key,…}, destination, skippedBy, report} produced by "Normalize the event"',
    );
  }
  return p as PreparedEvent;
}
