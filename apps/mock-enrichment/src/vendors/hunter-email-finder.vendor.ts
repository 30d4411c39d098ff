import { z } from 'zod';
import { EMAIL_PATTERNS, emailNamePart, localPart } from '../providers/email-finder.provider';
import { normalizeCompany, normalizeDomain } from '../providers/firmographics.provider';
import type { RecordHash } from '../record-hash';
import { defineVendor, firstIssue, hashDate, type VendorReply } from './vendor';

/**
 * Hunter, Email Finder API v2: `GET https://api.hunter.io/v2/email-finder`.
 *
 * Wire format from https://hunter.io/api-documentation/v2 (see /tmp/vendor-wire.md): key in the
 * `api_key` query parameter (or `X-API-KEY`); 200 `{data, meta}`; errors `{errors: [{id, code,
 * details}]}`. No match is a 200 whose `data.email` is null (not billed). Hunter's throttle is a
 * **403**, and a **429** means the usage limit (credits) is reached; no rate-limit headers.
 * Not simulated: the `test-api-key` dummy key, 451 (person opted out), 202/222 of the verifier.
 */

export const HUNTER_VERIFICATION_STATUSES = ['valid', 'accept_all', 'unknown', 'invalid'] as const;

const POSITIONS = [
  'Chief Executive Officer',
  'Chief Technology Officer',
  'Head of Marketing',
  'Sales Manager',
  'Product Manager',
  'Software Engineer',
  'Account Executive',
  'Operations Manager',
] as const;

/** The query parameters the mock reads (the key is in `api_key`, see the security schemes). */
export const hunterQuerySchema = z
  .object({
    domain: z.string().max(253).optional().meta({ description: 'Domain of the company, e.g. reddit.com (or give company).', example: 'reddit.com' }),
    company: z.string().max(200).optional().meta({ description: 'Company name, when the domain is unknown.' }),
    first_name: z.string().max(100).optional().meta({ description: 'First name (with last_name, or give full_name).', example: 'Alexis' }),
    last_name: z.string().max(100).optional().meta({ description: 'Last name.', example: 'Ohanian' }),
    full_name: z.string().max(200).optional().meta({ description: 'Full name, instead of first_name and last_name.' }),
    max_duration: z.coerce.number().int().min(3).max(20).optional().meta({ description: 'Seconds Hunter may spend (3-20); echoed only.' }),
  })
  .meta({ id: 'HunterEmailFinderQuery' });
type HunterQuery = z.output<typeof hunterQuerySchema>;

const source = z.object({ domain: z.string(), uri: z.string(), extracted_on: z.string(), last_seen_on: z.string(), still_on_page: z.boolean() });

export const hunterEmailFinderResponseSchema = z
  .object({
    data: z.object({
      first_name: z.string().nullable(),
      last_name: z.string().nullable(),
      email: z.string().nullable().meta({ description: 'null when no address was found (not billed).' }),
      score: z.number().int().min(0).max(100).nullable().meta({ description: 'Confidence, 0-100.' }),
      domain: z.string(),
      accept_all: z.boolean().nullable(),
      position: z.string().nullable(),
      twitter: z.string().nullable(),
      linkedin_url: z.string().nullable(),
      phone_number: z.string().nullable(),
      company: z.string().nullable(),
      sources: z.array(source),
      verification: z.object({ date: z.string().nullable(), status: z.enum(HUNTER_VERIFICATION_STATUSES).nullable() }),
    }),
    meta: z.object({
      params: z.object({
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
        full_name: z.string().nullable(),
        domain: z.string().nullable(),
        company: z.string().nullable(),
        max_duration: z.number().int().nullable(),
      }),
    }),
  })
  .meta({ id: 'HunterEmailFinderResponse' });

export const hunterErrorsSchema = z
  .object({ errors: z.array(z.object({ id: z.string(), code: z.number().int(), details: z.string() })) })
  .meta({ id: 'HunterErrors' });

interface HunterParams {
  query: HunterQuery;
  domain: string;
  first: string;
  last: string;
}

const hunterError = (code: number, id: string, details: string): VendorReply => ({ status: code, body: { errors: [{ id, code, details }] } });
const wrongParams = (details: string): { success: false; reply: VendorReply } => ({ success: false, reply: hunterError(400, 'wrong_params', details) });

/** `acme-widgets.io` → `Acme Widgets`. */
const companyName = (domain: string): string =>
  (domain.split('.')[0] ?? domain)
    .split(/[-_]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

function echo(query: HunterQuery): z.input<typeof hunterEmailFinderResponseSchema>['meta'] {
  return {
    params: {
      first_name: query.first_name ?? null,
      last_name: query.last_name ?? null,
      full_name: query.full_name ?? null,
      domain: query.domain ?? null,
      company: query.company ?? null,
      max_duration: query.max_duration ?? null,
    },
  };
}

function sources(hash: RecordHash, domain: string): z.input<typeof source>[] {
  return Array.from({ length: hash.integer('sources', 0, 3) }, (_unused, index) => {
    const extracted = hashDate(hash, `source_${index}_extracted`);
    const seen = hashDate(hash, `source_${index}_seen`);
    return {
      domain,
      uri: `http://${domain}/${['about', 'team', 'blog', 'press'][hash.integer(`source_${index}_page`, 0, 3)] ?? 'about'}`,
      extracted_on: extracted < seen ? extracted : seen,
      last_seen_on: extracted < seen ? seen : extracted,
      still_on_page: hash.chance(`source_${index}_still`, 0.8),
    };
  });
}

export const hunterEmailFinderVendor = defineVendor<HunterParams>({
  name: 'hunter-email-finder',
  label: 'Hunter Email Finder API v2',
  path: '/v2/email-finder',
  realBaseUrl: 'https://api.hunter.io',
  docs: 'https://hunter.io/api-documentation/v2#email-finder',
  operationId: 'hunterEmailFinder',
  summary: 'Hunter email finder: the most likely work email of a person at a domain, with a score and verification.',
  auth: 'api_key query parameter, or X-API-KEY header',
  credential: (request) => request.query.api_key ?? request.header('x-api-key'),

  parse(query) {
    const parsed = hunterQuerySchema.safeParse(query);
    if (!parsed.success) return wrongParams(firstIssue(parsed.error));
    const q = parsed.data;
    if (q.domain === undefined && q.company === undefined) return wrongParams('You are missing the domain parameter');
    let domain: string | undefined;
    if (q.domain !== undefined) {
      domain = normalizeDomain(q.domain);
      if (domain === undefined) return wrongParams('The domain is invalid');
    } else {
      const stem = normalizeCompany(q.company ?? '').replace(/\s+/g, '');
      if (stem === '') return wrongParams('The company is invalid');
      domain = `${stem}.com`;
    }
    const [fullFirst, ...fullRest] = q.full_name?.trim().split(/\s+/) ?? [];
    const first = q.first_name ?? (fullRest.length > 0 ? fullFirst : undefined);
    const last = q.last_name ?? (fullRest.length > 0 ? fullRest.join(' ') : undefined);
    if (first === undefined || last === undefined || emailNamePart(first) === '' || emailNamePart(last) === '') {
      return wrongParams('You are missing the first_name and last_name parameters, or the full_name parameter');
    }
    return {
      success: true,
      key: `${domain}\0${emailNamePart(first)} ${emailNamePart(last)}`,
      params: { query: q, domain, first: first.trim(), last: last.trim() },
    };
  },

  answer({ query, domain, first, last }, hash, known) {
    const company = query.company?.trim() ?? companyName(domain);
    if (!known) {
      const data = {
        first_name: first,
        last_name: last,
        email: null,
        score: null,
        domain,
        accept_all: null,
        position: null,
        twitter: null,
        linkedin_url: null,
        phone_number: null,
        company: null,
        sources: [],
        verification: { date: null, status: null },
      };
      return { outcome: 'not_found', reply: { status: 200, body: { data, meta: echo(query) } } };
    }
    // One address scheme per domain, and catch-all is a property of the domain's mail server.
    const site = hash.related('hunter-domain', domain);
    const pattern = site.pick('pattern', EMAIL_PATTERNS);
    const acceptAll = site.chance('accept_all', 0.2);
    const status = acceptAll ? 'accept_all' : hash.chance('verified', 0.8) ? 'valid' : 'unknown';
    const score = status === 'valid' ? hash.integer('score', 80, 99) : status === 'accept_all' ? hash.integer('score', 40, 75) : hash.integer('score', 50, 85);
    const [f, l] = [emailNamePart(first), emailNamePart(last)];
    const data = {
      first_name: first,
      last_name: last,
      email: `${localPart(pattern, f, l)}@${domain}`,
      score,
      domain,
      accept_all: acceptAll,
      position: hash.chance('position_known', 0.7) ? hash.pick('position', POSITIONS) : null,
      twitter: null,
      linkedin_url: hash.chance('linkedin_known', 0.5) ? `https://www.linkedin.com/in/${f}-${l}` : null,
      phone_number: null,
      company,
      sources: sources(hash, domain),
      verification: { date: hashDate(hash, 'verified_on'), status },
    };
    return { outcome: 'ok', reply: { status: 200, body: { data, meta: echo(query) } } };
  },

  // "1 search request is counted for every email found": a null email is free.
  bills: (outcome) => outcome === 'ok',
  unauthorized: () => hunterError(401, 'authentication_failed', 'No user found for the API key supplied'),
  // Hunter: 403 is the rate limit, 429 the usage limit.
  rateLimited: () => hunterError(403, 'too_many_requests', 'You have reached the rate limit.'),
  outOfCredits: () => hunterError(429, 'usage_exceeded', 'You have reached your usage limit. Upgrade your plan if necessary.'),
  unavailable: () => hunterError(503, 'internal_error', "Something went wrong on Hunter's end."),
  wrongShape: (body) => {
    const { data, meta } = body as { data: { email: string; score: number }; meta: unknown };
    return { data: { ...data, email: [data.email], score: String(data.score) }, meta };
  },
  // Hunter documents no rate-limit or credit headers (the quota is read from GET /v2/account).
  headers: () => ({}),

  openapi: {
    querySchema: hunterQuerySchema,
    securitySchemes: {
      HunterApiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key', description: 'Hunter API key (MOCK_VENDOR_API_KEY).' },
      HunterApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-KEY', description: 'Hunter API key (MOCK_VENDOR_API_KEY).' },
    },
    responses: {
      200: {
        description:
          'Found (billed), or no match: data.email null (free). With malformedRate a found body may be truncated, of the wrong shape, or an HTML page.',
        schema: hunterEmailFinderResponseSchema,
      },
      400: { description: 'wrong_params: a missing or invalid parameter.', schema: hunterErrorsSchema },
      401: { description: 'authentication_failed: missing or wrong key.', schema: hunterErrorsSchema },
      403: { description: 'too_many_requests: the rate limit (rateLimitPerSecond). Hunter sends no Retry-After.', schema: hunterErrorsSchema },
      429: { description: 'usage_exceeded: the usage limit (out of credits).', schema: hunterErrorsSchema },
      503: { description: 'internal_error: simulated transient failure (failureRate).', schema: hunterErrorsSchema },
    },
  },
});
