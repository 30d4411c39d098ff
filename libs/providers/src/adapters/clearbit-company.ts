import type { CustomerRecord } from '@enrich/domain';
import { z } from 'zod';
import type { ProviderAdapter } from '../adapter';
import { retryAfterMs, type VendorReply } from '../http';
import { companyDomain, employeeBand, header } from './contact';

const companySchema = z.object({
  domain: z.string(),
  foundedYear: z.number().int().nullish(),
  category: z.object({ industry: z.string().nullish() }).nullish(),
  geo: z.object({ countryCode: z.string().nullish() }).nullish(),
  metrics: z.object({ employees: z.number().int().min(0).nullish(), estimatedAnnualRevenue: z.string().nullish() }).nullish(),
});

/** Clearbit's revenue ranges in the platform's bands. */
const REVENUE: Readonly<Record<string, string>> = {
  '$0-$1M': '<1M',
  '$1M-$10M': '1M-10M',
  '$10M-$50M': '10M-50M',
  '$50M-$100M': '50M-100M',
  '$100M-$250M': '100M-500M',
  '$250M-$500M': '100M-500M',
  '$500M-$1B': '500M-1B',
  '$1B-$10B': '1B+',
  '$10B+': '1B+',
};

/** Clearbit gives no confidence: a company found by its exact domain is taken as sure. */
const DOMAIN_MATCH_CONFIDENCE = 0.9;
/** A 202: the company is being looked up; asked again after this. */
const QUEUED_RETRY_MS = 5_000;

/**
 * Clearbit Company API v2 (`GET /v2/companies/find?domain=`, `Authorization: Bearer <key>`): a
 * company by its web domain. Industry, employee band, revenue band, founding year and HQ country;
 * 202 means queued (asked again later), 402 over quota (out of credits), 429 waits for
 * `X-RateLimit-Reset` (seconds). Billed per answered lookup, a 404 included.
 */
export const clearbitCompanyAdapter: ProviderAdapter = {
  kind: 'clearbit-company',
  description: 'Clearbit Company v2: industry, employee and revenue band, founding year and HQ country of a company domain',
  fields: ['industry', 'employee_band', 'revenue_band', 'founded_year', 'hq_country'],
  auth: { in: 'bearer' },
  publicBaseUrl: 'https://company.clearbit.com',
  label: 'clearbit',
  defaultCost: { perCall: 1 },
  request(record: CustomerRecord) {
    const domain = companyDomain(record);
    return domain ? { domain: domain.toLowerCase() } : undefined;
  },
  call: (query) => ({ method: 'GET', path: '/v2/companies/find', query }),
  classify(reply: VendorReply, now: number) {
    if (reply.status === 202) return { kind: 'retry_later', message: 'lookup queued (202)', retryAfterMs: QUEUED_RETRY_MS };
    if (reply.status !== 429) return undefined;
    const reset = Number(header(reply, 'x-ratelimit-reset'));
    return {
      kind: 'rate_limited',
      message: 'rate limit exceeded (429)',
      retryAfterMs: reset > 0 ? reset * 1_000 : retryAfterMs(reply.headers['retry-after'], now),
    };
  },
  read(body) {
    const company = companySchema.parse(body);
    const employees = company.metrics?.employees;
    const revenue = company.metrics?.estimatedAnnualRevenue;
    return {
      kind: 'found',
      confidence: DOMAIN_MATCH_CONFIDENCE,
      attributes: {
        industry: company.category?.industry ?? undefined,
        employee_band: employees === null || employees === undefined ? undefined : employeeBand(employees),
        revenue_band: revenue ? REVENUE[revenue] : undefined,
        founded_year: company.foundedYear ?? undefined,
        hq_country: company.geo?.countryCode ?? undefined,
      },
    };
  },
};
