import { chooseTier, nextTier } from '../../../workflows/backup/routing';

describe('chooseTier', () => {
  const t = { smallMaxBytes: 100, largeMaxBytes: 1000 };
  test.each([
    [0, 'small'],
    [100, 'small'],
    [101, 'large'],
    [1000, 'large'],
    [1001, 'heavy'],
  ])('%d bytes -> %s (bands inclusive at the top)', (size, tier) => {
    expect(chooseTier(size, t)).toBe(tier);
  });
});

test('nextTier escalates small -> large -> heavy -> nothing', () => {
  expect([nextTier('small'), nextTier('large'), nextTier('heavy')]).toEqual(['large', 'heavy', undefined]);
});
