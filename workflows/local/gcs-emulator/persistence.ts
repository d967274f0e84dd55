import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory, replaceFile } from '../durable-file';
import { fileContent, fileContentStore, type ContentStore } from './content';
import { ObjectStore, type Bucket, type StoredObject, type StoreWriter } from './store';

/**
 * The emulator's objects on disk, so they survive a restart (the sandbox's --data-dir):
 *   <dir>/buckets/<sha256(name)>.json           { name, timeCreated }
 *   <dir>/objects/<sha256(bucket \n name)>.json  the object resource (generation, metageneration, crc32c, md5, metadata…)
 *                                                and `contentFile`, the file of its bytes
 *   <dir>/content/<uuid>.bin                     the bytes of one generation, fsynced before its record is written
 * A name never becomes a path: `../../x`, `a/../b` and `b` are three hashes. Records are written to a temporary file,
 * fsynced and renamed over the old one (then the directory is fsynced), so a crash leaves the old or the new record,
 * never half of one; bytes no record points to (an upload cut short, a generation replaced just before the crash) are
 * removed at the next start. Resumable upload sessions are not kept: a client resumes with a new session, as after GCS
 * expires one.
 */
export interface PersistentStore {
  store: ObjectStore;
  contents: ContentStore;
}

interface ObjectRecord extends Omit<StoredObject, 'content'> {
  contentFile: string;
}

export function openPersistentStore(dir: string): PersistentStore {
  const dirs = { buckets: join(dir, 'buckets'), objects: join(dir, 'objects'), content: join(dir, 'content') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const store = new ObjectStore(new RecordWriter(dirs));
  const buckets = readRecords<{ name: string; timeCreated: string }>(dirs.buckets);
  const known = new Set(buckets.map((b) => b.name));
  const objects: StoredObject[] = [];
  const referenced = new Set<string>();
  for (const record of readRecords<ObjectRecord>(dirs.objects)) {
    const { contentFile, ...fields } = record;
    const path = join(dirs.content, basename(contentFile));
    // Bytes are fsynced before their record is renamed into place, so a record without its bytes is damage, not a crash.
    if (!known.has(record.bucket) || !existsSync(path) || statSync(path).size !== record.size) {
      throw new Error(`GCS emulator data in ${dir} is damaged: the record of gs://${record.bucket}/${record.name} has no matching bytes (${path})`);
    }
    referenced.add(basename(path));
    objects.push({ ...fields, content: fileContent(path, record.size) });
  }
  for (const file of readdirSync(dirs.content)) if (!referenced.has(file)) rmSync(join(dirs.content, file), { force: true });
  store.reload(buckets, objects);
  return { store, contents: fileContentStore(dirs.content, { durable: true }) };
}

class RecordWriter implements StoreWriter {
  constructor(private readonly dirs: { buckets: string; objects: string }) {}

  bucketCreated(bucket: Bucket): void {
    replaceFile(join(this.dirs.buckets, `${hash(bucket.name)}.json`), JSON.stringify({ name: bucket.name, timeCreated: bucket.timeCreated }), { durable: true });
  }

  objectSaved(obj: StoredObject): void {
    const path = obj.content.path;
    if (!path) throw new Error('a persistent GCS store needs file-backed content');
    const { content: _content, ...fields } = obj;
    const record: ObjectRecord = { ...fields, contentFile: basename(path) };
    fsyncDirectory(dirname(path)); // the bytes' file name itself, before a record points to it
    replaceFile(this.recordPath(obj), JSON.stringify(record), { durable: true });
  }

  objectRemoved(obj: StoredObject): void {
    rmSync(this.recordPath(obj), { force: true });
    fsyncDirectory(this.dirs.objects);
  }

  private recordPath(obj: { bucket: string; name: string }): string {
    return join(this.dirs.objects, `${hash(`${obj.bucket}\n${obj.name}`)}.json`);
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Every `*.json` record in `dir`; leftover `*.tmp` files of an interrupted write are removed. */
function readRecords<T>(dir: string): T[] {
  const out: T[] = [];
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.tmp')) rmSync(join(dir, file), { force: true });
    else if (file.endsWith('.json')) out.push(JSON.parse(readFileSync(join(dir, file), 'utf8')) as T);
  }
  return out;
}
