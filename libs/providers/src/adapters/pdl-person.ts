import type { CustomerRecord } from '@enrich/domain';
import { z } from 'zod';
import type { ProviderAdapter } from '../adapter';
import { retryAfterMs, type VendorReply } from '../http';
import { ageBand, companyDomain, header } from './contact';

/** The part of a PDL person record the platform maps; every field may be null. */
const personSchema = z.object({
  status: z.literal(200),
  likelihood: z.number().int().min(1).max(10),
  data: z.object({
    birth_year: z.number().int().nullish(),
    work_email: z.union([z.string(), z.boolean()]).nullish(),
    mobile_phone: z.union([z.string(), z.boolean()]).nullish(),
  }),
});

/** A value of a plan-gated field: PDL answers `true` (exists, not in your plan) or null when it is not given. */
const given = (value: string | boolean | null | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * People Data Labs Person Enrichment API v5 (`GET /v5/person/enrich`, key in `X-Api-Key`): the
 * person behind an email, or a name at a company. Confidence is its `likelihood` (1-10) / 10; the
 * age band comes from `birth_year`. Billed per match: a 404 costs nothing. A 429 waits for the
 * fixed window's reset (`x-ratelimit-reset`, a UTC timestamp) or `Retry-After`; 402 is out of credits.
 */
export const pdlPersonAdapter: ProviderAdapter = {
  kind: 'pdl-person',
  description: 'People Data Labs Person Enrichment v5: age band, work email and mobile phone of a person',
  fields: ['age_band', 'work_email', 'phone'],
  auth: { in: 'header', name: 'X-Api-Key' },
  publicBaseUrl: 'https://api.peopledatalabs.com',
  label: 'peopledatalabs',
  defaultCost: { perMatch: 1 },
  request(record: CustomerRecord) {
    if (record.email) return { email: record.email.trim().toLowerCase() };
    const company = record.company ?? companyDomain(record);
    return record.first_name && record.last_name && company ? { first_name: record.first_name, last_name: record.last_name, company } : undefined;
  },
  call: (query) => ({ method: 'GET', path: '/v5/person/enrich', query }),
  classify(reply: VendorReply, now: number) {
    if (reply.status !== 429) return undefined;
    return { kind: 'rate_limited', message: 'rate_limit_error', retryAfterMs: pdlResetMs(reply, now) };
  },
  read(body, now) {
    const { likelihood, data } = personSchema.parse(body);
    const age = data.birth_year ? ageBand(data.birth_year, now) : undefined;
    return {
      kind: 'found',
      confidence: likelihood / 10,
      attributes: { age_band: age, work_email: given(data.work_email), phone: given(data.mobile_phone) },
    };
  },
};

/** Until the window resets: `x-ratelimit-reset` (`YYYY-MM-DD HH:MM:SS` in UTC, or epoch seconds), else Retry-After. */
function pdlResetMs(reply: VendorReply, now: number): number {
  const reset = header(reply, 'x-ratelimit-reset');
  if (reset) {
    const at = /^\d+$/.test(reset) ? Number(reset) * 1_000 : Date.parse(`${reset.replace(' ', 'T')}Z`);
    if (Number.isFinite(at) && at > now) return at - now;
  }
  return retryAfterMs(reply.headers['retry-after'], now);
}
