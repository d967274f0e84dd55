import { badRequest } from './errors';
import type { ListOptions, ListPage, StoredObject } from './store';

/**
 * Object Versioning (https://cloud.google.com/storage/docs/object-versioning): in a bucket with `versioning.enabled`,
 * replacing or deleting the live object keeps it as a noncurrent version with its generation, and with `timeDeleted`
 * set to the moment it stopped being live. Noncurrent versions are listed with `versions=true` (all versions of a name,
 * oldest generation first), read, patched and deleted by `generation=`; deleting one by generation removes it for good
 * (https://cloud.google.com/storage/docs/using-versioned-objects). Preconditions still name the LIVE generation only.
 * Without versioning, a replaced or deleted generation is gone at once (and `generation=` must name the live one).
 */
export class NoncurrentVersions {
  /** Per name, oldest generation first. */
  private readonly byName = new Map<string, StoredObject[]>();

  /** Keeps `obj` (the generation just replaced or deleted) as noncurrent from `at`. */
  retire(obj: StoredObject, at: string): void {
    obj.timeDeleted = at;
    const versions = this.byName.get(obj.name) ?? [];
    versions.push(obj);
    this.byName.set(obj.name, versions);
  }

  find(name: string, generation: string): StoredObject | undefined {
    return this.byName.get(name)?.find((o) => o.generation === generation);
  }

  /** Deletes one noncurrent generation for good; undefined when there is none by that number. */
  remove(name: string, generation: string): StoredObject | undefined {
    const versions = this.byName.get(name);
    const i = versions?.findIndex((o) => o.generation === generation) ?? -1;
    if (!versions || i < 0) return undefined;
    const [removed] = versions.splice(i, 1);
    if (versions.length === 0) this.byName.delete(name);
    return removed;
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  of(name: string): readonly StoredObject[] {
    return this.byName.get(name) ?? [];
  }

  all(): StoredObject[] {
    return [...this.byName.values()].flat();
  }

  clear(): void {
    this.byName.clear();
  }
}

/**
 * A `versions=true` listing: every generation of every name, names in UTF-8 byte order, each name's generations
 * oldest first and the live one last (its generation is the highest). A page token records the last (name, generation)
 * returned. With a delimiter, names under a prefix collapse into that prefix, as in a plain listing.
 */
export function listVersions(
  live: ReadonlyMap<string, StoredObject>,
  noncurrent: NoncurrentVersions,
  opts: ListOptions,
  compareNames: (a: string, b: string) => number,
): ListPage {
  const prefix = opts.prefix ?? '';
  const max = Math.max(1, Math.min(opts.maxResults ?? 1000, 1000));
  const after = opts.pageToken ? decodeToken(opts.pageToken) : undefined;
  const names = [...new Set([...live.keys(), ...noncurrent.names()])]
    .filter((n) => n.startsWith(prefix))
    .filter((n) => (opts.startOffset === undefined || n >= opts.startOffset) && (opts.endOffset === undefined || n < opts.endOffset))
    .sort(compareNames);
  const items: StoredObject[] = [];
  const prefixes: string[] = [];
  let last: { name: string; generation: string } | undefined;
  for (const name of names) {
    const cut = opts.delimiter ? name.indexOf(opts.delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const entry = name.slice(0, cut + opts.delimiter!.length);
      if (prefixes.at(-1) === entry || (after && compareNames(entry, after.name) <= 0)) continue;
      if (items.length + prefixes.length >= max) return { items, prefixes, nextPageToken: encodeToken(last!) };
      prefixes.push(entry);
      last = { name: `${entry}\u{10FFFF}`, generation: '' };
      continue;
    }
    const generations = [...noncurrent.of(name), ...(live.has(name) ? [live.get(name)!] : [])];
    for (const obj of generations) {
      if (after && (compareNames(name, after.name) < 0 || (name === after.name && BigInt(obj.generation) <= BigInt(after.generation || '0')))) continue;
      if (items.length + prefixes.length >= max) return { items, prefixes, nextPageToken: encodeToken(last!) };
      items.push(obj);
      last = { name, generation: obj.generation };
    }
  }
  return { items, prefixes };
}

function encodeToken(at: { name: string; generation: string }): string {
  return Buffer.from(JSON.stringify(at), 'utf8').toString('base64url');
}

function decodeToken(token: string): { name: string; generation: string } {
  try {
    const at = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { name?: unknown; generation?: unknown };
    if (typeof at.name === 'string' && typeof at.generation === 'string') return { name: at.name, generation: at.generation };
  } catch {
    // fall through: not a token this emulator wrote
  }
  throw badRequest(`Invalid pageToken '${token}' for a versions listing`);
}
