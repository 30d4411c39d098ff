/** Whether a request may proceed, and if not, how long (whole seconds, at least 1) to wait. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The state of one limited bucket, for the rate-limit headers vendors send with every answer. */
export interface BucketLevel {
  /** Tokens a full bucket holds (one second of tokens, at least 1). */
  capacity: number;
  /** Whole tokens left now: requests that would pass at once. */
  remaining: number;
  /** Seconds until the bucket is full again (0 when it is). */
  fullInSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed by an arbitrary string (provider + `x-mock-knobs` value).
 *
 * Hand-written rather than `express-rate-limit`: the rate is a knob that changes per request and per
 * provider, buckets must be cleared by `/admin/reset`, and a real token bucket (burst = one second of
 * tokens, then a steady rate) is what real providers behave like, not a fixed window.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token from `key`'s bucket, refilled at `ratePerSecond`; 0 means unlimited. */
  take(key: string, ratePerSecond: number): TakeResult {
    if (ratePerSecond <= 0) return { allowed: true };
    // A rate below 1/s still needs room for one request, or nothing would ever pass.
    const capacity = Math.max(1, ratePerSecond);
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsedSeconds * ratePerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
  }

  /**
   * The level of `key`'s bucket at `ratePerSecond` (after any {@link take}), without taking a token;
   * `undefined` when the rate is unlimited.
   */
  level(key: string, ratePerSecond: number): BucketLevel | undefined {
    if (ratePerSecond <= 0) return undefined;
    const capacity = Math.max(1, ratePerSecond);
    const bucket = this.buckets.get(key);
    const elapsedSeconds = bucket === undefined ? 0 : Math.max(0, this.now() - bucket.updatedAt) / 1000;
    const tokens = bucket === undefined ? capacity : Math.min(capacity, bucket.tokens + elapsedSeconds * ratePerSecond);
    return { capacity, remaining: Math.floor(tokens), fullInSeconds: (capacity - tokens) / ratePerSecond };
  }

  /** Forgets every bucket (they start full again). */
  clear(): void {
    this.buckets.clear();
  }
}
