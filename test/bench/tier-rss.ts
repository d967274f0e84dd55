import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import type { StageConfig } from '../../infra/config/types';
import { engineOptionsOf } from '../../infra/config/validate';
import { engineMemoryBytes, type EngineOptions } from '../../workflows/copy/engine';
import { copyOnce, formatBytes, SOURCE_BUCKET, verifyAndRemove, WARMUP_BYTES, type CopyBenchOptions } from './copy-bench';
import { seedObject } from './seed';
import { spread, type Spread } from './stats';

/**
 * Peak RSS per copier tier: each tier's engine options (as the stage sets them) copying the biggest object the tier
 * takes, bounded by the biggest size this run measures. The small tier copies up to thresholds.smallMaxBytes; the
 * large and heavy tiers' memory is flat once their window of part buffers is full (engineMemoryBytes), which the
 * biggest size run shows when it holds more parts than the window.
 */
export type TierName = 'small' | 'large' | 'heavy';

export interface TierRssCase {
  tier: TierName;
  /** The tier's memory setting, MiB (Lambda memory or the Fargate task's). */
  memoryMiB: number;
  sizeBytes: number;
  engineOptions: Partial<EngineOptions>;
}

export interface TierRssResult extends TierRssCase {
  peakRssMiB: Spread;
  /** The engine's memory model for this size and options (object bytes it holds at once), MiB. */
  modelMiB: number;
}

const MIB = 1024 ** 2;

/** The cases for a stage and the sizes of this run: small at min(smallMaxBytes, biggest), large and heavy at the biggest. */
export function tierRssCases(config: StageConfig, sizes: number[]): TierRssCase[] {
  const biggest = Math.max(...sizes);
  const { tiers, thresholds } = config;
  const cases: TierRssCase[] = [
    { tier: 'small', memoryMiB: tiers.small.memoryMiB, sizeBytes: Math.min(thresholds.smallMaxBytes, biggest), engineOptions: engineOptionsOf(tiers.small) },
  ];
  if (biggest > thresholds.smallMaxBytes) {
    cases.push({ tier: 'large', memoryMiB: tiers.large.memoryMiB, sizeBytes: biggest, engineOptions: engineOptionsOf(tiers.large) });
    cases.push({ tier: 'heavy', memoryMiB: tiers.heavy.memoryMiB, sizeBytes: biggest, engineOptions: engineOptionsOf(tiers.heavy) });
  }
  return cases;
}

/** Every case `runs` times, interleaved, each copy in its own process and checked byte-exact like the comparison's. */
export async function runTierRss(o: Omit<CopyBenchOptions, 'sizes' | 'methods' | 'engineOptions'>, cases: TierRssCase[]): Promise<TierRssResult[]> {
  const storage = new Storage({ apiEndpoint: o.servers.gcsEndpoint, projectId: 'bench' });
  const warmup = await seedObject(o.servers.s3, SOURCE_BUCKET, 'warmup-1KiB', WARMUP_BYTES, 7);
  const samples = cases.map(() => [] as number[]);
  for (const size of [...new Set(cases.map((c) => c.sizeBytes))]) {
    const source = await seedObject(o.servers.s3, SOURCE_BUCKET, `tier-${size}`, size, 13);
    try {
      for (let run = 1; run <= o.runs; run++) {
        for (const [i, c] of cases.entries()) {
          if (c.sizeBytes !== size) continue;
          const prefix = `tier-${c.tier}-${run}/`;
          const r = await copyOnce({ ...o, sizes: [], methods: [], engineOptions: c.engineOptions }, 'engine', source, warmup, prefix);
          await verifyAndRemove(storage, prefix, source, warmup);
          samples[i]!.push(r.peakRssBytes / MIB);
          o.onProgress(`tier ${c.tier} ${formatBytes(size)} ${JSON.stringify(c.engineOptions)} run ${run}/${o.runs}: peak RSS ${(r.peakRssBytes / MIB).toFixed(0)} MiB`);
        }
      }
    } finally {
      await o.servers.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: source.key }));
    }
  }
  return cases.map((c, i) => ({ ...c, peakRssMiB: spread(samples[i]!), modelMiB: engineMemoryBytes(c.sizeBytes, c.engineOptions) / MIB }));
}

/** The per-tier table of docs/benchmarks.md: each tier's measured peak against its memory setting. */
export function tierRssMarkdown(results: TierRssResult[], stage: string): string {
  const options = (o: Partial<EngineOptions>): string =>
    `${(o.partSizeBytes ?? 8 * MIB) / MIB} MiB × ${o.concurrency ?? 4}${Object.keys(o).length ? '' : ' (defaults)'}`;
  return [
    `### Peak RSS per tier (stage ${stage})`,
    '',
    "Each tier's engine options as the stage sets them, copying the biggest object it takes (bounded by this run's biggest size; " +
      'the large and heavy tiers are flat beyond their window of part buffers). Model = the object bytes the engine holds at once ' +
      '(engineMemoryBytes); the rest is the runtime and socket buffers. Headroom = the tier\'s memory over the highest peak measured.',
    '',
    '| tier | memory MiB | object | parts × concurrency | peak RSS MiB | model MiB | headroom |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.tier} | ${r.memoryMiB} | ${formatBytes(r.sizeBytes)} | ${options(r.engineOptions)} | ${r.peakRssMiB.median.toFixed(0)} (${r.peakRssMiB.min.toFixed(0)}–${r.peakRssMiB.max.toFixed(0)}) | ` +
        `${r.modelMiB.toFixed(0)} | ${(r.memoryMiB / r.peakRssMiB.max).toFixed(1)} × |`,
    ),
  ].join('\n');
}
