import type { PaymentEventRepository } from '@enrich/db';
import type { Registry } from '@enrich/http';
import { Gauge } from 'prom-client';

/**
 * `enrich_payment_quarantine_entries{status, kind}`: the payment quarantine's size, read from the
 * table at each scrape (a GROUP BY over a table of exceptions, small by nature). When the database
 * does not answer, the scrape keeps the last values rather than failing every other metric.
 */
export function paymentQuarantineMetric(registry: Registry, payments: Pick<PaymentEventRepository, 'quarantineSizes'>): Gauge<'status' | 'kind'> {
  return new Gauge({
    name: 'enrich_payment_quarantine_entries',
    help: 'Entries of the payment quarantine by status (QUARANTINED: awaiting a decision; RELEASED; DISCARDED) and kind (schema, rules, processing).',
    labelNames: ['status', 'kind'],
    registers: [registry],
    async collect() {
      const sizes = await payments.quarantineSizes().catch(() => undefined);
      if (!sizes) return;
      this.reset();
      for (const { status, kind, count } of sizes) this.set({ status, kind }, count);
    },
  });
}
