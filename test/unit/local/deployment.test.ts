/**
 * The local deployment runs the handlers' own factories (workflows/handlers/), not a copy of their wiring: what only
 * the handler code adds — copy metrics per tier, SourceGone, Superseded, Escalations, no metric for a copy that moved
 * nothing — shows in a local run.
 */
import { SourceChanged, SourceNotFound, TierCapacityExceeded } from '../../../workflows/backup/errors';
import { LocalMetricsSink } from '../../../workflows/local/metrics-sink';
import { runBackupExecution } from '../../../workflows/local/runner';
import { copied, StandInEngine, standInEnvironment } from '../asl/stand-in-engine';

const MIB = 1024 * 1024;
const routing = { smallMaxBytes: 1 * MIB, largeMaxBytes: 2 * MIB };

function put(key: string, size: number): Record<string, unknown> {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'source-bucket' }, object: { key, size, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A' } },
      },
    ],
  };
}

describe('local deployment', () => {
  test.each([
    ['small', 1000],
    ['large', 1.5 * MIB],
    ['heavy', 3 * MIB],
  ] as const)('expect a %s copy to publish BytesCopied and CopyDuration under its tier, as the handler does', async (tier, size) => {
    const metrics = new LocalMetricsSink();
    const result = await runBackupExecution(put(`data/${tier}.bin`, size), standInEnvironment(new StandInEngine(), { routing, metrics }));
    expect(result.output).toMatchObject({ outcome: 'copied', tier });
    expect(metrics.published).toEqual([
      { dimensions: { tier }, values: { BytesCopied: { value: size, unit: 'Bytes' }, CopyDuration: { value: 1, unit: 'Milliseconds' } } },
    ]);
  });

  test('expect a copy that moved nothing to publish no metric', async () => {
    const engine = new StandInEngine(async (req, ctx) => ({ ...copied(req, ctx), outcome: 'already-current', bytes: 0 }));
    const metrics = new LocalMetricsSink();
    const result = await runBackupExecution(put('data/same.bin', 1000), standInEnvironment(engine, { routing, metrics }));
    expect(result.output).toMatchObject({ outcome: 'already-current' });
    expect(metrics.published).toEqual([]);
  });

  test.each([
    ['source-gone', 'SourceGone', new SourceNotFound('no such key')],
    ['superseded', 'Superseded', new SourceChanged('the ETag changed')],
  ])('expect a copy that ends %s to count %s by bucket and origin, as the handler does', async (outcome, metric, err) => {
    const engine = new StandInEngine(async () => {
      throw err;
    });
    const metrics = new LocalMetricsSink();
    const result = await runBackupExecution(put('data/gone.bin', 1000), standInEnvironment(engine, { routing, metrics }));
    expect(result.output).toMatchObject({ outcome });
    expect(metrics.published).toEqual([{ dimensions: { bucket: 'source-bucket', origin: 's3-notification' }, values: { [metric]: { value: 1, unit: 'Count' } } }]);
  });

  test('expect an escalated copy to count Escalations under the tier that took over, once per escalation', async () => {
    const engine = new StandInEngine(async (req, ctx) => {
      if (ctx.tier !== 'heavy') throw new TierCapacityExceeded(`the ${ctx.tier} tier ran out of time`);
      return copied(req, ctx);
    });
    const metrics = new LocalMetricsSink();
    const result = await runBackupExecution(put('data/escalates.bin', 1000), standInEnvironment(engine, { routing, metrics }));
    expect(result.output).toMatchObject({ outcome: 'copied', tier: 'heavy' });
    expect(metrics.published.filter((p) => 'Escalations' in p.values)).toEqual([
      { dimensions: { tier: 'large' }, values: { Escalations: { value: 1, unit: 'Count' } } },
      { dimensions: { tier: 'heavy' }, values: { Escalations: { value: 1, unit: 'Count' } } },
    ]);
  });
});
