/**
 * The simulated providers. Adding one is one `<name>.provider.ts` file built with
 * {@link defineProvider} (record lookups) or {@link defineOperation} (anything else) plus its entry in
 * {@link builtInProviders}: routes, knobs, stats and the OpenAPI document follow from the registry.
 *
 * @module
 */
import { companyRegistryProvider } from './company-registry.provider';
import { crawlProvider } from './crawl.provider';
import { demographicsProvider } from './demographics.provider';
import { emailFinderProvider } from './email-finder.provider';
import { extractProvider } from './extract.provider';
import { firmographicsProvider } from './firmographics.provider';
import { peopleDataProvider } from './people-data.provider';
import { phoneFinderProvider } from './phone-finder.provider';
import { searchProvider } from './search.provider';
import type { MockProvider } from './provider';

export {
  baseConfidence,
  confidenceIn,
  defineOperation,
  defineProvider,
  providerPath,
  type LookupAnswer,
  type MockProvider,
  type OperationDefinition,
  type ProviderDefinition,
  type ProviderResponse,
} from './provider';
export { demographicsProvider } from './demographics.provider';
export { peopleDataProvider } from './people-data.provider';
export { firmographicsProvider } from './firmographics.provider';
export { companyRegistryProvider } from './company-registry.provider';
export { emailFinderProvider } from './email-finder.provider';
export { phoneFinderProvider } from './phone-finder.provider';
export { searchProvider } from './search.provider';
export { crawlProvider } from './crawl.provider';
export { extractProvider } from './extract.provider';
export { WEB_FIELDS, type WebField } from './company-web';

/**
 * Every provider the server simulates, in the order they are listed by `/admin/providers`. Two
 * vendors answer demographics and two firmographics, with different records and confidence, so a
 * client's waterfall has somewhere to go when the first has no answer or is unsure.
 */
export const builtInProviders: readonly MockProvider[] = [
  demographicsProvider,
  peopleDataProvider,
  firmographicsProvider,
  companyRegistryProvider,
  emailFinderProvider,
  phoneFinderProvider,
  searchProvider,
  crawlProvider,
  extractProvider,
];
