/**
 * The platform's data vendors: an adapter per vendor API (request and answer mapping, credential
 * placement, error mapping, billing), the client that calls a vendor through its adapter, the
 * per-vendor rate budget, the lookup service (cache, shared calls, quick retries, sealing of
 * personal answers, usage and cost) and the waterfall across vendors, configured by one typed
 * vendors config.
 *
 * @module
 */
export type { AuthPlacement, ProviderAdapter, RequestBody, VendorAnswer, VendorCall, VendorCost, VendorSignal } from './adapter';
export { ADAPTERS, VENDOR_ADAPTERS } from './adapters';
export { PLATFORM_ADAPTERS } from './adapters/platform';
export { providerBudgets, type BudgetSettings } from './budgets';
export {
  isRetryable,
  ProviderConfigurationError,
  ProviderError,
  ProviderMalformedAnswerError,
  ProviderOutOfCreditsError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from './errors';
export { type HttpProviderOptions, postLookup, retryAfterMs, sendVendorRequest, type VendorReply } from './http';
export { lookupKey } from './lookup-key';
export {
  LookupService,
  type CallLedger,
  type CallOutcome,
  type LookupObserver,
  type LookupOutcome,
  type LookupServiceOptions,
  type ProviderClient,
} from './lookup-service';
export { createLookupServices, type LookupServicesOptions } from './lookup-services';
export { RateBudget, type RateBudgetOptions } from './rate-budget';
export { DEFAULT_OUT_OF_CREDITS_PAUSE_MS, type ProviderLookup, VendorClient, type VendorClientOptions } from './vendor-client';
export {
  defaultVendorsConfig,
  resolveVendorsConfig,
  type ResolvedVendor,
  type VendorsConfig,
  type VendorsConfigIssue,
  type VendorsEnvironment,
  type VendorsFile,
  vendorsFileSchema,
} from './vendors-config';
export { runWaterfall, UnknownProviderError, type WaterfallOptions, type WaterfallOutcome } from './waterfall';
