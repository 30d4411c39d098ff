/**
 * Simulated real vendors, at their own paths and in their own wire formats (see `vendor.ts`). Adding
 * one is one `<name>.vendor.ts` file built with {@link defineVendor} plus its entry in
 * {@link builtInVendors}: routes, knobs, credits, stats and the OpenAPI document follow.
 *
 * @module
 */
import { clearbitCompanyVendor } from './clearbit-company.vendor';
import { hunterEmailFinderVendor } from './hunter-email-finder.vendor';
import { pdlPersonVendor } from './pdl-person.vendor';
import type { Vendor } from './vendor';

export { clearbitCompanyVendor } from './clearbit-company.vendor';
export { hunterEmailFinderVendor } from './hunter-email-finder.vendor';
export { pdlPersonVendor } from './pdl-person.vendor';
export { registerVendorPaths, vendorRoutes } from './routes';
export {
  DEFAULT_VENDOR_API_KEY,
  defineVendor,
  VENDOR_KNOBS_HEADER,
  vendorCountsSchema,
  vendorKnobsHeaderSchema,
  VendorSimulator,
  type Vendor,
  type VendorCounts,
  type VendorDefinition,
  type VendorView,
} from './vendor';

/** Every vendor the server simulates: header key (PDL), query key (Hunter) and bearer (Clearbit). */
export const builtInVendors: readonly Vendor[] = [pdlPersonVendor, hunterEmailFinderVendor, clearbitCompanyVendor];
