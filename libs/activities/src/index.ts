/**
 * Activities of the enrichment platform, built by {@link createActivities} over injected
 * dependencies: CSV staging, page enrichment through HTTP providers, and job bookkeeping. Workflows
 * import only the {@link Activities} type.
 *
 * @module
 */
export { createActivities, type ActivityDeps, type Activities } from './create-activities';
export type { StageJobInput, StageJobResult } from './staging.activities';
export type { RefreshCustomersInput, RefreshCustomersResult } from './customers.activities';
export type { EnrichPageInput, EnrichPageResult } from './enrichment.activities';
export { HttpLookupClient, type ProviderLookup, type LookupProviderSpec } from './providers/http-lookup.client';
export { PROVIDER_CATALOG } from './providers/provider-catalog';
export { runWaterfall, UnknownProviderError, type WaterfallOptions, type WaterfallOutcome } from './waterfall';
export { LookupService, type LookupOutcome, type ProviderClient } from './providers/lookup-service';
export { RateBudget, type RateBudgetOptions } from './providers/rate-budget';
export type { BudgetSettings } from './providers/provider-budgets';
export { lookupKey } from './providers/lookup-key';
export { type HttpProviderOptions, retryAfterMs } from './providers/http-provider';
export { ProviderError, ProviderUnavailableError, ProviderRateLimitedError, ProviderRejectedError, isRetryable } from './providers/provider-errors';
export { createActivitiesForDatabase, type ActivitiesForDatabaseOptions } from './activities-for-database';
export type { SearchResult, PageFinding } from './research.activities';
export type { ClosePushRequestInput } from './push.activities';
export type { WebhookDispatcher, WebhookOptions } from './webhooks.activities';
