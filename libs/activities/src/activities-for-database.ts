import type { FieldSealer } from '@enrich/codec';
import {
  CustomerRepository,
  FileBlobStore,
  JobRepository,
  LookupCacheRepository,
  PushRequestRepository,
  WebhookRepository,
  type PrismaClient,
} from '@enrich/db';
import { createActivities } from './create-activities';
import { DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_WATERFALL } from '@enrich/domain';
import { HttpLookupClient } from './providers/http-lookup.client';
import { PROVIDER_CATALOG } from './providers/provider-catalog';
import { providerBudgets, type BudgetSettings } from './providers/provider-budgets';
import { LookupService } from './providers/lookup-service';
import { RateBudget } from './providers/rate-budget';
import type { WebhookOptions } from './webhooks.activities';

export interface ActivitiesForDatabaseOptions {
  prisma: PrismaClient;
  sealer: FieldSealer;
  /** Directory of the blob store holding uploads (shared with the gateway). */
  blobDir: string;
  /** Rows per multi-row insert while staging (default 1,000). */
  stagingBatchRows?: number;
  /** Where job events go: the client that starts delivery workflows, and which URLs they may reach. */
  webhooks: WebhookOptions;
  providers: {
    baseUrl: string;
    timeoutMs: number;
    /** Rows looked up together within a page activity. */
    concurrency: number;
    /** Per provider and worker process: sustained requests per second (0 = unlimited). */
    rateLimitPerSecond?: number;
    /** Per provider and worker process: requests in flight. */
    maxInFlight?: number;
    /** Providers with a budget of their own (instead of the two above), by registry name. */
    budgets?: Readonly<Record<string, BudgetSettings>>;
    /** How long a provider answer is reused; 0 turns the lookup cache off. */
    cacheTtlMs?: number;
    /** Headers on every provider call (API keys; `x-mock-knobs` in tests). */
    headers?: Record<string, string>;
  };
}

/**
 * The platform's activities over PostgreSQL, a file blob store and the HTTP providers. Call it once
 * per process: each provider's rate budget is shared by every activity it returns.
 */
export function createActivitiesForDatabase({ prisma, sealer, blobDir, stagingBatchRows, webhooks, providers }: ActivitiesForDatabaseOptions) {
  const cacheTtlMs = providers.cacheTtlMs ?? 30 * 24 * 3_600_000;
  const cache = cacheTtlMs > 0 ? new LookupCacheRepository(prisma) : undefined;
  const http = { baseUrl: providers.baseUrl, timeoutMs: providers.timeoutMs, headers: providers.headers };
  const budgets = providerBudgets(
    Object.keys(PROVIDER_CATALOG),
    { requestsPerSecond: providers.rateLimitPerSecond ?? 0, maxInFlight: providers.maxInFlight ?? 64 },
    providers.budgets,
  );
  // One lookup service (one rate budget) per provider for the whole process.
  const services = Object.fromEntries(
    Object.values(PROVIDER_CATALOG).map((spec) => [
      spec.name,
      new LookupService({
        provider: new HttpLookupClient(spec, http),
        budget: new RateBudget(budgets[spec.name]),
        cache,
        cacheTtlMs,
        sealer,
      }),
    ]),
  );
  return createActivities({
    jobs: new JobRepository(prisma),
    customers: new CustomerRepository(prisma),
    pushRequests: new PushRequestRepository(prisma),
    blobs: new FileBlobStore(blobDir),
    webhooks: new WebhookRepository(prisma),
    webhookOptions: webhooks,
    sealer,
    webProviders: http,
    waterfall: { providers: services, waterfall: DEFAULT_WATERFALL, threshold: DEFAULT_CONFIDENCE_THRESHOLD },
    demographics: services['demographics'],
    chunkSize: Math.max(providers.concurrency * 2, 10),
    stagingBatchRows,
  });
}
