import type { CustomerRecord } from '@enrich/domain';
import { z } from 'zod';
import type { ProviderAdapter } from '../adapter';
import { errorDetail, type VendorReply } from '../http';
import { companyDomain } from './contact';

const finderSchema = z.object({
  data: z.object({
    email: z.string().nullable(),
    score: z.number().min(0).max(100).nullable(),
    verification: z.object({ status: z.string().nullable() }).nullish(),
  }),
});

/** Hunter's verification status in the platform's words (valid, risky, unknown, invalid). */
const STATUS: Readonly<Record<string, string>> = { valid: 'valid', accept_all: 'risky', webmail: 'risky', disposable: 'risky', invalid: 'invalid' };

/** Hunter throttles at 15 requests a second: a 403 waits a second. */
const THROTTLE_WAIT_MS = 1_000;

/**
 * Hunter Email Finder API v2 (`GET /v2/email-finder`, key in the `api_key` query parameter): the
 * work email of a person at a company domain, with its score (0-100) as confidence and its
 * verification status. "No email" is a 200 with `data.email: null` (not billed). Hunter's statuses
 * differ from most vendors': a 403 means too many requests per second, a 429 that the monthly
 * usage is spent (out of credits).
 */
export const hunterEmailFinderAdapter: ProviderAdapter = {
  kind: 'hunter-email-finder',
  description: 'Hunter Email Finder v2: work email and its verification status from a name and a company domain',
  fields: ['work_email', 'email_status'],
  auth: { in: 'query', name: 'api_key' },
  publicBaseUrl: 'https://api.hunter.io',
  label: 'hunter',
  defaultCost: { perMatch: 1 },
  request(record: CustomerRecord) {
    const domain = companyDomain(record);
    return record.first_name && record.last_name && domain
      ? { domain: domain.toLowerCase(), first_name: record.first_name, last_name: record.last_name }
      : undefined;
  },
  call: (query) => ({ method: 'GET', path: '/v2/email-finder', query }),
  classify(reply: VendorReply) {
    if (reply.status === 403) return { kind: 'rate_limited', message: `too many requests (403)${errorDetail(reply.text)}`, retryAfterMs: THROTTLE_WAIT_MS };
    if (reply.status === 429) return { kind: 'out_of_credits', message: `usage limit reached (429)${errorDetail(reply.text)}` };
    return undefined;
  },
  read(body) {
    const { data } = finderSchema.parse(body);
    if (!data.email) return { kind: 'not_found' };
    const status = data.verification?.status;
    return {
      kind: 'found',
      confidence: (data.score ?? 0) / 100,
      attributes: { work_email: data.email, email_status: status ? (STATUS[status] ?? 'unknown') : 'unknown' },
    };
  },
};
