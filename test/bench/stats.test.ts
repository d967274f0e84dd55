import { PseudoRandomBytes } from './prng';
import { percentile, spread } from './stats';

it('expect the median and spread of unsorted samples', () => {
  expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
  expect(spread([4, 1, 2, 3]).median).toBe(2.5);
});

it('expect p99 of 1..100 to interpolate between the two highest ranks', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(sorted, 99)).toBeCloseTo(99.01, 10);
  expect(percentile(sorted, 50)).toBe(50.5);
});

it('expect no samples to be an error, not a NaN in the report', () => {
  expect(() => spread([])).toThrow('no samples');
});

it('expect the same seed to give the same non-repeating bytes, in any chunking', () => {
  const whole = new PseudoRandomBytes(5).next(1000);
  const g = new PseudoRandomBytes(5);
  // chunks that are multiples of 4 continue the same word sequence
  expect(Buffer.concat([g.next(400), g.next(600)]).equals(whole)).toBe(true);
  expect(whole.equals(new PseudoRandomBytes(6).next(1000))).toBe(false);
  expect(new Set(whole).size).toBeGreaterThan(200); // not zeros, not a short cycle
});
