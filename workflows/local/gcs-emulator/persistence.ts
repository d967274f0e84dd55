import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory, replaceFile } from '../durable-file';
import { fileContent, fileContentStore, type ContentStore } from './content';
import { ObjectStore, type Bucket, type StoredObject, type StoreWriter } from './store';

/**
 * The emulator's objects on disk, so they survive a restart (the sandbox's --data-dir):
 *   <dir>/buckets/<sha256(name)>.json           { name, timeCreated, versioning }
 *   <dir>/objects/<sha256(bucket \n name \n generation)>.json  one generation's resource (metageneration, crc32c,
 *                                                md5, metadata…, `timeDeleted` when noncurrent) and `contentFile`
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
  const writer = new RecordWriter(dirs);
  const store = new ObjectStore(writer);
  const buckets = readRecords<{ name: string; timeCreated: string; versioning?: boolean }>(dirs.buckets);
  const known = new Map(buckets.map((b) => [b.name, b]));
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
  const settled = settleLiveGenerations(objects, known, writer);
  for (const obj of objects) if (!settled.includes(obj)) referenced.delete(basename(obj.content.path!));
  for (const file of readdirSync(dirs.content)) if (!referenced.has(file)) rmSync(join(dirs.content, file), { force: true });
  store.reload(buckets, settled);
  return { store, contents: fileContentStore(dirs.content, { durable: true }) };
}

class RecordWriter implements StoreWriter {
  constructor(private readonly dirs: { buckets: string; objects: string }) {}

  bucketCreated(bucket: Bucket): void {
    replaceFile(join(this.dirs.buckets, `${hash(bucket.name)}.json`), JSON.stringify({ name: bucket.name, timeCreated: bucket.timeCreated, versioning: bucket.versioning }), {
      durable: true,
    });
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

  private recordPath(obj: { bucket: string; name: string; generation: string }): string {
    return join(this.dirs.objects, `${hash(`${obj.bucket}\n${obj.name}\n${obj.generation}`)}.json`);
  }
}

/**
 * A crash between writing a new generation's record and retiring the one it replaced leaves two live records for one
 * name: the newest stays live; the older becomes noncurrent in a versioned bucket (deleted when the newer one was
 * created), and is removed otherwise — what the interrupted commit would have done.
 */
function settleLiveGenerations(objects: StoredObject[], buckets: Map<string, { versioning?: boolean }>, writer: RecordWriter): StoredObject[] {
  const live = new Map<string, StoredObject>();
  const kept: StoredObject[] = [];
  const byGeneration = [...objects].sort((a, b) => (BigInt(a.generation) < BigInt(b.generation) ? -1 : 1));
  for (const obj of byGeneration) {
    if (obj.timeDeleted !== undefined) {
      kept.push(obj);
      continue;
    }
    const key = `${obj.bucket}\n${obj.name}`;
    const older = live.get(key);
    live.set(key, obj);
    kept.push(obj);
    if (!older) continue;
    if (buckets.get(obj.bucket)?.versioning) {
      older.timeDeleted = obj.timeCreated;
      writer.objectSaved(older);
    } else {
      writer.objectRemoved(older);
      kept.splice(kept.indexOf(older), 1);
    }
  }
  return kept;
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
