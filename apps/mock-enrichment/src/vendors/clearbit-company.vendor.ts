import { z } from 'zod';
import { normalizeDomain } from '../providers/firmographics.provider';
import type { RecordHash } from '../record-hash';
import { defineVendor, perMinute, resetSeconds, type RateWindow, type VendorReply } from './vendor';

/**
 * Clearbit Company API v2: `GET https://company.clearbit.com/v2/companies/find?domain=`.
 *
 * Wire format from https://dashboard.clearbit.com/docs and the Clearbit help centre (see
 * /tmp/vendor-wire.md): the key as a bearer token (or HTTP Basic user); 200 is the company object
 * itself; errors `{error: {type, message}}`; unknown domain 404; over quota 402; validation 422;
 * throttled 429 with `X-RateLimit-*`. Billed on 200 and 404 alike.
 * Not simulated: 202 (lookup queued), webhooks, the streaming host.
 */

/** `metrics.employeesRange` buckets with their bounds. */
export const CLEARBIT_EMPLOYEE_RANGES: readonly [range: string, min: number, max: number][] = [
  ['1-10', 1, 10],
  ['11-50', 11, 50],
  ['51-250', 51, 250],
  ['251-1K', 251, 1000],
  ['1K-5K', 1001, 5000],
  ['5K-10K', 5001, 10_000],
  ['10K-50K', 10_001, 50_000],
  ['50K-100K', 50_001, 100_000],
  ['100K+', 100_001, 300_000],
];
/** `metrics.estimatedAnnualRevenue` buckets, smallest first. */
export const CLEARBIT_REVENUE_RANGES = [
  '$0-$1M',
  '$1M-$10M',
  '$10M-$50M',
  '$50M-$100M',
  '$100M-$250M',
  '$250M-$500M',
  '$500M-$1B',
  '$1B-$10B',
  '$10B+',
] as const;

const CATEGORIES: readonly [sector: string, industryGroup: string, industry: string, subIndustry: string, sicCode: string, naicsCode: string][] = [
  ['Information Technology', 'Software & Services', 'Internet Software & Services', 'Internet Software & Services', '73', '51'],
  ['Information Technology', 'Software & Services', 'IT Services', 'IT Consulting & Other Services', '73', '54'],
  ['Financials', 'Diversified Financials', 'Capital Markets', 'Asset Management & Custody Banks', '62', '52'],
  ['Health Care', 'Health Care Equipment & Services', 'Health Care Providers & Services', 'Health Care Services', '80', '62'],
  ['Industrials', 'Capital Goods', 'Machinery', 'Industrial Machinery', '35', '33'],
  ['Consumer Discretionary', 'Retailing', 'Internet & Catalog Retail', 'Internet & Catalog Retail', '59', '45'],
  ['Communication Services', 'Media & Entertainment', 'Media', 'Publishing', '27', '51'],
  ['Industrials', 'Commercial & Professional Services', 'Professional Services', 'Research & Consulting Services', '87', '54'],
];

const GEOS: readonly [city: string, state: string, stateCode: string, postalCode: string, country: string, countryCode: string, legalSuffix: string][] = [
  ['San Francisco', 'California', 'CA', '94103', 'United States', 'US', 'Inc.'],
  ['New York', 'New York', 'NY', '10001', 'United States', 'US', 'Inc.'],
  ['Austin', 'Texas', 'TX', '78701', 'United States', 'US', 'LLC'],
  ['London', 'England', 'ENG', 'EC1A 1BB', 'United Kingdom', 'GB', 'Ltd'],
  ['Berlin', 'Berlin', 'BE', '10115', 'Germany', 'DE', 'GmbH'],
  ['Paris', 'Île-de-France', 'IDF', '75001', 'France', 'FR', 'SAS'],
  ['Toronto', 'Ontario', 'ON', 'M5V 2T6', 'Canada', 'CA', 'Inc.'],
  ['Amsterdam', 'North Holland', 'NH', '1012 AB', 'Netherlands', 'NL', 'B.V.'],
  ['Sydney', 'New South Wales', 'NSW', '2000', 'Australia', 'AU', 'Pty Ltd'],
];

export const CLEARBIT_ERROR_TYPES = ['auth_required', 'invalid_api_key', 'over_quota', 'unknown_record', 'params_invalid', 'rate_limit', 'api_error'] as const;

/** The query parameters the mock reads (the key travels in `Authorization`). */
export const clearbitQuerySchema = z
  .object({
    domain: z.string().max(253).optional().meta({ description: 'Domain of the company (required).', example: 'clearbit.com' }),
    company_name: z.string().max(200).optional().meta({ description: 'Accepted, not used by the mock.' }),
    linkedin: z.string().max(300).optional().meta({ description: 'Accepted, not used by the mock.' }),
    twitter: z.string().max(300).optional().meta({ description: 'Accepted, not used by the mock.' }),
    facebook: z.string().max(300).optional().meta({ description: 'Accepted, not used by the mock.' }),
    webhook_url: z.string().max(2000).optional().meta({ description: 'Accepted, never called by the mock.' }),
  })
  .meta({ id: 'ClearbitCompanyFindQuery' });

const nullableString = z.string().nullable();

export const clearbitCompanySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    legalName: nullableString,
    domain: z.string(),
    domainAliases: z.array(z.string()),
    category: z.object({
      sector: z.string(),
      industryGroup: z.string(),
      industry: z.string(),
      subIndustry: z.string(),
      sicCode: z.string(),
      naicsCode: z.string(),
    }),
    foundedYear: z.number().int().nullable(),
    location: z.string(),
    geo: z.object({
      city: z.string(),
      state: z.string(),
      stateCode: z.string(),
      postalCode: z.string(),
      country: z.string(),
      countryCode: z.string(),
    }),
    logo: z.string(),
    metrics: z.object({
      employees: z.number().int(),
      employeesRange: z.enum(CLEARBIT_EMPLOYEE_RANGES.map(([range]) => range) as [string, ...string[]]),
      estimatedAnnualRevenue: z.enum(CLEARBIT_REVENUE_RANGES),
      annualRevenue: z.number().nullable(),
      raised: z.number().nullable(),
      marketCap: z.number().nullable(),
    }),
    type: z.enum(['private', 'public']),
    indexedAt: z.string(),
  })
  .meta({ id: 'ClearbitCompany', description: 'The subset of the Clearbit company attributes the mock fills.' });

export const clearbitErrorSchema = z.object({ error: z.object({ type: z.enum(CLEARBIT_ERROR_TYPES), message: z.string() }) }).meta({ id: 'ClearbitError' });

interface ClearbitParams {
  domain: string;
}

const clearbitError = (status: number, type: (typeof CLEARBIT_ERROR_TYPES)[number], message: string): VendorReply => ({
  status,
  body: { error: { type, message } },
});

/** `acme-widgets.io` → `Acme Widgets`. */
const companyName = (domain: string): string =>
  (domain.split('.')[0] ?? domain)
    .split(/[-_]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

/** A version-4-looking UUID from the record hash. */
function uuid(hash: RecordHash): string {
  const hex = hash.hex;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[hash.integer('uuid_variant', 0, 3)] ?? '8'}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function company(domain: string, hash: RecordHash): z.input<typeof clearbitCompanySchema> {
  const name = companyName(domain);
  const [sector, industryGroup, industry, subIndustry, sicCode, naicsCode] = CATEGORIES[hash.integer('category', 0, CATEGORIES.length - 1)] ?? CATEGORIES[0];
  const [city, state, stateCode, postalCode, country, countryCode, legalSuffix] = GEOS[hash.integer('geo', 0, GEOS.length - 1)] ?? GEOS[0];
  // Small companies are far more common than big ones.
  const band = Math.min(CLEARBIT_EMPLOYEE_RANGES.length - 1, Math.floor(hash.fraction('employees_band') ** 2 * CLEARBIT_EMPLOYEE_RANGES.length));
  const [employeesRange, min, max] = CLEARBIT_EMPLOYEE_RANGES[band] ?? ['1-10', 1, 10];
  const revenue = Math.min(CLEARBIT_REVENUE_RANGES.length - 1, Math.max(0, band + hash.integer('revenue_band', -1, 1)));
  return {
    id: uuid(hash),
    name,
    legalName: hash.chance('legal_name_known', 0.7) ? `${name} ${legalSuffix}` : null,
    domain,
    domainAliases: [],
    category: { sector, industryGroup, industry, subIndustry, sicCode, naicsCode },
    foundedYear: hash.chance('founded_known', 0.9) ? hash.integer('founded_year', 1950, 2022) : null,
    location: `${city}, ${state}, ${country}`,
    geo: { city, state, stateCode, postalCode, country, countryCode },
    logo: `https://logo.clearbit.com/${domain}`,
    metrics: {
      employees: hash.integer('employees', min, max),
      employeesRange,
      estimatedAnnualRevenue: CLEARBIT_REVENUE_RANGES[revenue] ?? '$0-$1M',
      annualRevenue: null,
      raised: null,
      marketCap: null,
    },
    type: band >= 5 && hash.chance('public', 0.5) ? 'public' : 'private',
    // Never the clock: a fixed range keeps the answer byte-identical.
    indexedAt: new Date(Date.UTC(2024, 0, 1) + hash.integer('indexed_at', 0, 730 * 86_400) * 1000).toISOString(),
  };
}

/**
 * The key from `Authorization: Bearer <key>` or `Basic base64(<key>:)`; `undefined` without the
 * header, `''` (a credential that matches no key) for any other scheme.
 */
function bearerOrBasic(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.trim() === '') return undefined;
  const match = /^(\w+)\s+(\S+)$/.exec(authorization.trim());
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2];
  if (scheme === 'bearer' && value !== undefined) return value;
  if (scheme === 'basic' && value !== undefined) return Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? '';
  return '';
}

/** Seconds to the next whole minute: Clearbit's window when no rate limit is set. */
const toNextMinute = (window: RateWindow): number => Math.ceil((Math.ceil(window.now / 60_000) * 60_000 - window.now) / 1000);

export const clearbitCompanyVendor = defineVendor<ClearbitParams>({
  name: 'clearbit-company',
  label: 'Clearbit Company API v2',
  path: '/v2/companies/find',
  realBaseUrl: 'https://company.clearbit.com',
  docs: 'https://dashboard.clearbit.com/docs#enrichment-api-company-api',
  operationId: 'clearbitCompanyFind',
  summary: 'Clearbit company lookup: firmographics of the company behind a domain.',
  auth: 'Authorization: Bearer <key> (or HTTP Basic with the key as user name)',
  credential: (request) => bearerOrBasic(request.header('authorization')),

  parse(query) {
    const parsed = clearbitQuerySchema.safeParse(query);
    if (!parsed.success) return { success: false, reply: clearbitError(422, 'params_invalid', 'Invalid parameters') };
    if (parsed.data.domain === undefined) return { success: false, reply: clearbitError(422, 'params_invalid', 'Missing required param: domain') };
    const domain = normalizeDomain(parsed.data.domain);
    if (domain === undefined) return { success: false, reply: clearbitError(422, 'params_invalid', `Invalid domain: ${parsed.data.domain}`) };
    return { success: true, key: domain, params: { domain } };
  },

  answer({ domain }, hash, known) {
    if (!known) return { outcome: 'not_found', reply: clearbitError(404, 'unknown_record', 'Unknown domain') };
    return { outcome: 'ok', reply: { status: 200, body: company(domain, hash) } };
  },

  // Clearbit counts 200, 201, 202 and 404 answers.
  bills: () => true,
  unauthorized: (presented) =>
    presented
      ? clearbitError(401, 'invalid_api_key', 'Invalid API key provided')
      : clearbitError(401, 'auth_required', 'Authentication is required for this action. Sign up at https://clearbit.com'),
  rateLimited: () => clearbitError(429, 'rate_limit', 'Rate limit exceeded'),
  outOfCredits: () => clearbitError(402, 'over_quota', 'Over plan quota on this endpoint'),
  unavailable: () => clearbitError(503, 'api_error', 'An error occurred with our API'),
  wrongShape: (body) => ({ company: body }),

  headers(window) {
    const { limit, remaining } = perMinute(window, 600);
    return {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': String(window.perSecond > 0 ? resetSeconds(window) : toNextMinute(window)),
    };
  },

  openapi: {
    querySchema: clearbitQuerySchema,
    securitySchemes: {
      ClearbitBearer: { type: 'http', scheme: 'bearer', description: 'Clearbit secret key (MOCK_VENDOR_API_KEY) as a bearer token.' },
      ClearbitBasic: { type: 'http', scheme: 'basic', description: 'Clearbit secret key (MOCK_VENDOR_API_KEY) as the user name, empty password.' },
    },
    headers: {
      'X-RateLimit-Limit': { description: 'Requests per minute (rateLimitPerSecond × 60; 600 when unlimited).', schema: { type: 'integer' } },
      'X-RateLimit-Remaining': { description: 'Requests that would pass now.', schema: { type: 'integer' } },
      'X-RateLimit-Reset': { description: 'Seconds until the window is whole again.', schema: { type: 'integer' } },
    },
    responses: {
      200: {
        description: 'The company (billed). With malformedRate the body may be truncated, of the wrong shape, or an HTML page.',
        schema: clearbitCompanySchema,
        headers: ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
      },
      401: { description: 'auth_required (no credential) or invalid_api_key.', schema: clearbitErrorSchema },
      402: { description: 'over_quota: out of credits.', schema: clearbitErrorSchema },
      404: { description: 'unknown_record: unknown domain (billed; notFoundRate).', schema: clearbitErrorSchema },
      422: { description: 'params_invalid: missing or invalid domain.', schema: clearbitErrorSchema },
      429: {
        description: 'rate_limit (rateLimitPerSecond).',
        schema: clearbitErrorSchema,
        headers: ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
      },
      503: { description: 'api_error: simulated transient failure (failureRate).', schema: clearbitErrorSchema },
    },
  },
});
