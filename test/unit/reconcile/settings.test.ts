import { reconcileExecutionName } from '../../../workflows/backup/execution-name';
import { readReconcileConfig } from '../../../workflows/reconcile/settings';

const ENV = { STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:1:stateMachine:m', DEST_BUCKET: 'backup', RECONCILE_SOURCES: '[{"bucket":"data"}]' };

describe('readReconcileConfig', () => {
  it('reads the sources with their prefixes and inventory, the rate and the skip patterns', () => {
    const config = readReconcileConfig({
      ...ENV,
      RECONCILE_SOURCES: JSON.stringify([{ bucket: 'data', prefixes: ['a/', 'b/'], inventory: 's3://inv/p/data/daily/' }, { bucket: 'other', prefixes: [] }]),
      RECONCILE_RATE: '50',
      SKIP_PATTERNS: '["**/*.tmp"]',
    });
    expect(config.sources).toEqual([
      { bucket: 'data', prefixes: ['a/', 'b/'], inventory: { bucket: 'inv', key: 'p/data/daily/' } },
      { bucket: 'other', prefixes: [''] },
    ]);
    expect(config.ratePerSecond).toBe(50);
    expect([config.skip('x/y.tmp') !== undefined, config.skip('x/y.txt') !== undefined]).toEqual([true, false]);
    expect(readReconcileConfig(ENV).sources).toEqual([{ bucket: 'data', prefixes: [''] }]);
  });

  it('fails naming the variable for anything missing or malformed', () => {
    expect(() => readReconcileConfig({ ...ENV, STATE_MACHINE_ARN: '' })).toThrow(/STATE_MACHINE_ARN/);
    expect(() => readReconcileConfig({ ...ENV, RECONCILE_RATE: '0' })).toThrow(/RECONCILE_RATE/);
    expect(() => readReconcileConfig({ ...ENV, RECONCILE_SOURCES: 'nope' })).toThrow(/RECONCILE_SOURCES is not JSON/);
    expect(() => readReconcileConfig({ ...ENV, RECONCILE_SOURCES: '[]' })).toThrow(/non-empty array/);
    expect(() => readReconcileConfig({ ...ENV, RECONCILE_SOURCES: '[{"prefixes":[]}]' })).toThrow(/without a bucket/);
    expect(() => readReconcileConfig({ ...ENV, RECONCILE_SOURCES: '[{"bucket":"d","prefixes":[1]}]' })).toThrow(/non-string prefixes for d/);
    expect(() => readReconcileConfig({ ...ENV, RECONCILE_SOURCES: '[{"bucket":"d","inventory":"gs://x/"}]' })).toThrow(/bad inventory for d/);
  });
});

describe('reconcileExecutionName', () => {
  const object = { bucket: 'data', key: 'photos/cat 1.jpg', etag: 'e1', destinationGeneration: '7', destinationMetageneration: '1' };

  it('is the same for the same source version and destination state, and changes with either', () => {
    const name = reconcileExecutionName(object);
    expect(name).toMatch(/^reconcile-photos-cat-1-jpg-[a-z2-7]+$/);
    expect(reconcileExecutionName({ ...object })).toBe(name);
    expect(reconcileExecutionName({ ...object, etag: 'e2' })).not.toBe(name);
    expect(reconcileExecutionName({ ...object, destinationMetageneration: '2' })).not.toBe(name);
    expect(reconcileExecutionName({ bucket: 'data', key: 'photos/cat 1.jpg', etag: 'e1' })).not.toBe(name);
  });
});
