import { FaultPlan, S3_FAULT_KINDS, checkRates, type S3FaultKind } from '../../../../workflows/local/fault-proxy/plan';

const signatures = Array.from({ length: 20_000 }, (_, i) => `GET /bucket/key-${i}?x-id=GetObject `);

describe('FaultPlan', () => {
  it('expect the same seed to fault the same requests whatever order they arrive in', () => {
    const rates = { 'slow-down': 0.1, reset: 0.1, 'broken-stream': 0.1, stall: 0.1 };
    const a = new FaultPlan({ seed: 42, rates });
    const b = new FaultPlan({ seed: 42, rates });
    const forward = signatures.slice(0, 500).map((s) => a.decide(s));
    const backward = signatures.slice(0, 500).reverse().map((s) => b.decide(s)).reverse();
    expect(backward).toEqual(forward);
    expect(forward.some((d) => d !== undefined)).toBe(true);
  });

  it('expect another seed to choose other requests', () => {
    const rates = { 'slow-down': 0.2 };
    const a = signatures.slice(0, 500).map((s) => new FaultPlan({ seed: 1, rates }).decide(s)?.kind);
    const b = signatures.slice(0, 500).map((s) => new FaultPlan({ seed: 2, rates }).decide(s)?.kind);
    expect(b).not.toEqual(a);
  });

  it('expect each kind injected at about its rate', () => {
    const rates = { 'slow-down': 0.05, reset: 0.03, 'broken-stream': 0.02, stall: 0.1 };
    const plan = new FaultPlan({ seed: 'rates', rates });
    const tally: Record<string, number> = {};
    for (const s of signatures) {
      const kind = plan.decide(s)?.kind ?? 'none';
      tally[kind] = (tally[kind] ?? 0) + 1;
    }
    for (const kind of S3_FAULT_KINDS) {
      const observed = (tally[kind] ?? 0) / signatures.length;
      // 20,000 draws: the standard error is below 0.0022 for these rates; 4 sigma.
      expect(Math.abs(observed - rates[kind])).toBeLessThan(0.009);
    }
  });

  it('expect a request faulted at most maxFaultsPerRequest times, so its retries get through', () => {
    const plan = new FaultPlan({ seed: 7, rates: { reset: 1 }, maxFaultsPerRequest: 2 });
    const kinds = [1, 2, 3, 4].map(() => plan.decide('GET /b/k ')?.kind);
    expect(kinds).toEqual<(S3FaultKind | undefined)[]>(['reset', 'reset', undefined, undefined]);
  });

  it('expect broken-stream fractions within [0, 1)', () => {
    const plan = new FaultPlan({ seed: 3, rates: { 'broken-stream': 1 }, maxFaultsPerRequest: 1 });
    const fractions = signatures.slice(0, 1000).map((s) => plan.decide(s)!.fraction);
    expect(Math.min(...fractions)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...fractions)).toBeLessThan(1);
    expect(new Set(fractions).size).toBeGreaterThan(990);
  });

  it('expect setRates to end the outage', () => {
    const plan = new FaultPlan({ seed: 5, rates: { 'slow-down': 1 }, maxFaultsPerRequest: 100 });
    expect(plan.decide('HEAD /b/k ')?.kind).toBe('slow-down');
    plan.setRates({});
    expect(signatures.slice(0, 200).map((s) => plan.decide(s))).toEqual(Array(200).fill(undefined));
  });

  it('expect invalid rates refused with the reason', () => {
    expect(() => checkRates({ reset: 0.7, stall: 0.4 })).toThrow(/add up to 1.1/);
    expect(() => checkRates({ reset: -0.1 })).toThrow(/reset must be within \[0, 1\]/);
    expect(() => checkRates({ corrupt: 0.1 } as never)).toThrow(/unknown fault kind "corrupt"/);
    expect(() => new FaultPlan({ seed: 1, maxFaultsPerRequest: -1 })).toThrow(/maxFaultsPerRequest/);
  });

  it('expect memory bounded: the oldest signatures are forgotten', () => {
    const plan = new FaultPlan({ seed: 9, rates: { reset: 1 }, maxFaultsPerRequest: 1, maxTrackedRequests: 2 });
    expect(plan.decide('a')).toBeDefined();
    expect(plan.decide('a')).toBeUndefined();
    plan.decide('b');
    plan.decide('c'); // forgets 'a'
    expect(plan.decide('a')).toBeDefined();
  });
});
