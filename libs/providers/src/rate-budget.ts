import { setTimeout as sleep } from 'node:timers/promises';

export interface RateBudgetOptions {
  /** Sustained requests per second; 0 = no rate limit. */
  requestsPerSecond: number;
  /** Requests in flight at once. */
  maxInFlight: number;
  /** Requests allowed in a burst above the sustained rate (default: one second's worth). */
  burst?: number;
  now?: () => number;
}

/**
 * A per-provider budget shared by every activity of a worker process: a token bucket for the
 * request rate and a bound on requests in flight. A 429's Retry-After pauses the whole provider
 * (not just the call that got it), so the worker slows down instead of hammering it.
 */
export class RateBudget {
  private tokens: number;
  private lastRefill: number;
  private inFlight = 0;
  private blockedUntil = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly burst: number;

  constructor(private readonly options: RateBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.burst = options.burst ?? Math.max(1, options.requestsPerSecond);
    this.tokens = this.burst;
    this.lastRefill = this.now();
  }

  /** Runs `call` once the budget allows it; `signal` aborts the wait. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquireSlot(signal);
    try {
      await this.takeToken(signal);
      return await call();
    } finally {
      this.releaseSlot();
    }
  }

  /** Pauses every caller of this provider for `ms` (a 429's Retry-After). */
  pauseFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  get pending(): number {
    return this.waiters.length;
  }

  /** Calls holding a slot now, and the most that may. */
  get usage(): { inFlight: number; maxInFlight: number } {
    return { inFlight: this.inFlight, maxInFlight: this.options.maxInFlight };
  }

  private async acquireSlot(signal?: AbortSignal): Promise<void> {
    if (this.inFlight < this.options.maxInFlight) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  private releaseSlot(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter, so the in-flight count never overshoots.
    if (next) next();
    else this.inFlight--;
  }

  private async takeToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.blockedUntil) {
        await sleep(this.blockedUntil - now, undefined, { signal });
        continue;
      }
      if (this.options.requestsPerSecond <= 0) return;
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1_000) * this.options.requestsPerSecond);
      this.lastRefill = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.options.requestsPerSecond) * 1_000, undefined, { signal });
    }
  }
}
