import type { Content } from './content';
import { conditionNotMet, GcsHttpError, notFound } from './errors';
import type { ObjectHashes } from './hashes';
import { listVersions, NoncurrentVersions } from './versioning';
import { SoftDeletedObjects, type SoftDeletePolicy } from './soft-delete';

/** Object fields a client may set on insert or patch. */
export interface WritableObjectFields {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  storageClass?: string;
  customTime?: string;
  metadata?: Record<string, string>;
}

export const WRITABLE_FIELD_NAMES = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
  'storageClass',
  'customTime',
] as const;

export interface StoredObject extends WritableObjectFields, ObjectHashes {
  bucket: string;
  name: string;
  /** int64 as a decimal string, like the JSON API */
  generation: string;
  metageneration: number;
  size: number;
  content: Content;
  timeCreated: string;
  updated: string;
  /** When this generation stopped being live (noncurrent versions only; see versioning.ts). */
  timeDeleted?: string;
}

export interface Bucket {
  name: string;
  timeCreated: string;
  objects: Map<string, StoredObject>;
  /** Object Versioning: keep replaced and deleted generations as noncurrent (versioning.ts). */
  versioning: boolean;
  noncurrent: NoncurrentVersions;
  /** Soft delete (soft-delete.ts): deleted and overwritten generations are kept for its duration. (Default: off) */
  softDeletePolicy?: SoftDeletePolicy;
  softDeleted: SoftDeletedObjects;
}

export interface BucketSettings {
  versioning?: boolean;
}

/**
 * Where a persistent store writes what changed (./persistence.ts), one record per generation. Bytes are only released
 * after the record that pointed to them is removed, so a crash never leaves a record without its bytes.
 */
export interface StoreWriter {
  bucketCreated(bucket: Bucket): void;
  objectSaved(obj: StoredObject): void;
  objectRemoved(obj: StoredObject): void;
}

/** Query-string preconditions, kept as strings: generations are int64. */
export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

export function preconditionsFrom(query: URLSearchParams): Preconditions {
  const p: Preconditions = {};
  for (const key of ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch'] as const) {
    const v = query.get(key);
    if (v !== null) p[key] = v;
  }
  return p;
}

/** Throws 412 conditionNotMet when `current` (undefined = no live object) fails a precondition. */
export function checkPreconditions(current: StoredObject | undefined, p: Preconditions): void {
  const gen = current?.generation ?? '0';
  const meta = current ? String(current.metageneration) : undefined;
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== gen) {
    throw conditionNotMet(`At least one of the pre-conditions you specified did not hold. (ifGenerationMatch=${p.ifGenerationMatch}, live generation ${gen})`);
  }
  if (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === gen) {
    throw conditionNotMet(`At least one of the pre-conditions you specified did not hold. (ifGenerationNotMatch=${p.ifGenerationNotMatch})`);
  }
  if (p.ifMetagenerationMatch !== undefined && p.ifMetagenerationMatch !== meta) {
    throw conditionNotMet(`At least one of the pre-conditions you specified did not hold. (ifMetagenerationMatch=${p.ifMetagenerationMatch}, live metageneration ${meta ?? 'none'})`);
  }
  if (p.ifMetagenerationNotMatch !== undefined && (meta === undefined || p.ifMetagenerationNotMatch === meta)) {
    throw conditionNotMet(`At least one of the pre-conditions you specified did not hold. (ifMetagenerationNotMatch=${p.ifMetagenerationNotMatch})`);
  }
}

export interface NewObject extends WritableObjectFields, ObjectHashes {
  content: Content;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  pageToken?: string;
  maxResults?: number;
  startOffset?: string;
  endOffset?: string;
  includeTrailingDelimiter?: boolean;
  /** Every generation, noncurrent ones included (versions=true). */
  versions?: boolean;
}

export interface ListPage {
  items: StoredObject[];
  prefixes: string[];
  nextPageToken?: string;
}

/** Buckets and live object generations. All checks and swaps are synchronous, so a commit is atomic. */
export class ObjectStore {
  private readonly buckets = new Map<string, Bucket>();
  private lastGeneration = 0n;

  constructor(private readonly writer?: StoreWriter) {}

  createBucket(name: string, settings: BucketSettings = {}): Bucket {
    if (this.buckets.has(name)) throw new GcsHttpError(409, 'conflict', `The bucket ${name} already exists.`);
    const bucket: Bucket = {
      name,
      timeCreated: new Date().toISOString(),
      objects: new Map(),
      versioning: Boolean(settings.versioning),
      noncurrent: new NoncurrentVersions(),
      softDeleted: new SoftDeletedObjects(),
    };
    this.writer?.bucketCreated(bucket);
    this.buckets.set(name, bucket);
    return bucket;
  }

  ensureBucket(name: string, settings: BucketSettings = {}): Bucket {
    return this.buckets.get(name) ?? this.createBucket(name, settings);
  }

  bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw notFound(`bucket '${name}'`);
    return b;
  }

  listBuckets(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The live object, or with `generation` that generation (live or noncurrent), or 404. */
  get(bucket: string, name: string, generation?: string | null): StoredObject {
    const b = this.bucket(bucket);
    const live = b.objects.get(name);
    const obj = generation && generation !== live?.generation ? b.noncurrent.find(name, generation) : live;
    if (!obj) throw notFound(`object '${name}'${generation ? ` generation ${generation}` : ''} in bucket '${bucket}'`);
    return obj;
  }

  peek(bucket: string, name: string): StoredObject | undefined {
    return this.bucket(bucket).objects.get(name);
  }

  /** Makes a new generation live if the preconditions still hold at this instant; the replaced bytes are released. */
  commit(bucket: string, name: string, fresh: NewObject, p: Preconditions): StoredObject {
    const b = this.bucket(bucket);
    const current = b.objects.get(name);
    checkPreconditions(current, p);
    const now = new Date().toISOString();
    const obj: StoredObject = {
      ...fresh,
      contentType: fresh.contentType ?? 'application/octet-stream',
      storageClass: fresh.storageClass ?? 'STANDARD',
      bucket,
      name,
      generation: this.nextGeneration(),
      metageneration: 1,
      size: fresh.content.size,
      timeCreated: now,
      updated: now,
    };
    this.writer?.objectSaved(obj);
    b.objects.set(name, obj);
    if (current) this.retire(b, current, now);
    return obj;
  }

  patch(bucket: string, name: string, changes: Partial<Record<keyof WritableObjectFields, unknown>>, p: Preconditions, generation?: string | null): StoredObject {
    const obj = this.get(bucket, name, generation);
    checkPreconditions(obj, p);
    for (const field of WRITABLE_FIELD_NAMES) {
      if (!(field in changes)) continue;
      const v = changes[field];
      if (v === null || v === undefined) delete obj[field];
      else obj[field] = String(v);
    }
    if ('metadata' in changes) obj.metadata = mergeMetadata(obj.metadata, changes.metadata);
    obj.metageneration++;
    obj.updated = new Date().toISOString();
    this.writer?.objectSaved(obj);
    return obj;
  }

  /**
   * Deletes the live object (kept as noncurrent when the bucket has versioning), or with `generation` that generation
   * for good. Preconditions apply to the live generation, as in GCS.
   */
  delete(bucket: string, name: string, p: Preconditions, generation?: string | null): void {
    const b = this.bucket(bucket);
    const obj = this.get(bucket, name, generation);
    checkPreconditions(b.objects.get(name), p);
    if (b.objects.get(name) === obj) {
      b.objects.delete(name);
      this.retire(b, obj, new Date().toISOString(), Boolean(generation));
    } else {
      this.writer?.objectRemoved(obj);
      // A noncurrent generation deleted by number is soft-deleted in turn (https://cloud.google.com/storage/docs/soft-delete).
      b.noncurrent.remove(name, obj.generation);
      if (!b.softDeleted.keep(obj, b.softDeletePolicy)) obj.content.dispose();
    }
  }

  list(bucket: string, opts: ListOptions): ListPage {
    const b = this.bucket(bucket);
    if (opts.versions) return listVersions(b.objects, b.noncurrent, opts, compareUtf8);
    const objects = b.objects;
    const prefix = opts.prefix ?? '';
    const max = Math.max(1, Math.min(opts.maxResults ?? 1000, 1000));
    const after = opts.pageToken ? Buffer.from(opts.pageToken, 'base64url').toString('utf8') : undefined;
    const names = [...objects.keys()]
      .filter((n) => n.startsWith(prefix))
      .filter((n) => (opts.startOffset === undefined || n >= opts.startOffset) && (opts.endOffset === undefined || n < opts.endOffset))
      .sort(compareUtf8);
    const items: StoredObject[] = [];
    const prefixes: string[] = [];
    let lastEntry: string | undefined;
    let token: string | undefined;
    for (const name of names) {
      if (after !== undefined && compareUtf8(name, after) <= 0) continue;
      const cut = opts.delimiter ? name.indexOf(opts.delimiter, prefix.length) : -1;
      const entry = cut >= 0 ? name.slice(0, cut + opts.delimiter!.length) : name;
      if (entry === lastEntry) continue; // more names under a prefix already returned
      if (items.length + prefixes.length >= max) {
        return { items, prefixes, nextPageToken: Buffer.from(token!, 'utf8').toString('base64url') };
      }
      if (cut >= 0) {
        prefixes.push(entry);
        // A name equal to the prefix itself is also an object when asked for trailing delimiters.
        if (opts.includeTrailingDelimiter && objects.has(entry)) items.push(objects.get(entry)!);
      } else {
        items.push(objects.get(name)!);
      }
      lastEntry = entry;
      token = cut >= 0 ? prefixUpperBound(entry) : name;
    }
    return { items, prefixes };
  }

  /**
   * Puts back what a persistent store held (./persistence.ts): generations with `timeDeleted` are noncurrent, the
   * others live. Later generations stay above every reloaded one.
   */
  reload(buckets: { name: string; timeCreated: string; versioning?: boolean }[], objects: StoredObject[]): void {
    for (const b of buckets) this.buckets.set(b.name, { name: b.name, timeCreated: b.timeCreated, objects: new Map(), versioning: Boolean(b.versioning), noncurrent: new NoncurrentVersions(), softDeleted: new SoftDeletedObjects() });
    for (const obj of objects) {
      const b = this.bucket(obj.bucket);
      if (obj.timeDeleted !== undefined) b.noncurrent.retire(obj, obj.timeDeleted);
      else b.objects.set(obj.name, obj);
      if (BigInt(obj.generation) > this.lastGeneration) this.lastGeneration = BigInt(obj.generation);
    }
  }

  /** Forgets every object; stored bytes are kept (a persistent store reloads them on its next start). */
  forgetAll(): void {
    this.buckets.clear();
  }

  /** Releases every stored byte (files in a dataDir are removed). */
  disposeAll(): void {
    for (const b of this.buckets.values()) for (const o of [...b.objects.values(), ...b.noncurrent.all(), ...b.softDeleted.all()]) o.content.dispose();
    this.buckets.clear();
  }

  /**
   * A generation that stopped being live: noncurrent in a versioned bucket (unless deleted by number); otherwise
   * soft-deleted when the bucket's policy says so (soft-delete.ts); else gone.
   */
  private retire(b: Bucket, obj: StoredObject, at: string, forGood = false): void {
    if (b.versioning && !forGood) {
      b.noncurrent.retire(obj, at);
      this.writer?.objectSaved(obj);
    } else {
      this.writer?.objectRemoved(obj);
      // Soft-deleted generations are kept in memory only: a restart of a persistent emulator forgets them.
      if (!b.softDeleted.keep(obj, b.softDeletePolicy)) obj.content.dispose();
    }
  }

  private nextGeneration(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.lastGeneration = now > this.lastGeneration ? now : this.lastGeneration + 1n;
    return this.lastGeneration.toString();
  }
}

function mergeMetadata(current: Record<string, string> | undefined, change: unknown): Record<string, string> | undefined {
  if (change === null) return undefined;
  if (typeof change !== 'object' || change === undefined) return current;
  const merged: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(change as Record<string, unknown>)) {
    if (v === null) delete merged[k];
    else merged[k] = String(v);
  }
  return Object.keys(merged).length ? merged : undefined;
}

/** GCS orders names by their UTF-8 bytes, which differs from JS's UTF-16 order for astral characters. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A token past every name under `prefix`, so the next page does not repeat the prefix. */
function prefixUpperBound(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

/** Picks the client-settable fields out of an object resource sent on insert. */
export function fieldsFromJson(json: Record<string, unknown>): WritableObjectFields {
  const fields: WritableObjectFields = {};
  for (const key of WRITABLE_FIELD_NAMES) {
    const v = json[key];
    if (v !== undefined && v !== null) fields[key] = String(v);
  }
  if (json.metadata && typeof json.metadata === 'object') {
    const entries = Object.entries(json.metadata as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
    if (entries.length) fields.metadata = Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
  }
  return fields;
}
