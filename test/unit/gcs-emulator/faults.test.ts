import { FaultInjector, parseFault } from '../../../workflows/local/gcs-emulator/faults';

const get = { operation: 'storage.objects.get', carriesData: true };

describe('parseFault', () => {
  it.each([
    ['return-503', { kind: 'status', status: 503 }],
    ['return-429', { kind: 'status', status: 429 }],
    ['return-reset-connection', { kind: 'reset' }],
    ['return-broken-stream-after-256K', { kind: 'broken-stream', afterBytes: 262144 }],
    ['stall-for-2s', { kind: 'stall', ms: 2000, afterBytes: 0 }],
    ['stall-for-0.5s-after-1K', { kind: 'stall', ms: 500, afterBytes: 1024 }],
    ['corrupt-data', { kind: 'corrupt' }],
  ])('reads %s', (name, fault) => {
    expect(parseFault(name)).toEqual(fault);
  });

  it('rejects an unknown fault with 400', () => {
    expect(() => parseFault('return-teapot')).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('FaultInjector', () => {
  it('fires a fault on the next `times` matching requests, then stops, counting each firing', () => {
    const f = new FaultInjector();
    f.inject({ operation: 'storage.objects.get', fault: 'return-503', times: 2 });
    expect([f.take({ operation: 'storage.objects.list', carriesData: false }), f.take(get), f.take(get), f.take(get)]).toEqual([
      undefined,
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
      undefined,
    ]);
    expect(f.fired).toBe(2);
  });

  it('keeps byte-level faults for a request that carries bytes (not a resumable start or a metadata read)', () => {
    const f = new FaultInjector();
    f.inject({ operation: 'storage.objects.insert', fault: 'corrupt-data' });
    expect(f.take({ operation: 'storage.objects.insert', carriesData: false })).toBeUndefined();
    expect(f.take({ operation: 'storage.objects.insert', carriesData: true })).toEqual({ kind: 'corrupt' });
  });

  it('only fires a fault with objectName for that object', () => {
    const f = new FaultInjector();
    f.inject({ operation: 'storage.objects.get', fault: 'return-429', objectName: 'x' });
    expect(f.take({ ...get, objectName: 'y' })).toBeUndefined();
    expect(f.take({ ...get, objectName: 'x' })).toEqual({ kind: 'status', status: 429 });
  });

  it('scopes retry-test instructions to requests with that id, in order, and reports completion', () => {
    const f = new FaultInjector();
    const t = f.createRetryTest({ 'storage.objects.get': ['return-503', 'return-reset-connection'] });
    expect(f.take(get)).toBeUndefined();
    expect(f.take({ ...get, retryTestId: t.id })).toEqual({ kind: 'status', status: 503 });
    expect(f.retryTest(t.id)).toMatchObject({ completed: false, instructions: { 'storage.objects.get': ['return-reset-connection'] } });
    expect(f.take({ ...get, retryTestId: t.id })).toEqual({ kind: 'reset' });
    expect(f.retryTest(t.id).completed).toBe(true);
  });

  it('clear() drops pending faults and the fired count', () => {
    const f = new FaultInjector();
    f.inject({ operation: 'storage.objects.get', fault: 'return-503', times: 3 });
    f.take(get);
    f.clear();
    expect([f.fired, f.pending(), f.take(get)]).toEqual([0, [], undefined]);
  });

  it('rejects an operation that is not a storage.* name', () => {
    expect(() => new FaultInjector().inject({ operation: 'objects.get', fault: 'return-503' })).toThrow(expect.objectContaining({ status: 400 }));
  });
});
