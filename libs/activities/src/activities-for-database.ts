import type { FieldSealer } from '@enrich/codec';
import {
  type BlobStoreSettings,
  createBlobStore,
  CustomerRepository,
  JobRepository,
  LookupCacheRepository,
  PaymentEventRepository,
  ProviderCallRepository,
  PushRequestRepository,
  WebhookRepository,
  type PrismaClient,
} from '@enrich/db';
import { type BudgetSettings, createLookupServices, defaultVendorsConfig, type LookupObserver, type VendorsConfig } from '@enrich/providers';
import type { PageObserver } from './enrichment.activities';
import type { StagingObserver } from './staging.activities';
import { JobCallLedgers } from './call-ledgers';
import { createActivities } from './create-activities';
import type { WebhookOptions } from './webhooks.activities';

export interface ActivitiesForDatabaseOptions {
  prisma: PrismaClient;
  sealer: FieldSealer;
  /** Directory of the blob store holding uploads (shared with the gateway). */
  blobDir: string;
  /** Where uploads are kept when not (only) `blobDir`: an S3 bucket shared with the gateways. */
  blobStore?: BlobStoreSettings;
  /** Rows per multi-row insert while staging (default 1,000). */
  stagingBatchRows?: number;
  /** Where job events go: the client that starts delivery workflows, and which URLs they may reach. */
  webhooks: WebhookOptions;
  /** Aborted when the worker starts shutting down: pages finish their rows in flight and hand the rest over. */
  draining?: AbortSignal;
  /** Told of provider calls, cache lookups, budgets, rows written (the process's metrics). */
  observers?: { lookups?: LookupObserver; pages?: PageObserver; staging?: StagingObserver };
  providers: {
    /** Base URL of the platform's own providers (mock-enrichment): web research, and lookups without a vendors config. */
    baseUrl: string;
    /** The lookup vendors and their waterfall; default: the platform's own providers at `baseUrl`. */
    vendors?: VendorsConfig;
    timeoutMs: number;
    /** Rows a page activity looks up at once (×2, at least 10). */
    concurrency: number;
    /** Per vendor and worker process: sustained requests per second (0 = unlimited). */
    rateLimitPerSecond?: number;
    /** Per vendor and worker process: requests in flight. */
    maxInFlight?: number;
    /** Vendors with a budget of their own (instead of the two above), by registry name. */
    budgets?: Readonly<Record<string, BudgetSettings>>;
    /** How long a provider answer is reused; 0 turns the lookup cache off. */
    cacheTtlMs?: number;
    /** Headers on every provider call (`x-mock-knobs` in tests). */
    headers?: Record<string, string>;
  };
}

/**
 * The platform's activities over PostgreSQL, a file blob store and the vendors. Call it once per
 * process: each vendor's rate budget is shared by every activity it returns.
 */
export function createActivitiesForDatabase({
  prisma,
  sealer,
  blobDir,
  blobStore,
  stagingBatchRows,
  webhooks,
  providers,
  draining,
  observers,
}: ActivitiesForDatabaseOptions) {
  const cacheTtlMs = providers.cacheTtlMs ?? 30 * 24 * 3_600_000;
  const http = { baseUrl: providers.baseUrl, timeoutMs: providers.timeoutMs, headers: providers.headers };
  const vendors = providers.vendors ?? defaultVendorsConfig(providers.baseUrl);
  const { services, waterfall } = createLookupServices({
    vendors,
    sealer,
    cache: cacheTtlMs > 0 ? new LookupCacheRepository(prisma) : undefined,
    cacheTtlMs,
    timeoutMs: providers.timeoutMs,
    defaultBudget: { requestsPerSecond: providers.rateLimitPerSecond ?? 0, maxInFlight: providers.maxInFlight ?? 64 },
    budgets: providers.budgets,
    headers: providers.headers,
    observer: observers?.lookups,
  });
  const providerCalls = new ProviderCallRepository(prisma);
  return createActivities({
    jobs: new JobRepository(prisma),
    customers: new CustomerRepository(prisma),
    pushRequests: new PushRequestRepository(prisma),
    blobs: createBlobStore(blobStore ?? { dir: blobDir }),
    webhooks: new WebhookRepository(prisma),
    webhookOptions: webhooks,
    sealer,
    webProviders: http,
    payments: new PaymentEventRepository(prisma),
    // The inference models are served with the platform's own providers.
    inference: http,
    waterfall,
    // The customer refresh asks the first demographics vendor of the waterfall.
    demographics: services[vendors.waterfall.demographics[0] ?? ''] ?? NO_DEMOGRAPHICS,
    rowsInFlight: Math.max(providers.concurrency * 2, 10),
    stagingBatchRows,
    providerCalls,
    ledgers: new JobCallLedgers(providerCalls),
    draining,
    pageObserver: observers?.pages,
    stagingObserver: observers?.staging,
  });
}

/** Without a demographics vendor the refresh finds nothing (and pays nothing). */
const NO_DEMOGRAPHICS = {
  lookupMany: async (records: readonly unknown[]) => records.map(() => ({ kind: 'not_found' as const, provider: 'none', fromCache: false })),
};
