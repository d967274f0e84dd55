import { liveAt, stateAt, type Backup } from '../../../workflows/restore/backups';

const gen = (name: string, generation: string, created: string, deleted?: string): Backup => ({
  name,
  generation,
  size: 1,
  metadata: {},
  timeCreated: created,
  ...(deleted ? { timeDeleted: deleted } : {}),
});

describe('liveAt', () => {
  const versions = [gen('a', '1', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'), gen('a', '2', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z')];
  it.each([
    ['2025-12-31T00:00:00Z', undefined],
    ['2026-01-01T00:00:00Z', '1'],
    ['2026-01-02T00:00:00Z', '2'],
    ['2026-01-03T00:00:00Z', undefined],
  ])('at %s the live generation is %s', (at, expected) => {
    expect(liveAt(versions, new Date(at))?.generation).toBe(expected);
  });
});

describe('stateAt', () => {
  it('regroups a name whose generations straddle two pages, and reports the last name each page completes', async () => {
    async function* pages(): AsyncGenerator<Backup[]> {
      yield [gen('a', '1', '2026-01-01T00:00:00Z'), gen('b', '2', '2026-01-01T00:00:00Z', '2026-01-05T00:00:00Z')];
      yield [gen('b', '3', '2026-01-05T00:00:00Z'), gen('c', '4', '2026-01-09T00:00:00Z')];
    }
    const out = [];
    for await (const page of stateAt(pages(), new Date('2026-01-06T00:00:00Z'))) out.push({ names: page.backups.map((b) => `${b.name}#${b.generation}`), last: page.lastName });
    expect(out).toEqual([
      { names: ['a#1'], last: 'a' },
      { names: ['b#3'], last: 'b' },
      { names: [], last: 'c' },
    ]);
  });
});
