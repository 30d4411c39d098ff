import type { FieldSealer } from '@enrich/codec';
import type { LookupCacheRepository } from '@enrich/db';
import { type BudgetSettings, providerBudgets } from './budgets';
import { type LookupObserver, LookupService } from './lookup-service';
import { RateBudget } from './rate-budget';
import { VendorClient } from './vendor-client';
import type { VendorsConfig } from './vendors-config';
import type { WaterfallOptions } from './waterfall';

export interface LookupServicesOptions {
  vendors: VendorsConfig;
  sealer: Pick<FieldSealer, 'sealRecord'>;
  /** Answers already paid for; none = every lookup calls its vendor. */
  cache?: Pick<LookupCacheRepository, 'getMany' | 'putMany'>;
  cacheTtlMs: number;
  /** Timeout of one call, unless the vendor sets its own. */
  timeoutMs: number;
  /** The budget of a vendor the config gives none (or only part of) … */
  defaultBudget: BudgetSettings;
  /** … unless the worker's environment gives it one, by vendor name. */
  budgets?: Readonly<Record<string, BudgetSettings>>;
  /** Headers on every vendor call (`x-mock-knobs` in tests). */
  headers?: Record<string, string>;
  /** Told of every request, cache lookup and budget change (metrics). */
  observer?: LookupObserver;
}

/**
 * One lookup service per vendor for the whole process (one rate budget each, shared by every
 * activity), and the waterfall over them.
 */
export function createLookupServices({ vendors, sealer, cache, cacheTtlMs, timeoutMs, defaultBudget, budgets, headers, observer }: LookupServicesOptions): {
  services: Record<string, LookupService>;
  waterfall: WaterfallOptions;
} {
  const envBudgets = providerBudgets(
    vendors.vendors.map((vendor) => vendor.name),
    defaultBudget,
    budgets,
  );
  const services = Object.fromEntries(
    vendors.vendors.map((vendor) => [
      vendor.name,
      new LookupService({
        provider: new VendorClient({
          name: vendor.name,
          adapter: vendor.adapter,
          baseUrl: vendor.baseUrl,
          apiKey: vendor.apiKey,
          timeoutMs: vendor.timeoutMs ?? timeoutMs,
          headers,
          outOfCreditsPauseMs: vendor.outOfCreditsPauseMs,
        }),
        budget: new RateBudget({ ...envBudgets[vendor.name], ...vendor.budget }),
        cache,
        cacheTtlMs,
        sealer,
        cost: vendor.cost,
        observer,
      }),
    ]),
  );
  return { services, waterfall: { providers: services, waterfall: vendors.waterfall, threshold: vendors.threshold } };
}
