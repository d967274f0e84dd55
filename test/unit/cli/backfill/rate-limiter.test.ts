import { RateLimiter } from '../../../../workflows/cli/backfill/rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst, then paces acquisitions at the rate (fake clock)', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(10, 3, () => now, async (ms) => {
      waits.push(ms);
      now += ms;
    });
    for (let i = 0; i < 7; i++) await limiter.acquire();
    expect(waits).toEqual([100, 100, 100, 100]); // a burst of 3 free, then one token per 100 ms
    expect(now).toBe(400);
  });

  it('refills while idle, never beyond the burst', async () => {
    let now = 0;
    const limiter = new RateLimiter(2, 2, () => now, async (ms) => void (now += ms));
    await limiter.acquire();
    await limiter.acquire();
    now += 60_000;
    await limiter.acquire();
    await limiter.acquire();
    const before = now;
    await limiter.acquire();
    expect(now - before).toBe(500);
  });
});
