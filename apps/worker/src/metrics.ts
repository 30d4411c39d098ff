import type { PageObserver, StagingObserver } from '@enrich/activities';
import { LATENCY_BUCKETS, type Registry } from '@enrich/http';
import type { LookupObserver } from '@enrich/providers';
import { Counter, Gauge, Histogram } from 'prom-client';

/**
 * The worker's own metrics, on `registry` (served at the ops endpoint's /metrics): provider calls
 * by vendor and outcome with their latency, lookup-cache hits and misses, each vendor's budget in
 * use, rows staged from files (pending or quarantined), rows written by status, rows handed over
 * on shutdown. Temporal's own worker metrics (task slots, poll latency, sticky cache) come from
 * the SDK's Prometheus exporter (SDK_METRICS_PORT).
 */
export function workerMetrics(registry: Registry): { lookups: LookupObserver; pages: PageObserver; staging: StagingObserver } {
  const registers = [registry];
  const calls = new Counter({
    name: 'enrich_provider_calls_total',
    help: 'Requests sent to a vendor, by how they ended.',
    labelNames: ['vendor', 'outcome'],
    registers,
  });
  const latency = new Histogram({
    name: 'enrich_provider_call_duration_seconds',
    help: 'Time a vendor took to answer, by how the request ended.',
    labelNames: ['vendor', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const cache = new Counter({
    name: 'enrich_lookup_cache_total',
    help: 'Lookups served from the lookup cache (hit) or sent to the vendor (miss).',
    labelNames: ['vendor', 'result'],
    registers,
  });
  const budgetInFlight = new Gauge({
    name: 'enrich_provider_budget_in_flight',
    help: "Calls holding a slot of the vendor's budget.",
    labelNames: ['vendor'],
    registers,
  });
  const budgetMax = new Gauge({ name: 'enrich_provider_budget_max_in_flight', help: "Slots of the vendor's budget.", labelNames: ['vendor'], registers });
  const budgetWaiting = new Gauge({
    name: 'enrich_provider_budget_waiting',
    help: "Calls waiting for a slot of the vendor's budget.",
    labelNames: ['vendor'],
    registers,
  });
  const staged = new Counter({
    name: 'enrich_rows_staged_total',
    help: 'Rows staged from uploaded files: pending (to enrich) or quarantined (unreadable, kept with their line and reason).',
    labelNames: ['status'],
    registers,
  });
  const rows = new Counter({ name: 'enrich_rows_written_total', help: 'Rows written with their final status.', labelNames: ['status'], registers });
  const handedOver = new Counter({
    name: 'enrich_rows_handed_over_total',
    help: 'Rows a page left to another worker because this one was shutting down.',
    registers,
  });
  return {
    lookups: {
      called(vendor, outcome, seconds) {
        calls.inc({ vendor, outcome });
        latency.observe({ vendor, outcome }, seconds);
      },
      cached(vendor, hit) {
        cache.inc({ vendor, result: hit ? 'hit' : 'miss' });
      },
      budget(vendor, usage) {
        budgetInFlight.set({ vendor }, usage.inFlight);
        budgetMax.set({ vendor }, usage.maxInFlight);
        budgetWaiting.set({ vendor }, usage.waiting);
      },
    },
    staging: {
      staged({ total, quarantined }) {
        staged.inc({ status: 'pending' }, total - quarantined);
        staged.inc({ status: 'quarantined' }, quarantined);
      },
    },
    pages: {
      rowsWritten(statuses) {
        for (const status of statuses) rows.inc({ status });
      },
      handedOver(count) {
        handedOver.inc(count);
      },
    },
  };
}
