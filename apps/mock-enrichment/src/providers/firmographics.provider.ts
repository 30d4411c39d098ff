import { z } from 'zod';
import { baseConfidence, defineProvider } from './provider';

export const INDUSTRIES = [
  'software',
  'financial_services',
  'healthcare',
  'manufacturing',
  'retail',
  'education',
  'media',
  'logistics',
  'energy',
  'real_estate',
  'professional_services',
  'telecommunications',
] as const;
/** Employee-count bands, smallest first. */
export const EMPLOYEE_BANDS = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+'] as const;
/** Yearly revenue bands (USD), smallest first. */
export const REVENUE_BANDS = ['<1M', '1M-10M', '10M-50M', '50M-100M', '100M-500M', '500M-1B', '1B+'] as const;
export const HQ_COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CA', 'NL', 'SE', 'IE', 'ES', 'IL', 'IN', 'JP', 'SG', 'AU', 'BR'] as const;
/** Founding years are drawn from a fixed range, never from the clock, so answers do not change over time. */
export const FOUNDED_YEAR_RANGE = { min: 1900, max: 2023 } as const;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Reduces a domain or URL to its registrable-looking host: `https://WWW.Acme.com:443/about` → `acme.com`.
 * Returns `undefined` when nothing host-like is left.
 */
export function normalizeDomain(input: string): string | undefined {
  const host = input
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/\.$/, '')
    .replace(/^www\./, '');
  return HOSTNAME.test(host) ? host : undefined;
}

const LEGAL_SUFFIXES = /\b(inc|incorporated|llc|ltd|limited|corp|corporation|co|gmbh|ag|sa|sas|bv|plc|pty)\b/g;

/** `  Acme, Inc. ` → `acme`: case, punctuation and legal-form suffixes do not make a different company. */
export function normalizeCompany(input: string): string {
  return input
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(LEGAL_SUFFIXES, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `POST /v1/providers/firmographics/lookup` body: a domain, a company name, or both. */
export const firmographicsRequestSchema = z
  .object({
    domain: z
      .string()
      .refine((value) => normalizeDomain(value) !== undefined, 'must be a domain such as acme.com')
      .nullish()
      .meta({ description: 'Company domain or website URL; the strongest identifier.', example: 'acme.com' }),
    company: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((value) => normalizeCompany(value) !== '', 'must contain letters or digits')
      .nullish()
      .meta({ description: 'Company name; used when no domain is given.', example: 'Acme, Inc.' }),
  })
  .refine((request) => Boolean(request.domain) || Boolean(request.company), {
    path: ['domain'],
    message: 'domain or company is required',
  })
  .meta({ description: 'At least one of domain and company; with both, the domain identifies the company.' });

export type FirmographicsRequest = z.output<typeof firmographicsRequestSchema>;

export const firmographicsAttributesSchema = z.object({
  industry: z.enum(INDUSTRIES),
  employee_band: z.enum(EMPLOYEE_BANDS),
  revenue_band: z.enum(REVENUE_BANDS),
  founded_year: z.number().int().min(FOUNDED_YEAR_RANGE.min).max(FOUNDED_YEAR_RANGE.max),
  hq_country: z.enum(HQ_COUNTRIES),
});

export type FirmographicsAttributes = z.output<typeof firmographicsAttributesSchema>;

/** A company-data provider: size, sector and origin of a company by domain or name. */
export const firmographicsProvider = defineProvider({
  name: 'firmographics',
  label: 'mock-firmographics',
  recordIdPrefix: 'org',
  schemaName: 'Firmographics',
  summary: 'Company attributes by domain or company name.',
  requestSchema: firmographicsRequestSchema,
  attributesSchema: firmographicsAttributesSchema,
  recordKey(request) {
    const domain = request.domain ? normalizeDomain(request.domain) : undefined;
    // The schema guarantees one of the two, so the company branch always has a name.
    return domain !== undefined ? `domain:${domain}` : `company:${normalizeCompany(request.company ?? '')}`;
  },
  answer(request, hash) {
    const employeeIndex = hash.integer('employee_band', 0, EMPLOYEE_BANDS.length - 1);
    // Revenue follows headcount within one band either way, so big firms do not report tiny revenue.
    const revenueIndex = Math.min(REVENUE_BANDS.length - 1, Math.max(0, employeeIndex + hash.integer('revenue_band', -1, 1)));
    // A domain is a strong key and a name agreeing with it adds a little; a name alone is weak (many
    // companies share one), so name-only matches are sometimes below the waterfall's threshold.
    const bonus = request.domain ? 0.1 + (request.company ? 0.05 : 0) : 0;
    return {
      confidence: baseConfidence(hash, bonus),
      attributes: {
        industry: hash.pick('industry', INDUSTRIES),
        employee_band: EMPLOYEE_BANDS[employeeIndex] ?? EMPLOYEE_BANDS[0],
        revenue_band: REVENUE_BANDS[revenueIndex] ?? REVENUE_BANDS[0],
        founded_year: hash.integer('founded_year', FOUNDED_YEAR_RANGE.min, FOUNDED_YEAR_RANGE.max),
        hq_country: hash.pick('hq_country', HQ_COUNTRIES),
      },
    };
  },
});
