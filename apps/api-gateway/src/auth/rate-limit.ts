import type { RequestHandler } from 'express';
import type { RateLimitRepository } from '@enrich/db';
import { callerOf, HttpError } from '@enrich/http';
import type { Principal } from './principal';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Requests per window per API key when the tenant has no limit of its own. */
  defaultLimit: number;
  /** Length of a counting window (default one minute). */
  windowMs?: number;
  now?: () => number;
}

/** Name of the policy in the `RateLimit-Policy` / `RateLimit` headers (IETF httpapi-ratelimit-headers draft). */
const POLICY = 'per-key';

/**
 * Middleware after authentication: counts the request against its key's window in the shared
 * store (so every gateway instance enforces one limit), sets the `RateLimit-Policy` and `RateLimit`
 * headers, and answers 429 with `Retry-After` once the window's quota is spent. The limit is the
 * tenant's own or {@link RateLimitOptions.defaultLimit}.
 */
export function rateLimit(store: RateLimitRepository, options: RateLimitOptions): RequestHandler {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  let purgedBefore = 0;
  return async (req, res, next) => {
    const principal = callerOf<Principal>(req);
    const limit = principal.tenant.rateLimitPerMinute ?? options.defaultLimit;
    const at = now();
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const count = await store.hit(principal.subject, new Date(windowStart));
    const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - at) / 1000));
    res.setHeader('RateLimit-Policy', `"${POLICY}";q=${limit};w=${windowMs / 1000}`);
    res.setHeader('RateLimit', `"${POLICY}";r=${Math.max(0, limit - count)};t=${resetSeconds}`);
    if (windowStart > purgedBefore) {
      // Once per window and instance: windows before the current one count for nothing any more.
      purgedBefore = windowStart;
      store.purgeBefore(new Date(windowStart)).catch((error: unknown) => req.log.warn({ err: error }, 'rate limit windows not purged'));
    }
    if (count > limit) {
      throw new HttpError(
        429,
        'rate_limited',
        `This API key has made ${limit} requests in the current ${windowMs / 1000}-second window, its limit; retry in ${resetSeconds} s.`,
        { limit, retryAfterSeconds: resetSeconds },
        { 'Retry-After': String(resetSeconds) },
      );
    }
    next();
  };
}
