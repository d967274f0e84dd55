import { isEventAck, PendingAcks } from '../../../../workflows/local/s3-server/event-acks';

/** The S3 server's side of acknowledged events: a write waits for every event sent before it, and fails with a refused one. */
describe('PendingAcks', () => {
  it('resolves outstanding() once every event sent so far is acknowledged, not before', async () => {
    const acks = new PendingAcks();
    const [a, b] = [acks.track(), acks.track()];
    let done = false;
    const waiting = acks.outstanding().then(() => (done = true));
    acks.settle({ ack: a });
    await Promise.resolve();
    expect(done).toBe(false);
    acks.settle({ ack: b });
    await waiting;
    expect(done).toBe(true);
  });

  it('rejects outstanding() when the parent refused an event, and when the parent is gone', async () => {
    const acks = new PendingAcks();
    acks.settle({ ack: acks.track(), error: 'journal write failed' });
    await expect(acks.outstanding()).resolves.toBeUndefined(); // settled before: nothing outstanding any more
    const refused = acks.track();
    const waiting = acks.outstanding();
    acks.settle({ ack: refused, error: 'journal write failed' });
    await expect(waiting).rejects.toThrow('the object event was not queued: journal write failed');
    acks.track();
    const orphaned = acks.outstanding();
    acks.failAll('the S3 server lost its parent process');
    await expect(orphaned).rejects.toThrow('lost its parent process');
  });

  it('tells acknowledgements from other messages', () => {
    expect([isEventAck({ ack: 1 }), isEventAck({ ack: '1' }), isEventAck({ type: 'created' }), isEventAck(null)]).toEqual([true, false, false, false]);
  });
});
