import { Router } from 'express';

/** A dependency the app needs to serve: resolves when it answers, rejects (or times out) when not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  /** What `/ready` asks, by name (e.g. postgres, temporal, keys). */
  checks?: Readonly<Record<string, ReadinessCheck>>;
  /** How long one check may take before it counts as failed (default 2 s). */
  timeoutMs?: number;
}

/** The outcome of one readiness check, as `/ready` reports it. */
export interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
}

/** Runs every check at once, each bounded by `timeoutMs`. */
export async function runChecks(checks: Readonly<Record<string, ReadinessCheck>>, timeoutMs = 2_000): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { ok: true, ms: Math.round(performance.now() - started) }];
      } catch (error) {
        return [name, { ok: false, ms: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * `GET /health`: liveness — the process answers (200 `{"status":"ok"}`), whatever its dependencies
 * say; restart it only when this fails. `GET /ready`: readiness — every check answered (200
 * `{"status":"ready","checks":{…}}`), else 503 `{"status":"not_ready","checks":{…}}` naming the
 * failing ones; take it out of rotation meanwhile.
 */
export function healthRoutes({ checks = {}, timeoutMs }: HealthOptions = {}): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', (_req, res, next) => {
    runChecks(checks, timeoutMs).then((results) => {
      const ready = Object.values(results).every((r) => r.ok);
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
    }, next);
  });
  return router;
}
