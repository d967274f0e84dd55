import { STAGES } from '../../infra/config/stages';
import { tierRssCases, tierRssMarkdown } from './tier-rss';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

it("expect each tier measured with the stage's own engine options at the biggest object it takes, bounded by the run's sizes", () => {
  const cases = tierRssCases(STAGES.production, [MIB, 64 * MIB, GIB]);
  const { tiers } = STAGES.production;
  expect(cases).toEqual([
    { tier: 'small', memoryMiB: tiers.small.memoryMiB, sizeBytes: 64 * MIB, engineOptions: {} },
    { tier: 'large', memoryMiB: tiers.large.memoryMiB, sizeBytes: GIB, engineOptions: { concurrency: 8 } },
    { tier: 'heavy', memoryMiB: tiers.heavy.memoryMiB, sizeBytes: GIB, engineOptions: { concurrency: 16, partSizeBytes: 16 * MIB } },
  ]);
  // A run that stays within the small tier measures only the small tier, at its biggest size.
  expect(tierRssCases(STAGES.production, [MIB, 16 * MIB])).toEqual([{ tier: 'small', memoryMiB: tiers.small.memoryMiB, sizeBytes: 16 * MIB, engineOptions: {} }]);
});

it('expect the table to show the headroom over the highest peak, not the median', () => {
  const md = tierRssMarkdown(
    [{ tier: 'small', memoryMiB: 512, sizeBytes: 64 * MIB, engineOptions: {}, modelMiB: 64, peakRssMiB: { median: 200, min: 190, max: 256, n: 3 } }],
    'production',
  );
  expect(md).toContain('| small | 512 | 64 MiB | 8 MiB × 4 (defaults) | 200 (190–256) | 64 | 2.0 × |');
});
