import type { Content } from '../../../workflows/local/gcs-emulator/content';
import { ObjectStore } from '../../../workflows/local/gcs-emulator/store';

const content = (): Content & { disposed: boolean } => {
  const c = { size: 1, disposed: false, read: () => { throw new Error('not read in these tests'); }, dispose: () => void (c.disposed = true) };
  return c;
};
const fresh = () => ({ content: content(), crc32c: 'AAAAAA==', md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==' });

function versioned(): ObjectStore {
  const store = new ObjectStore();
  store.createBucket('v', { versioning: true });
  return store;
}

describe('object versioning', () => {
  it('keeps a replaced generation as noncurrent, readable by its generation, with timeDeleted', () => {
    const store = versioned();
    const first = fresh();
    const a = store.commit('v', 'o', first, { ifGenerationMatch: '0' });
    const b = store.commit('v', 'o', fresh(), { ifGenerationMatch: a.generation });
    expect(store.get('v', 'o')).toBe(b);
    expect(store.get('v', 'o', a.generation)).toBe(a);
    expect(a.timeDeleted).toEqual(expect.any(String));
    expect(first.content.disposed).toBe(false);
  });

  it('keeps a deleted live object as noncurrent: the name then has no live object', () => {
    const store = versioned();
    const a = store.commit('v', 'o', fresh(), {});
    store.delete('v', 'o', {});
    expect(() => store.get('v', 'o')).toThrow(expect.objectContaining({ status: 404 }));
    expect(store.get('v', 'o', a.generation).timeDeleted).toEqual(expect.any(String));
  });

  it('deletes a generation named by number for good, live or noncurrent', () => {
    const store = versioned();
    const oldContent = fresh();
    const a = store.commit('v', 'o', oldContent, {});
    const b = store.commit('v', 'o', fresh(), {});
    store.delete('v', 'o', {}, a.generation);
    expect(oldContent.content.disposed).toBe(true);
    store.delete('v', 'o', {}, b.generation);
    expect(store.list('v', { versions: true }).items).toEqual([]);
  });

  it('lists every generation with versions=true, oldest first per name, and pages through them', () => {
    const store = versioned();
    const gens = [store.commit('v', 'a', fresh(), {}), store.commit('v', 'a', fresh(), {}), store.commit('v', 'b', fresh(), {}), store.commit('v', 'a', fresh(), {})];
    store.delete('v', 'b', {});
    expect(store.list('v', {}).items.map((o) => o.name)).toEqual(['a']);
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = store.list('v', { versions: true, maxResults: 1, ...(pageToken ? { pageToken } : {}) });
      seen.push(...page.items.map((o) => `${o.name}#${o.generation}`));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([`a#${gens[0]!.generation}`, `a#${gens[1]!.generation}`, `a#${gens[3]!.generation}`, `b#${gens[2]!.generation}`]);
  });

  it('collapses names under a delimiter into prefixes in a versions listing', () => {
    const store = versioned();
    store.commit('v', 'd/x', fresh(), {});
    store.commit('v', 'd/x', fresh(), {});
    store.commit('v', 'top', fresh(), {});
    const page = store.list('v', { versions: true, delimiter: '/' });
    expect([page.prefixes, page.items.map((o) => o.name)]).toEqual([['d/'], ['top']]);
  });

  it('refuses a page token it did not write', () => {
    expect(() => versioned().list('v', { versions: true, pageToken: 'bm9wZQ' })).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('keeps nothing in a bucket without versioning: a generation that is not live is not found', () => {
    const store = new ObjectStore();
    store.createBucket('p');
    const first = fresh();
    const a = store.commit('p', 'o', first, {});
    store.commit('p', 'o', fresh(), {});
    expect(first.content.disposed).toBe(true);
    expect(() => store.get('p', 'o', a.generation)).toThrow(expect.objectContaining({ status: 404 }));
    expect(store.list('p', { versions: true }).items).toHaveLength(1);
  });
});
