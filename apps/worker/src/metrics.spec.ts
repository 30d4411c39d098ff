import { createMetricsRegistry, httpMetrics } from '@enrich/http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerMetrics } from './metrics';

/** The Grafana dashboard shipped in deploy/grafana: every query names metrics the apps really export. */
const dashboard = JSON.parse(readFileSync(join(__dirname, '../../../deploy/grafana/enrichment-dashboard.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

describe('worker metrics and the dashboard', () => {
  it('queries only metrics that the worker and the HTTP apps register', async () => {
    const registry = createMetricsRegistry('worker');
    workerMetrics(registry);
    httpMetrics(registry);
    const registered = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
    const queried = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => [...target.expr.matchAll(/\b((?:enrich|http)_[a-z_]+?)(?:_bucket|_sum|_count)?\b(?=[{[\s)])/g)].map((m) => m[1])),
    );
    expect(queried.length).toBeGreaterThan(10);
    expect(queried.filter((name) => !registered.has(name))).toEqual([]);
  });

  it('counts calls by vendor and outcome, cache hits and misses, budget use, rows staged and rows by status', async () => {
    const registry = createMetricsRegistry('worker');
    const { lookups, pages, staging } = workerMetrics(registry);
    lookups.called('demographics', 'found', 0.12);
    lookups.called('demographics', 'rate_limited', 0.01);
    lookups.cached('demographics', true);
    lookups.budget('demographics', { inFlight: 3, maxInFlight: 64, waiting: 2 });
    pages.rowsWritten(['ENRICHED', 'ENRICHED', 'NOT_FOUND']);
    pages.handedOver(7);
    staging.staged({ total: 25, quarantined: 2 });
    const text = await registry.metrics();
    expect(text).toContain('enrich_provider_calls_total{vendor="demographics",outcome="found",service="worker"} 1');
    expect(text).toContain('enrich_provider_call_duration_seconds_bucket{le="0.25",service="worker",vendor="demographics",outcome="found"} 1');
    expect(text).toContain('enrich_lookup_cache_total{vendor="demographics",result="hit",service="worker"} 1');
    expect(text).toContain('enrich_provider_budget_in_flight{vendor="demographics",service="worker"} 3');
    expect(text).toContain('enrich_provider_budget_waiting{vendor="demographics",service="worker"} 2');
    expect(text).toContain('enrich_rows_written_total{status="ENRICHED",service="worker"} 2');
    expect(text).toContain('enrich_rows_handed_over_total{service="worker"} 7');
    expect(text).toContain('enrich_rows_staged_total{status="pending",service="worker"} 23');
    expect(text).toContain('enrich_rows_staged_total{status="quarantined",service="worker"} 2');
  });
});
