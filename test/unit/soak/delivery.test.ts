import type { S3ObjectEvent } from '../../../workflows/local/s3-server';
import { EventDelivery } from '../../soak/delivery';
import { Random } from '../../soak/random';

const created = (key: string, sequencer: string): S3ObjectEvent => ({
  type: 'created',
  bucket: 'b',
  key,
  size: 1,
  etag: `etag-${sequencer}`,
  sequencer,
  eventTime: new Date(0).toISOString(),
});

describe('EventDelivery', () => {
  it('expect every event delivered twice, the second copy after the first', async () => {
    const seen: string[] = [];
    const delivery = new EventDelivery((e) => seen.push(e.sequencer), new Random(1), new Set(), 20);
    delivery.onEvent(created('a', '01'));
    delivery.onEvent(created('b', '02'));
    expect(seen).toEqual(['01', '02']);
    await delivery.settle();
    expect(seen.sort()).toEqual(['01', '01', '02', '02']);
    expect(delivery.stats).toEqual({ events: 2, deliveries: 4, reordered: 0, late: 0 });
  });

  it("expect a reordered key's older event delivered only after the newer one", async () => {
    const seen: string[] = [];
    const delivery = new EventDelivery((e) => seen.push(e.sequencer), new Random(2), new Set(['b/k']), 0);
    delivery.onEvent(created('k', '01'));
    expect(seen).toEqual([]);
    delivery.onEvent(created('k', '02'));
    expect(seen).toEqual(['02', '01']);
    delivery.onEvent(created('k', '03')); // only the first version is held back
    expect(seen).toEqual(['02', '01', '03']);
    await delivery.settle();
    expect(delivery.stats.reordered).toBe(1);
    expect(seen).toHaveLength(6);
  });

  it('expect a held event delivered at settle when no newer one came', async () => {
    const seen: string[] = [];
    const delivery = new EventDelivery((e) => seen.push(e.sequencer), new Random(3), new Set(['b/k']), 0);
    delivery.onEvent(created('k', '01'));
    await delivery.settle();
    expect(seen).toEqual(['01', '01']);
  });

  it("expect a late key's events held until releaseLate, then delivered newest first; other keys and buckets untouched", async () => {
    const seen: string[] = [];
    const delivery = new EventDelivery((e) => seen.push(`${e.bucket}:${e.sequencer}`), new Random(4), new Set(), 0, new Set(['b/k']));
    delivery.onEvent(created('k', '01'));
    delivery.onEvent(created('k', '02'));
    delivery.onEvent({ ...created('k', '03'), bucket: 'other' });
    expect(seen).toEqual(['other:03']);
    await delivery.settle();
    expect(seen).toEqual(['other:03', 'other:03']);
    delivery.releaseLate();
    expect(seen.slice(2)).toEqual(['b:02', 'b:01']);
    await delivery.settle();
    expect(seen).toHaveLength(6);
    expect(delivery.stats.late).toBe(2);
    delivery.onEvent(created('k', '04')); // released keys are delivered as usual from then on
    expect(seen.at(-1)).toBe('b:04');
  });
});
