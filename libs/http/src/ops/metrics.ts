import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * A Prometheus registry of one app: Node's process metrics (CPU, memory, event-loop lag, GC) and
 * every metric the app adds, all labelled with `service`.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Seconds buckets for HTTP requests and provider calls: 5 ms to 30 s. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Counts and times every request: `http_requests_total` and `http_request_duration_seconds` by
 * method, route (the matched route's pattern, e.g. `/v1/jobs/:jobId`, so ids never become label
 * values; `unmatched` for a 404 of no route) and status code.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  // One pair per registry: apps built twice over one registry (tests) share them.
  const requests =
    (registry.getSingleMetric('http_requests_total') as Counter<(typeof labelNames)[number]> | undefined) ??
    new Counter({ name: 'http_requests_total', help: 'HTTP requests answered.', labelNames, registers: [registry] });
  const duration =
    (registry.getSingleMetric('http_request_duration_seconds') as Histogram<(typeof labelNames)[number]> | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** `GET /metrics`: the registry in Prometheus' text format. */
export function metricsRoute(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    registry.metrics().then((text) => {
      res.type(registry.contentType).send(text);
    }, next);
  };
}

/**
 * A counter whose values are running totals kept elsewhere (a consumer's stats, a cache's call
 * counts), read at each scrape: `read()` returns each label set with its total so far.
 */
export function totalsCounter<L extends string>(
  registry: Registry,
  options: { name: string; help: string; labelNames: readonly L[]; read: () => Array<[Partial<Record<L, string>>, number]> },
): Counter<L> {
  const { read, ...definition } = options;
  return new Counter<L>({
    ...definition,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, total] of read()) this.inc(labels, total);
    },
  });
}

/** Calls by operation and outcome, such as a data-key cache's `DataKeyCache.providerCalls`. */
export type CallCountsByOutcome = Record<string, { ok: number; error: number }>;

/**
 * `enrich_key_provider_calls_total{operation, outcome}`: the calls to KMS (or the local key file)
 * behind the data-key cache; each one costs a KMS request, so they should stay rare.
 */
export function keyProviderCallsMetric(registry: Registry, calls: CallCountsByOutcome): Counter<'operation' | 'outcome'> {
  const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  return totalsCounter(registry, {
    name: 'enrich_key_provider_calls_total',
    help: 'Calls to the key provider (KMS) made by the data-key cache, by operation (generate_data_key, unwrap) and outcome (ok, error).',
    labelNames: ['operation', 'outcome'],
    read: () =>
      Object.entries(calls).flatMap(([operation, { ok, error }]): Array<[Record<'operation' | 'outcome', string>, number]> => [
        [{ operation: snakeCase(operation), outcome: 'ok' }, ok],
        [{ operation: snakeCase(operation), outcome: 'error' }, error],
      ]),
  });
}
