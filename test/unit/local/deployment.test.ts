/**
 * The local deployment runs the handlers' own factories (workflows/handlers/), not a copy of their wiring: what only
 * the handler code adds — copy metrics per tier, SourceGone, no metric for a copy that moved nothing — shows in a local run.
 */
import { SourceNotFound } from '../../../workflows/backup/errors';
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

  test('expect a copy whose source is gone to count SourceGone by origin, as the handler does', async () => {
    const engine = new StandInEngine(async () => {
      throw new SourceNotFound('no such key');
    });
    const metrics = new LocalMetricsSink();
    const result = await runBackupExecution(put('data/gone.bin', 1000), standInEnvironment(engine, { routing, metrics }));
    expect(result.output).toMatchObject({ outcome: 'source-gone' });
    expect(metrics.published).toEqual([{ dimensions: { origin: 's3-notification' }, values: { SourceGone: { value: 1, unit: 'Count' } } }]);
  });
});
