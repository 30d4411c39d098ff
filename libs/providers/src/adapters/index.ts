import type { ProviderAdapter } from '../adapter';
import { clearbitCompanyAdapter } from './clearbit-company';
import { hunterEmailFinderAdapter } from './hunter-email-finder';
import { pdlPersonAdapter } from './pdl-person';
import { PLATFORM_ADAPTERS } from './platform';

/** Real vendors' public APIs, by adapter kind. */
export const VENDOR_ADAPTERS: Readonly<Record<string, ProviderAdapter>> = Object.fromEntries(
  [pdlPersonAdapter, hunterEmailFinderAdapter, clearbitCompanyAdapter].map((adapter) => [adapter.kind, adapter]),
);

/** Every adapter the platform ships, by kind: the platform's own contract and real vendors' APIs. */
export const ADAPTERS: Readonly<Record<string, ProviderAdapter>> = { ...PLATFORM_ADAPTERS, ...VENDOR_ADAPTERS };
