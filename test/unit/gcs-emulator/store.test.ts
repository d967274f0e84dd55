import fc from 'fast-check';
import type { Content } from '../../../workflows/local/gcs-emulator/content';
import { checkPreconditions, ObjectStore, type StoredObject } from '../../../workflows/local/gcs-emulator/store';

const content = (size = 0): Content & { disposed: boolean } => {
  const c = { size, disposed: false, read: () => { throw new Error('not read in these tests'); }, dispose: () => void (c.disposed = true) };
  return c;
};
const fresh = (size = 0) => ({ content: content(size), crc32c: 'AAAAAA==', md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==' });

function storeWith(names: string[]): ObjectStore {
  const store = new ObjectStore();
  store.createBucket('b');
  for (const n of names) store.commit('b', n, fresh(), {});
  return store;
}

describe('commit', () => {
  it('gives each new generation a larger int64 string and metageneration 1, releasing the replaced bytes', () => {
    const store = storeWith([]);
    const first = fresh();
    const a = store.commit('b', 'o', first, {});
    const b = store.commit('b', 'o', fresh(), { ifGenerationMatch: a.generation });
    expect(BigInt(b.generation) > BigInt(a.generation)).toBe(true);
    expect([b.metageneration, first.content.disposed]).toEqual([1, true]);
  });

  it('refuses with 412 when ifGenerationMatch: 0 meets a live object, keeping it', () => {
    const store = storeWith(['o']);
    const live = store.get('b', 'o');
    expect(() => store.commit('b', 'o', fresh(), { ifGenerationMatch: '0' })).toThrow(expect.objectContaining({ status: 412, reason: 'conditionNotMet' }));
    expect(store.get('b', 'o')).toBe(live);
  });

  it('answers 404 for a missing bucket', () => {
    expect(() => new ObjectStore().commit('nope', 'o', fresh(), {})).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe('checkPreconditions', () => {
  const obj = { generation: '1700000000000000', metageneration: 3 } as StoredObject;
  it.each([
    [{ ifGenerationMatch: '1700000000000000' }, true],
    [{ ifGenerationMatch: '1' }, false],
    [{ ifGenerationMatch: '0' }, false],
    [{ ifGenerationNotMatch: '1700000000000000' }, false],
    [{ ifGenerationNotMatch: '1' }, true],
    [{ ifMetagenerationMatch: '3' }, true],
    [{ ifMetagenerationMatch: '2' }, false],
    [{ ifMetagenerationNotMatch: '3' }, false],
  ])('on a live object %j holds: %s', (p, holds) => {
    const outcome = (() => {
      try {
        checkPreconditions(obj, p);
        return true;
      } catch (e) {
        return (e as { status: number }).status === 412 ? false : e;
      }
    })();
    expect(outcome).toBe(holds);
  });

  it('on a missing object only ifGenerationMatch 0 (or no precondition) holds', () => {
    expect(() => checkPreconditions(undefined, { ifGenerationMatch: '0' })).not.toThrow();
    expect(() => checkPreconditions(undefined, { ifGenerationMatch: '5' })).toThrow(expect.objectContaining({ status: 412 }));
    expect(() => checkPreconditions(undefined, { ifMetagenerationMatch: '1' })).toThrow(expect.objectContaining({ status: 412 }));
  });
});

describe('patch', () => {
  it('merges custom metadata (null deletes a key), clears fields set to null and bumps metageneration', () => {
    const store = storeWith([]);
    store.commit('b', 'o', { ...fresh(), cacheControl: 'no-cache', metadata: { a: '1', b: '2' } }, {});
    const o = store.patch('b', 'o', { cacheControl: null, contentLanguage: 'fr', metadata: { b: null, c: 3 } }, { ifMetagenerationMatch: '1' });
    expect(o).toMatchObject({ contentLanguage: 'fr', metadata: { a: '1', c: '3' }, metageneration: 2 });
    expect(o).not.toHaveProperty('cacheControl');
  });
});

describe('list', () => {
  const names = ['a', 'd/1', 'd/2', 'd/x/1', 'e', 'f/', 'f/1', 'é', '😀'];

  it('returns names in UTF-8 byte order, like GCS', () => {
    const { items } = storeWith([...names].reverse()).list('b', {});
    expect(items.map((o) => o.name)).toEqual(names);
  });

  it('rolls names under the delimiter into prefixes', () => {
    const page = storeWith(names).list('b', { delimiter: '/' });
    expect([page.items.map((o) => o.name), page.prefixes]).toEqual([['a', 'e', 'é', '😀'], ['d/', 'f/']]);
  });

  it('lists an object named like its prefix as an item only with includeTrailingDelimiter', () => {
    const store = storeWith(names);
    expect(store.list('b', { prefix: 'f', delimiter: '/' }).items).toEqual([]);
    expect(store.list('b', { prefix: 'f', delimiter: '/', includeTrailingDelimiter: true }).items.map((o) => o.name)).toEqual(['f/']);
  });

  it('pages through exactly the entries of a single page, whatever maxResults is', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[ab/]{1,4}$/), { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), fc.constantFrom(undefined, '/'), (all, max, delimiter) => {
        const store = storeWith(all);
        const whole = store.list('b', { ...(delimiter ? { delimiter } : {}) });
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = store.list('b', { maxResults: max, ...(delimiter ? { delimiter } : {}), ...(token ? { pageToken: token } : {}) });
          expect(page.items.length + page.prefixes.length).toBeLessThanOrEqual(max);
          seen.push(...page.items.map((o) => o.name), ...page.prefixes);
          token = page.nextPageToken;
        } while (token && ++pages < 100);
        expect(seen.sort()).toEqual([...whole.items.map((o) => o.name), ...whole.prefixes].sort());
      }),
    );
  });
});
