import type { RequestHandler } from 'express';

/** What {@link corsPolicy} allows. */
export interface CorsOptions {
  /** Exact origins (`scheme://host[:port]`) that may call from a browser. */
  origins: readonly string[];
}

const ALLOWED_METHODS = 'POST, OPTIONS';
// The Web UI sends Content-Type and X-Namespace, plus Authorization when it passes a token.
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for the Temporal Web UI: credentials allowed, so origins come from an allowlist (never `*`).
 * An origin not on the list gets no CORS headers at all, so the browser keeps the answer from it;
 * preflights are answered here, before authentication (browsers never send credentials on them).
 *
 * Hand-written rather than the `cors` package: the policy is fixed and small, and the package is
 * not installed in this workspace.
 */
export function corsPolicy({ origins }: CorsOptions): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (origin === undefined || !allowed.has(origin)) {
      if (preflight) {
        res.status(204).end();
        return;
      }
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (!preflight) {
      next();
      return;
    }
    // The browser compares what it wants to send against these lists and refuses what they lack.
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
    res.status(204).end();
  };
}
