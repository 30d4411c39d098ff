import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a burst of one second of tokens, then refuses with Retry-After', () => {
    const buckets = new TokenBuckets(clock);
    expect(buckets.take('k', 2)).toEqual({ allowed: true });
    expect(buckets.take('k', 2)).toEqual({ allowed: true });
    expect(buckets.take('k', 2)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 500;
    expect(buckets.take('k', 2)).toEqual({ allowed: true });
    expect(buckets.take('k', 2).allowed).toBe(false);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const buckets = new TokenBuckets(clock);
    expect(buckets.take('k', 0.2).allowed).toBe(true);
    expect(buckets.take('k', 0.2)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    now += 4_100;
    expect(buckets.take('k', 0.2)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 900;
    expect(buckets.take('k', 0.2).allowed).toBe(true);
  });

  it('keeps keys apart, treats 0 as unlimited, and forgets everything on clear', () => {
    const buckets = new TokenBuckets(clock);
    expect(buckets.take('a', 1).allowed).toBe(true);
    expect(buckets.take('a', 1).allowed).toBe(false);
    expect(buckets.take('b', 1).allowed).toBe(true);
    for (let i = 0; i < 100; i += 1) expect(buckets.take('c', 0).allowed).toBe(true);
    buckets.clear();
    expect(buckets.take('a', 1).allowed).toBe(true);
  });

  it('reports the level of a bucket without taking a token', () => {
    const buckets = new TokenBuckets(clock);
    expect(buckets.level('k', 0)).toBeUndefined();
    expect(buckets.level('k', 2)).toEqual({ capacity: 2, remaining: 2, fullInSeconds: 0 });
    buckets.take('k', 2);
    buckets.take('k', 2);
    expect(buckets.level('k', 2)).toEqual({ capacity: 2, remaining: 0, fullInSeconds: 1 });
    now += 500;
    expect(buckets.level('k', 2)).toEqual({ capacity: 2, remaining: 1, fullInSeconds: 0.5 });
  });
});
