import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeS3EventKey } from '../../backup/keys';
import { sourceVersionId } from '../../backup/version-id';
import { fromServiceError, usageError } from '../errors';
import type { S3Location } from '../s3-url';
import { listSource } from '../verify/listing';
import type { BackfillObject, BackfillPage } from './run-backfill';

/** Where a backfill's objects come from: a ListObjectsV2 walk, or an S3 Inventory report (CSV) for very large buckets. */

/** ListObjectsV2 pages; position = the page's last key (resume with StartAfter). */
export async function* listingPages(s3: S3Client, loc: S3Location, resumeAfter?: string): AsyncGenerator<BackfillPage> {
  for await (const objects of listSource(s3, loc.bucket, loc.key, resumeAfter)) {
    if (objects.length === 0) continue;
    yield { bucket: loc.bucket, objects, position: objects[objects.length - 1]!.key };
  }
}

interface InventoryManifest {
  sourceBucket: string;
  destinationBucket: string;
  fileFormat: string;
  fileSchema: string;
  files: { key: string }[];
}

const ROWS_PER_PAGE = 1000;

/**
 * An S3 Inventory report: its manifest.json names gzipped CSV files whose columns `fileSchema` lists (Bucket, Key,
 * [VersionId, IsLatest, IsDeleteMarker,] Size, ETag…); keys in them are URL-encoded. Old versions and delete markers are
 * left out: a backup holds current objects. Position = `file:rows` done.
 */
export async function* manifestPages(s3: S3Client, manifestLoc: S3Location, prefix: string, resumeAt?: string): AsyncGenerator<BackfillPage> {
  const manifest = parseManifest(await readText(s3, manifestLoc), manifestLoc);
  const columns = manifest.fileSchema.split(',').map((c) => c.trim());
  const col = (name: string): number => columns.indexOf(name);
  const [keyCol, sizeCol, etagCol, versionCol, latestCol, markerCol] = ['Key', 'Size', 'ETag', 'VersionId', 'IsLatest', 'IsDeleteMarker'].map(col);
  if (keyCol! < 0) throw usageError(`the inventory at ${manifestLoc.key} has no Key column`, 'Configure the inventory with at least Key, Size and ETag.');
  const dataBucket = manifest.destinationBucket.replace(/^arn:aws[a-z-]*:s3:::/, '');
  const [resumeFile, resumeRows] = (resumeAt ?? '0:0').split(':').map(Number) as [number, number];

  for (let f = resumeFile; f < manifest.files.length; f++) {
    const file = manifest.files[f]!;
    let rows = 0;
    let batch: BackfillObject[] = [];
    for await (const line of csvLines(s3, dataBucket, file.key)) {
      rows++;
      if (f === resumeFile && rows <= resumeRows) continue;
      const cells = parseCsvLine(line);
      if (latestCol! >= 0 && cells[latestCol!] === 'false') continue;
      if (markerCol! >= 0 && cells[markerCol!] === 'true') continue;
      const key = decodeS3EventKey(cells[keyCol!] ?? '');
      if (!key.startsWith(prefix)) continue;
      const versionId = versionCol! >= 0 ? sourceVersionId(cells[versionCol!]) : undefined;
      batch.push({
        key,
        size: sizeCol! >= 0 ? Number(cells[sizeCol!] ?? 0) : 0,
        etag: etagCol! >= 0 ? (cells[etagCol!] ?? '') : '',
        ...(versionId ? { versionId } : {}),
      });
      if (batch.length >= ROWS_PER_PAGE) {
        yield { bucket: manifest.sourceBucket, objects: batch, position: `${f}:${rows}` };
        batch = [];
      }
    }
    yield { bucket: manifest.sourceBucket, objects: batch, position: `${f + 1}:0` };
  }
}

export function parseManifest(text: string, where: S3Location): InventoryManifest {
  let parsed: Partial<InventoryManifest>;
  try {
    parsed = JSON.parse(text) as Partial<InventoryManifest>;
  } catch {
    throw usageError(`s3://${where.bucket}/${where.key} is not JSON`, 'Point --manifest at the manifest.json of an S3 Inventory report.');
  }
  if (typeof parsed.sourceBucket !== 'string' || typeof parsed.destinationBucket !== 'string' || !Array.isArray(parsed.files) || typeof parsed.fileSchema !== 'string') {
    throw usageError(`s3://${where.bucket}/${where.key} is not an S3 Inventory manifest`, 'It must have sourceBucket, destinationBucket, fileSchema and files.');
  }
  if (parsed.fileFormat !== 'CSV') {
    throw usageError(`the inventory is ${parsed.fileFormat ?? 'of unknown format'}; only CSV inventories are read`, 'Configure a CSV inventory, or backfill from the listing (no --manifest).');
  }
  return parsed as InventoryManifest;
}

/** One CSV line as S3 Inventory writes it: every field in double quotes, "" for a quote inside. */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quoted field in inventory line: ${line.slice(0, 80)}`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      cells.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return cells;
}

async function readText(s3: S3Client, loc: S3Location): Promise<string> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    return await out.Body!.transformToString('utf8');
  } catch (err) {
    throw fromServiceError(err, `GetObject s3://${loc.bucket}/${loc.key}`);
  }
}

async function* csvLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  let body: Readable;
  try {
    body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
  } catch (err) {
    throw fromServiceError(err, `GetObject s3://${bucket}/${key}`);
  }
  const stream = key.endsWith('.gz') ? body.pipe(createGunzip()) : body;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() !== '') yield line;
  }
}
