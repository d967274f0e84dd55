/**
 * File persistence of the local S3 server (its `dataDir`), in place of fauxqs's FileS3Persistence, which turned a key
 * into a path: `../../x` wrote outside the data directory and `a/../b.txt` shared one file with `b.txt`.
 *
 * No key or bucket name ever becomes a path. Layout under `<dataDir>/s3/`:
 *   buckets/<sha256(bucket)>.json          name, creation date, type, lifecycle configuration
 *   objects/<sha256(bucket NUL key)>.json  the object's metadata, its bucket and key, and the name of its data file
 *   objects/<same hash>.<uuid>.data        the bytes
 *   uploads/<sha256(uploadId)>/            upload.json, part-<n>.data and part-<n>.json of a multipart upload
 * Every file is written to a temporary name and renamed into place; an object's .json is written after its data, so
 * it is the commit point: a crash (kill -9) leaves either the old object or the new one, and load() removes the debris.
 * No fsync: this survives the process dying, not the machine losing power.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The fields of a fauxqs object this module reads; every other field is stored and restored as it is. */
export interface StoredObject {
  key: string;
  body: Buffer;
  contentLength: number;
  lastModified: Date;
  [field: string]: unknown;
}
export interface StoredPart {
  partNumber: number;
  body: Buffer;
  lastModified: Date;
  [field: string]: unknown;
}
export interface StoredUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  parts: Map<number, StoredPart>;
  [field: string]: unknown;
}
/** What load() restores into (fauxqs's S3Store). */
export interface RestorableStore {
  createBucket(name: string, type?: string): void;
  setBucketCreationDate(name: string, date: Date): void;
  restoreBucketLifecycleConfiguration(name: string, config: string): void;
  restoreObject(bucket: string, obj: StoredObject): void;
  restoreMultipartUpload(upload: StoredUpload): void;
}

interface BucketFile {
  name: string;
  creationDate: string;
  type?: string;
  lifecycle?: string;
}
interface ObjectFile {
  bucket: string;
  dataFile: string;
  object: Record<string, unknown>;
}

const RECENT_BODY_MS = 5_000;
const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');

export class HashedS3Persistence {
  private readonly buckets: string;
  private readonly objects: string;
  private readonly uploads: string;
  /** Object hash -> its bucket and current data file. */
  private readonly index = new Map<string, { bucket: string; dataFile: string }>();
  private recent?: { dataFile: string; body: Buffer };
  private forget?: NodeJS.Timeout;

  constructor(dataDir: string) {
    const root = join(dataDir, 's3');
    this.buckets = join(root, 'buckets');
    this.objects = join(root, 'objects');
    this.uploads = join(root, 'uploads');
    for (const dir of [this.buckets, this.objects, this.uploads]) mkdirSync(dir, { recursive: true });
  }

  // ── Buckets ──
  insertBucket(name: string, creationDate: Date, type?: string): void {
    this.writeBucket({ name, creationDate: creationDate.toISOString(), ...(type && { type }) });
  }
  deleteBucket(name: string): void {
    rmSync(this.bucketPath(name), { force: true });
  }
  saveBucketLifecycleConfiguration(name: string, config: string): void {
    const bucket = this.readBucket(name);
    if (bucket) this.writeBucket({ ...bucket, lifecycle: config });
  }
  deleteBucketLifecycleConfiguration(name: string): void {
    const bucket = this.readBucket(name);
    if (bucket) this.writeBucket({ name: bucket.name, creationDate: bucket.creationDate, ...(bucket.type && { type: bucket.type }) });
  }

  // ── Objects ──
  upsertObject(bucket: string, obj: StoredObject): void {
    const id = hash(bucket, obj.key);
    const dataFile = `${id}.${randomUUID()}.data`;
    atomicWrite(join(this.objects, dataFile), obj.body);
    const { body: _body, ...object } = obj;
    this.commit(id, { bucket, dataFile, object: { ...object, lastModified: obj.lastModified.toISOString() } });
  }
  deleteObject(bucket: string, key: string): void {
    const id = hash(bucket, key);
    const entry = this.index.get(id);
    rmSync(join(this.objects, `${id}.json`), { force: true });
    if (entry) rmSync(join(this.objects, entry.dataFile), { force: true });
    this.index.delete(id);
  }
  deleteObjectsByBucket(bucket: string): void {
    for (const [id, entry] of [...this.index]) if (entry.bucket === bucket) this.removeById(id);
  }
  deleteAllObjects(): void {
    for (const id of [...this.index.keys()]) this.removeById(id);
  }
  renameObject(bucket: string, sourceKey: string, destKey: string): void {
    const from = hash(bucket, sourceKey);
    const entry = this.index.get(from);
    if (!entry || sourceKey === destKey) return;
    const file = JSON.parse(readFileSync(join(this.objects, `${from}.json`), 'utf8')) as ObjectFile;
    this.commit(hash(bucket, destKey), { ...file, object: { ...file.object, key: destKey } });
    rmSync(join(this.objects, `${from}.json`), { force: true });
    this.index.delete(from);
  }
  /**
   * fauxqs reads a whole body for every GET, ranged ones too: the copy engine's parallel 8 MiB ranges of a 1 GiB
   * object would read the file 128 times. The last body read is kept until unused for a few seconds; a data file never
   * changes (a new version gets a new one), so the kept body is never stale.
   */
  readBody(bucket: string, key: string): Buffer {
    const entry = this.index.get(hash(bucket, key));
    if (!entry) throw new Error(`local S3 persistence has no data for ${bucket}/${key}`);
    if (this.recent?.dataFile !== entry.dataFile) this.recent = { dataFile: entry.dataFile, body: readFileSync(join(this.objects, entry.dataFile)) };
    clearTimeout(this.forget);
    this.forget = setTimeout(() => (this.recent = undefined), RECENT_BODY_MS).unref();
    return this.recent.body;
  }

  // ── Multipart uploads ──
  insertMultipartUpload(upload: StoredUpload): void {
    const dir = this.uploadDir(upload.uploadId);
    mkdirSync(dir, { recursive: true });
    const { parts: _parts, ...rest } = upload;
    atomicWrite(join(dir, 'upload.json'), JSON.stringify({ ...rest, initiated: upload.initiated.toISOString() }));
  }
  upsertMultipartPart(uploadId: string, part: StoredPart): void {
    if (!Number.isInteger(part.partNumber)) throw new Error(`invalid part number ${String(part.partNumber)}`);
    const dir = this.uploadDir(uploadId);
    atomicWrite(join(dir, `part-${part.partNumber}.data`), part.body);
    const { body: _body, ...rest } = part;
    atomicWrite(join(dir, `part-${part.partNumber}.json`), JSON.stringify({ ...rest, lastModified: part.lastModified.toISOString() }));
  }
  deleteMultipartUpload(uploadId: string): void {
    rmSync(this.uploadDir(uploadId), { recursive: true, force: true });
  }
  completeMultipartUpload(uploadId: string, bucket: string, obj: StoredObject): void {
    this.upsertObject(bucket, obj);
    this.deleteMultipartUpload(uploadId);
  }
  deleteAllMultipartUploads(): void {
    rmSync(this.uploads, { recursive: true, force: true });
    mkdirSync(this.uploads, { recursive: true });
  }

  // ── Startup ──
  /** Restores buckets, objects (metadata only; bodies are read on demand) and uploads; removes crash debris. */
  loadS3(store: RestorableStore): void {
    for (const file of readdirSync(this.buckets)) {
      if (!file.endsWith('.json')) {
        rmSync(join(this.buckets, file), { force: true });
        continue;
      }
      const bucket = JSON.parse(readFileSync(join(this.buckets, file), 'utf8')) as BucketFile;
      store.createBucket(bucket.name, bucket.type);
      store.setBucketCreationDate(bucket.name, new Date(bucket.creationDate));
      if (bucket.lifecycle) store.restoreBucketLifecycleConfiguration(bucket.name, bucket.lifecycle);
    }
    const files = readdirSync(this.objects);
    for (const file of files.filter((f) => /^[0-9a-f]{64}\.json$/.test(f))) {
      const stored = JSON.parse(readFileSync(join(this.objects, file), 'utf8')) as ObjectFile;
      this.index.set(file.slice(0, 64), { bucket: stored.bucket, dataFile: stored.dataFile });
      const object = stored.object as unknown as StoredObject;
      store.restoreObject(stored.bucket, { ...object, body: Buffer.alloc(0), lastModified: new Date(stored.object.lastModified as string) });
    }
    const live = new Set([...this.index.values()].map((e) => e.dataFile));
    for (const file of files) if (!file.endsWith('.json') && !live.has(file)) rmSync(join(this.objects, file), { force: true });
    for (const dir of readdirSync(this.uploads)) this.loadUpload(join(this.uploads, dir), store);
  }

  purgeAll(): void {
    this.deleteAllObjects();
    this.deleteAllMultipartUploads();
    rmSync(this.buckets, { recursive: true, force: true });
    mkdirSync(this.buckets, { recursive: true });
  }
  close(): void {
    // Nothing is held open: every write is complete when its call returns.
    clearTimeout(this.forget);
    this.recent = undefined;
  }

  private loadUpload(dir: string, store: RestorableStore): void {
    if (!existsSync(join(dir, 'upload.json'))) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    const upload = JSON.parse(readFileSync(join(dir, 'upload.json'), 'utf8')) as Record<string, unknown>;
    const parts = new Map<number, StoredPart>();
    for (const file of readdirSync(dir).filter((f) => /^part-\d+\.json$/.test(f))) {
      const part = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      const partNumber = part.partNumber as number;
      const body = readFileSync(join(dir, `part-${partNumber}.data`));
      parts.set(partNumber, { ...part, partNumber, body, lastModified: new Date(part.lastModified as string) });
    }
    store.restoreMultipartUpload({ ...(upload as unknown as StoredUpload), initiated: new Date(upload.initiated as string), parts });
  }

  /** Makes `file` the object `id` (its .json is the commit point), then drops the data file it replaced. */
  private commit(id: string, file: ObjectFile): void {
    const previous = this.index.get(id);
    atomicWrite(join(this.objects, `${id}.json`), JSON.stringify(file));
    this.index.set(id, { bucket: file.bucket, dataFile: file.dataFile });
    if (previous && previous.dataFile !== file.dataFile) rmSync(join(this.objects, previous.dataFile), { force: true });
  }
  private removeById(id: string): void {
    const entry = this.index.get(id)!;
    rmSync(join(this.objects, `${id}.json`), { force: true });
    rmSync(join(this.objects, entry.dataFile), { force: true });
    this.index.delete(id);
  }
  private bucketPath(name: string): string {
    return join(this.buckets, `${hash(name)}.json`);
  }
  private readBucket(name: string): BucketFile | undefined {
    return existsSync(this.bucketPath(name)) ? (JSON.parse(readFileSync(this.bucketPath(name), 'utf8')) as BucketFile) : undefined;
  }
  private writeBucket(bucket: BucketFile): void {
    atomicWrite(this.bucketPath(bucket.name), JSON.stringify(bucket));
  }
  private uploadDir(uploadId: string): string {
    return join(this.uploads, hash(uploadId));
  }
}

function atomicWrite(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp-${randomUUID()}`;
  writeFileSync(tmp, data);
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
}
