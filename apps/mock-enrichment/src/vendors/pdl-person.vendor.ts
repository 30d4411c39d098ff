import { z } from 'zod';
import { emailNamePart } from '../providers/email-finder.provider';
import { normalizeCompany, normalizeDomain } from '../providers/firmographics.provider';
import type { RecordHash } from '../record-hash';
import { defineVendor, firstIssue, perMinute, resetSeconds, utcTimestamp, type RateWindow, type VendorReply } from './vendor';

/**
 * People Data Labs, Person Enrichment API v5: `GET https://api.peopledatalabs.com/v5/person/enrich`.
 *
 * Wire format from https://docs.peopledatalabs.com/docs/reference-person-enrichment-api, …/errors and
 * …/usage-limits (see /tmp/vendor-wire.md): key in `X-Api-Key` or `api_key`; 200
 * `{status, likelihood, data}`; every other answer `{status, error: {type, message}}`; a miss is a
 * 404 `not_found`; billed per match (200 only); out of credits is a 402 `payment_required`; the
 * rate limit is a 429 `rate_limit_error`. Lower-case values, as PDL sends without `titlecase`.
 * Not simulated: the POST form, `titlecase`, `pretty`, `required`, `data_include`.
 */

/** Error types PDL documents. */
export const PDL_ERROR_TYPES = ['invalid_request_error', 'authentication_error', 'payment_required', 'not_found', 'rate_limit_error', 'api_error'] as const;

/** `job_title_levels` values (PDL's canonical seniority levels). */
export const PDL_TITLE_LEVELS = ['cxo', 'owner', 'vp', 'director', 'partner', 'senior', 'manager', 'entry', 'training', 'unpaid'] as const;
type TitleLevel = (typeof PDL_TITLE_LEVELS)[number];

const TITLES: readonly [string, readonly TitleLevel[]][] = [
  ['chief executive officer', ['cxo']],
  ['chief financial officer', ['cxo']],
  ['founder', ['owner']],
  ['vice president of sales', ['vp']],
  ['director of engineering', ['director']],
  ['partner', ['partner']],
  ['engineering manager', ['manager']],
  ['marketing manager', ['manager']],
  ['senior software engineer', ['senior']],
  ['software engineer', []],
  ['account executive', []],
  ['data analyst', ['entry']],
];

const FIRST_NAMES: readonly [string, 'male' | 'female'][] = [
  ['james', 'male'],
  ['mary', 'female'],
  ['wei', 'male'],
  ['fatima', 'female'],
  ['lucas', 'male'],
  ['sofia', 'female'],
  ['arjun', 'male'],
  ['emma', 'female'],
  ['mateo', 'male'],
  ['aisha', 'female'],
  ['kenji', 'male'],
  ['olga', 'female'],
];
const LAST_NAMES = ['smith', 'garcia', 'chen', 'khan', 'mueller', 'rossi', 'kim', 'okafor', 'silva', 'nguyen', 'cohen', 'novak'] as const;

const COMPANIES: readonly [name: string, website: string, industry: string][] = [
  ['northwind traders', 'northwindtraders.com', 'wholesale'],
  ['globex corporation', 'globex.com', 'computer software'],
  ['initech', 'initech.com', 'information technology and services'],
  ['umbrella health', 'umbrellahealth.com', 'hospital & health care'],
  ['stark financial', 'starkfinancial.com', 'financial services'],
  ['blue harbor media', 'blueharbormedia.com', 'marketing and advertising'],
];
const INDUSTRIES = [
  'computer software',
  'financial services',
  'hospital & health care',
  'information technology and services',
  'retail',
  'management consulting',
] as const;

/** Country (as PDL spells it), calling code, and a postal-code template (`9` = digit, `a` = letter). */
const COUNTRIES: readonly [country: string, callingCode: string, postal: string][] = [
  ['united states', '1', '99999'],
  ['united kingdom', '44', 'aa9 9aa'],
  ['germany', '49', '99999'],
  ['france', '33', '99999'],
  ['canada', '1', 'a9a 9a9'],
  ['india', '91', '999999'],
  ['australia', '61', '9999'],
  ['netherlands', '31', '9999 aa'],
];

const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'web.de',
]);

const param = (max: number, description: string) => z.string().max(max).optional().meta({ description });

/** The query parameters the mock reads (others are accepted and ignored, as by PDL). */
export const pdlQuerySchema = z
  .object({
    email: z
      .string()
      .max(320)
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address')
      .optional()
      .meta({ description: 'Email address of the person; case-insensitive.', example: 'sean@peopledatalabs.com' }),
    phone: param(40, 'Phone number.'),
    profile: param(300, 'Social profile URL, e.g. linkedin.com/in/seanthorne.'),
    lid: param(40, 'LinkedIn numeric id.'),
    email_hash: param(128, 'SHA-256 or MD5 of the email.'),
    name: param(200, 'Full name.'),
    first_name: param(100, 'First name (with last_name).'),
    last_name: param(100, 'Last name (with first_name).'),
    middle_name: param(100, 'Middle name.'),
    company: param(200, 'Company name, website or profile.'),
    school: param(200, 'School name, website or profile.'),
    location: param(200, 'Location, free text.'),
    locality: param(100, 'City.'),
    region: param(100, 'State or region.'),
    country: param(100, 'Country.'),
    postal_code: param(20, 'Postal code.'),
    street_address: param(200, 'Street address.'),
    birth_date: param(10, 'YYYY-MM-DD.'),
    min_likelihood: z.coerce.number().int().min(1).max(10).optional().meta({ description: 'Answer 404 below this likelihood (1-10).' }),
  })
  .meta({ id: 'PdlPersonEnrichQuery' });
type PdlQuery = z.output<typeof pdlQuerySchema>;

export const pdlPersonSchema = z
  .object({
    id: z.string(),
    full_name: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    sex: z.enum(['male', 'female']).nullable(),
    birth_year: z.number().int().nullable(),
    work_email: z.string().nullable(),
    mobile_phone: z.string().nullable(),
    job_title: z.string().nullable(),
    job_title_levels: z.array(z.enum(PDL_TITLE_LEVELS)),
    job_company_name: z.string().nullable(),
    job_company_website: z.string().nullable(),
    job_company_industry: z.string().nullable(),
    location_country: z.string().nullable(),
    location_postal_code: z.string().nullable(),
  })
  .meta({ id: 'PdlPerson', description: 'The subset of the PDL person schema the mock fills; absent data is null.' });

export const pdlEnrichResponseSchema = z
  .object({
    status: z.literal(200),
    likelihood: z.number().int().min(1).max(10).meta({ description: 'Confidence of the match, 1-10 (logarithmic).' }),
    data: pdlPersonSchema,
  })
  .meta({ id: 'PdlPersonEnrichResponse' });

export const pdlErrorSchema = z
  .object({ status: z.number().int(), error: z.object({ type: z.enum(PDL_ERROR_TYPES), message: z.string() }) })
  .meta({ id: 'PdlError', description: 'Every PDL answer but a 200, the 404 no-match included.' });

interface PdlParams {
  query: PdlQuery;
  /** Corroborating inputs beyond the identifier (raise the likelihood). */
  corroboration: number;
}

const pdlError = (status: number, type: (typeof PDL_ERROR_TYPES)[number], message: string, headers?: Record<string, string>): VendorReply => ({
  status,
  body: { status, error: { type, message } },
  ...(headers === undefined ? {} : { headers }),
});

const present = (value: string | undefined): value is string => value !== undefined;

/** Fills a postal-code template from the hash. */
function postalCode(hash: RecordHash, template: string): string {
  return [...template]
    .map((char, index) => {
      if (char === '9') return String(hash.integer(`postal_${index}`, 0, 9));
      if (char === 'a') return String.fromCharCode(97 + hash.integer(`postal_${index}`, 0, 25));
      return char;
    })
    .join('');
}

function normalizeProfile(profile: string): string {
  return profile
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/+$/, '');
}

/** PDL's person identity: the strongest identifier given, else the name with the first context given. */
function recordKey(query: PdlQuery): string | undefined {
  if (present(query.email)) return `email:${query.email.toLowerCase()}`;
  if (present(query.profile)) return `profile:${normalizeProfile(query.profile)}`;
  if (present(query.phone)) return `phone:${query.phone.replace(/\D/g, '')}`;
  if (present(query.lid)) return `lid:${query.lid}`;
  if (present(query.email_hash)) return `email_hash:${query.email_hash.toLowerCase()}`;
  const name = query.name ?? (present(query.first_name) && present(query.last_name) ? `${query.first_name} ${query.last_name}` : undefined);
  const context = [
    query.company,
    query.school,
    query.location,
    query.locality,
    query.region,
    query.country,
    query.postal_code,
    query.street_address,
    query.birth_date,
  ].find(present);
  if (name === undefined || context === undefined) return undefined;
  return `name:${name.toLowerCase().replace(/\s+/g, ' ')}\0${normalizeCompany(context)}`;
}

/** The start of the next minute: PDL's fixed window, when no rate limit is set. */
const nextMinute = (window: RateWindow): number => Math.ceil(window.now / 60_000) * 60_000;

/** The person of one record: names and company from the request when given, the rest from the hash. */
function person(query: PdlQuery, hash: RecordHash): z.input<typeof pdlPersonSchema> {
  const [listFirst, listSex] = FIRST_NAMES[hash.integer('first_name', 0, FIRST_NAMES.length - 1)] ?? ['james', 'male'];
  const split = query.name?.trim().toLowerCase().split(/\s+/);
  const first = query.first_name?.toLowerCase() ?? split?.[0] ?? listFirst;
  const last = query.last_name?.toLowerCase() ?? (split !== undefined && split.length > 1 ? split.slice(1).join(' ') : hash.pick('last_name', LAST_NAMES));
  const sex = first === listFirst ? listSex : hash.chance('sex_known', 0.9) ? hash.pick('sex', ['male', 'female'] as const) : null;

  const emailDomain = query.email === undefined ? undefined : normalizeDomain(query.email.split('@')[1] ?? '');
  const workDomain = emailDomain !== undefined && !FREE_MAIL.has(emailDomain) ? emailDomain : undefined;
  const listed = COMPANIES[hash.integer('company', 0, COMPANIES.length - 1)] ?? COMPANIES[0];
  let company: [name: string, website: string, industry: string];
  if (present(query.company)) {
    const name = query.company.toLowerCase();
    company = [name, workDomain ?? `${normalizeCompany(name).replace(/\s+/g, '') || 'company'}.com`, hash.pick('industry', INDUSTRIES)];
  } else if (workDomain !== undefined) {
    company = [workDomain.split('.')[0] ?? workDomain, workDomain, hash.pick('industry', INDUSTRIES)];
  } else {
    company = listed ?? ['initech', 'initech.com', 'computer software'];
  }
  const [title, levels] = TITLES[hash.integer('job_title', 0, TITLES.length - 1)] ?? ['software engineer', []];
  const [listCountry, callingCode, template] = COUNTRIES[hash.integer('country', 0, COUNTRIES.length - 1)] ?? ['united states', '1', '99999'];
  const country = query.country?.toLowerCase() ?? listCountry;
  const localEmail = `${emailNamePart(first)}.${emailNamePart(last)}@${company[1]}`;
  const digits = Array.from({ length: 9 }, (_unused, index) => hash.integer(`phone_${index}`, 0, 9)).join('');
  return {
    id: `${hash.digest.toString('base64url').slice(0, 22)}_0000`,
    full_name: `${first} ${last}`,
    first_name: first,
    last_name: last,
    sex,
    birth_year: hash.chance('birth_year_known', 0.85) ? hash.integer('birth_year', 1958, 2003) : null,
    work_email: workDomain !== undefined ? (query.email?.toLowerCase() ?? null) : hash.chance('work_email_known', 0.7) ? localEmail : null,
    mobile_phone: hash.chance('mobile_known', 0.6) ? `+${callingCode}${hash.integer('phone_lead', 2, 9)}${digits}` : null,
    job_title: title,
    job_title_levels: [...levels],
    job_company_name: company[0],
    job_company_website: company[1],
    job_company_industry: company[2],
    location_country: country,
    location_postal_code: query.postal_code?.toLowerCase() ?? (country === listCountry ? postalCode(hash, template) : null),
  };
}

export const pdlPersonVendor = defineVendor<PdlParams>({
  name: 'pdl-person',
  label: 'People Data Labs Person Enrichment API v5',
  path: '/v5/person/enrich',
  realBaseUrl: 'https://api.peopledatalabs.com',
  docs: 'https://docs.peopledatalabs.com/docs/reference-person-enrichment-api',
  operationId: 'pdlPersonEnrich',
  summary: 'People Data Labs person enrichment: one person by email, profile, phone or name + context.',
  auth: 'X-Api-Key header, or api_key query parameter',
  credential: (request) => request.header('x-api-key') ?? request.query.api_key,

  parse(query) {
    const parsed = pdlQuerySchema.safeParse(query);
    if (!parsed.success) return { success: false, reply: pdlError(400, 'invalid_request_error', firstIssue(parsed.error)) };
    const key = recordKey(parsed.data);
    if (key === undefined) {
      return {
        success: false,
        reply: pdlError(
          400,
          'invalid_request_error',
          'The request must contain at least one of email, phone, profile, lid or email_hash, or a name (name, or first_name and last_name) ' +
            'with a company, school, location or postal_code.',
        ),
      };
    }
    const q = parsed.data;
    const names = present(q.name) || (present(q.first_name) && present(q.last_name)) ? 1 : 0;
    const context = [q.company, q.school, q.location, q.locality, q.postal_code].some(present) ? 1 : 0;
    return { success: true, key, params: { query: q, corroboration: names + context } };
  },

  answer({ query, corroboration }, hash, known) {
    const likelihood = Math.min(10, hash.integer('likelihood', 3, 8) + corroboration);
    if (!known || likelihood < (query.min_likelihood ?? 2)) {
      return { outcome: 'not_found', reply: pdlError(404, 'not_found', 'No records were found matching your request') };
    }
    return { outcome: 'ok', reply: { status: 200, body: { status: 200, likelihood, data: person(query, hash) } } };
  },

  // "We charge per match": a 404 is free.
  bills: (outcome) => outcome === 'ok',
  unauthorized: (presented) => pdlError(401, 'authentication_error', presented ? 'Invalid API key' : 'No API key was provided'),
  rateLimited: (window) =>
    pdlError(429, 'rate_limit_error', 'An error occurred due to requests hitting the API too quick', { 'retry-after': String(window.retryAfterSeconds ?? 1) }),
  outOfCredits: () => pdlError(402, 'payment_required', 'You have used all of the credits available to your account for this API.'),
  unavailable: () => pdlError(503, 'api_error', 'The API is temporarily unavailable; please retry.'),
  wrongShape: (body) => {
    const { likelihood, data } = body as { likelihood: number; data: unknown };
    return { status: '200', likelihood: String(likelihood), data: [data] };
  },

  headers(window, billing) {
    const { limit, remaining } = perMinute(window, 1000);
    // A fixed one-minute window when unlimited; the bucket's refill time when limited.
    const resetAt = window.perSecond > 0 ? window.now + resetSeconds(window) * 1000 : nextMinute(window);
    // PDL's JSON-in-a-header, spaced as PDL sends it.
    const headers: Record<string, string> = {
      'x-ratelimit-limit': `{"minute": ${limit}}`,
      'x-ratelimit-remaining': `{"minute": ${remaining}}`,
      'x-ratelimit-reset': utcTimestamp(resetAt),
    };
    if (billing !== undefined) {
      headers['x-call-credits-spent'] = String(billing.spent);
      headers['x-call-credits-type'] = 'enrich';
      if (billing.remaining !== null) headers['x-totallimit-remaining'] = String(billing.remaining);
    }
    return headers;
  },

  openapi: {
    querySchema: pdlQuerySchema,
    securitySchemes: {
      PdlApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'PDL API key (MOCK_VENDOR_API_KEY).' },
      PdlApiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key', description: 'PDL API key (MOCK_VENDOR_API_KEY).' },
    },
    headers: {
      'x-ratelimit-limit': {
        description: 'Requests per window, JSON such as {"minute": 1000} (rateLimitPerSecond × 60; 1000 when unlimited).',
        schema: { type: 'string' },
      },
      'x-ratelimit-remaining': { description: 'Requests that would pass now, JSON such as {"minute": 999}.', schema: { type: 'string' } },
      'x-ratelimit-reset': { description: 'When the window is whole again, UTC `YYYY-MM-DD HH:MM:SS`.', schema: { type: 'string' } },
      'x-call-credits-spent': { description: 'Credits this call spent: 1 for a match, else 0.', schema: { type: 'integer' } },
      'x-call-credits-type': { description: 'Credit pool: `enrich`.', schema: { type: 'string' } },
      'x-totallimit-remaining': {
        description: 'Credits left (only once a balance is set: PUT /admin/vendors/pdl-person/credits).',
        schema: { type: 'integer' },
      },
      'retry-after': { description: 'Seconds until a request would pass again.', schema: { type: 'integer' } },
    },
    responses: {
      200: {
        description: 'A match (billed). With malformedRate the body may be truncated, of the wrong shape, or an HTML page.',
        schema: pdlEnrichResponseSchema,
        headers: ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-call-credits-spent', 'x-call-credits-type', 'x-totallimit-remaining'],
      },
      400: { description: 'invalid_request_error: bad or insufficient parameters.', schema: pdlErrorSchema },
      401: { description: 'authentication_error: missing or wrong key.', schema: pdlErrorSchema },
      402: { description: 'payment_required: out of credits.', schema: pdlErrorSchema, headers: ['x-totallimit-remaining'] },
      404: {
        description: 'not_found: no match (free; notFoundRate, or likelihood below min_likelihood).',
        schema: pdlErrorSchema,
        headers: ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-call-credits-spent'],
      },
      429: {
        description: 'rate_limit_error (rateLimitPerSecond).',
        schema: pdlErrorSchema,
        headers: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      },
      503: { description: 'api_error: simulated transient failure (failureRate).', schema: pdlErrorSchema },
    },
  },
});
