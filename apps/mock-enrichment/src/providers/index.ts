/**
 * The simulated providers. Adding one (email-finder, phone-finder, search, crawl, extract) is one
 * `<name>.provider.ts` file built with {@link defineProvider} plus its entry in
 * {@link builtInProviders}: routes, knobs, stats and the OpenAPI document follow from the registry.
 *
 * @module
 */
import { demographicsProvider } from './demographics.provider';
import { firmographicsProvider } from './firmographics.provider';
import type { MockProvider } from './provider';

export { defineProvider, baseConfidence, type MockProvider, type ProviderDefinition, type LookupAnswer } from './provider';
export { demographicsProvider } from './demographics.provider';
export { firmographicsProvider } from './firmographics.provider';

/** Every provider the server simulates, in the order they are listed by `/admin/providers`. */
export const builtInProviders: readonly MockProvider[] = [demographicsProvider, firmographicsProvider];
