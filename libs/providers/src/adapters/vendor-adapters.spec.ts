import type { CustomerRecord } from '@enrich/domain';
import { MockAgent } from 'undici';
import type { ProviderAdapter } from '../adapter';
import {
  ProviderConfigurationError,
  ProviderMalformedAnswerError,
  ProviderOutOfCreditsError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../errors';
import { VendorClient } from '../vendor-client';
import { clearbitCompanyAdapter } from './clearbit-company';
import { hunterEmailFinderAdapter } from './hunter-email-finder';
import { pdlPersonAdapter } from './pdl-person';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const KEY = 'secret-key-123';

interface Case {
  adapter: ProviderAdapter;
  origin: string;
  path: string;
  contact: CustomerRecord;
  /** The query the contact is sent as (identity normalised: one cache entry per contact). */
  query: Record<string, string>;
  /** Where the key must arrive. */
  credential: { header: string; value: string } | { query: string };
  found: { status: number; body: unknown; fields: Record<string, unknown>; confidence: number };
  noMatch: { status: number; body: unknown };
  badKey: { status: number; body: unknown };
  outOfCredits: { status: number; body: unknown };
  rateLimited: { status: number; body: unknown; headers: Record<string, string>; waitMs: number };
}

const CASES: Case[] = [
  {
    adapter: pdlPersonAdapter,
    origin: 'https://api.peopledatalabs.com',
    path: '/v5/person/enrich',
    contact: { email: ' Sean@PeopleDataLabs.com ', first_name: 'Sean' },
    query: { email: 'sean@peopledatalabs.com' },
    credential: { header: 'x-api-key', value: KEY },
    found: {
      status: 200,
      body: { status: 200, likelihood: 8, data: { full_name: 'sean thorne', birth_year: 1990, work_email: 'sean@peopledatalabs.com', mobile_phone: true } },
      fields: { age_band: '35-44', work_email: 'sean@peopledatalabs.com' },
      confidence: 0.8,
    },
    noMatch: { status: 404, body: { status: 404, error: { type: 'not_found', message: 'No records were found matching your request' } } },
    badKey: { status: 401, body: { status: 401, error: { type: 'authentication_error', message: 'Invalid API key' } } },
    outOfCredits: { status: 402, body: { status: 402, error: { type: 'payment_required', message: 'You have hit your account maximum' } } },
    rateLimited: {
      status: 429,
      body: { status: 429, error: { type: 'rate_limit_error', message: 'An error occurred due to requests hitting the API too quick' } },
      headers: { 'x-ratelimit-reset': '2026-06-01 12:00:42' },
      waitMs: 42_000,
    },
  },
  {
    adapter: hunterEmailFinderAdapter,
    origin: 'https://api.hunter.io',
    path: '/v2/email-finder',
    contact: { first_name: 'Alexis', last_name: 'Ohanian', email: 'alexis@Reddit.com' },
    query: { domain: 'reddit.com', first_name: 'Alexis', last_name: 'Ohanian' },
    credential: { query: 'api_key' },
    found: {
      status: 200,
      body: {
        data: { first_name: 'Alexis', last_name: 'Ohanian', email: 'alexis@reddit.com', score: 97, verification: { date: '2024-06-01', status: 'accept_all' } },
        meta: {},
      },
      fields: { work_email: 'alexis@reddit.com', email_status: 'risky' },
      confidence: 0.97,
    },
    noMatch: { status: 200, body: { data: { email: null, score: null, verification: { date: null, status: null } }, meta: {} } },
    badKey: { status: 401, body: { errors: [{ id: 'authentication_failed', code: 401, details: 'No user found for the API key supplied' }] } },
    outOfCredits: { status: 429, body: { errors: [{ id: 'usage_exceeded', code: 429, details: 'You have reached your monthly usage limit' }] } },
    rateLimited: { status: 403, body: { errors: [{ id: 'too_many_requests', code: 403, details: 'Too many requests' }] }, headers: {}, waitMs: 1_000 },
  },
  {
    adapter: clearbitCompanyAdapter,
    origin: 'https://company.clearbit.com',
    path: '/v2/companies/find',
    contact: { email: 'jo@gmail.com', domain: 'Clearbit.com' },
    query: { domain: 'clearbit.com' },
    credential: { header: 'authorization', value: `Bearer ${KEY}` },
    found: {
      status: 200,
      body: {
        name: 'Clearbit',
        domain: 'clearbit.com',
        category: { industry: 'Internet Software & Services' },
        foundedYear: 2014,
        geo: { countryCode: 'US' },
        metrics: { employees: 170, employeesRange: '51-250', estimatedAnnualRevenue: '$10M-$50M' },
      },
      fields: { industry: 'Internet Software & Services', employee_band: '51-200', revenue_band: '10M-50M', founded_year: 2014, hq_country: 'US' },
      confidence: 0.9,
    },
    noMatch: { status: 404, body: { error: { type: 'unknown_record', message: 'Unknown domain' } } },
    badKey: { status: 401, body: { error: { type: 'invalid_api_key', message: 'Invalid API key provided' } } },
    outOfCredits: { status: 402, body: { error: { type: 'over_quota', message: 'Over plan quota on this endpoint' } } },
    rateLimited: { status: 429, body: { error: { type: 'rate_limit', message: 'Rate limit exceeded' } }, headers: { 'x-ratelimit-reset': '7' }, waitMs: 7_000 },
  },
];

describe.each(CASES)('$adapter.kind adapter', (c) => {
  let agent: MockAgent;
  let client: VendorClient;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = new VendorClient({
      name: c.adapter.kind,
      adapter: c.adapter,
      baseUrl: c.origin,
      apiKey: KEY,
      timeoutMs: 1_000,
      dispatcher: agent,
      now: () => NOW,
    });
  });
  afterEach(() => agent.close());

  /** Answers the next call to the vendor's path with `status`/`body`, and records the request it got. */
  function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
    const seen: Array<{ path: string; headers: Record<string, string> }> = [];
    agent
      .get(c.origin)
      .intercept({ path: (path) => path.startsWith(c.path), method: 'GET' })
      .reply(
        status,
        (options) => {
          seen.push({ path: options.path, headers: options.headers as Record<string, string> });
          return typeof body === 'string' ? body : JSON.stringify(body);
        },
        { headers: { 'content-type': 'application/json', ...headers } },
      );
    return seen;
  }

  it('maps a found record to platform fields with the confidence and provenance of the vendor, the key where the vendor wants it', async () => {
    const seen = answer(c.found.status, c.found.body);
    const result = await client.lookup(c.contact);
    expect(result.kind).toBe('found');
    if (result.kind !== 'found') return;
    expect(Object.fromEntries(result.fields.map((f) => [f.field, f.value]))).toEqual(c.found.fields);
    for (const field of result.fields) {
      expect(field).toMatchObject({ provider: c.adapter.label, confidence: c.found.confidence, fetchedAt: NOW.toISOString() });
    }
    const params = Object.fromEntries(new URL(seen[0].path, c.origin).searchParams);
    if ('query' in c.credential) {
      expect(params[c.credential.query]).toBe(KEY);
      delete params[c.credential.query];
    } else {
      expect(seen[0].headers[c.credential.header]).toBe(c.credential.value);
    }
    expect(params).toEqual(c.query);
  });

  it('reads no match as not found', async () => {
    answer(c.noMatch.status, c.noMatch.body);
    await expect(client.lookup(c.contact)).resolves.toEqual({ kind: 'not_found', provider: c.adapter.kind });
  });

  it('reads a refused key as a configuration error naming the vendor', async () => {
    answer(c.badKey.status, c.badKey.body);
    const error = await client.lookup(c.contact).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect((error as Error).message).toContain(`Check the API key of vendor "${c.adapter.kind}"`);
    expect((error as Error).message).not.toContain(KEY);
  });

  it('reads out of credits as such, with a pause', async () => {
    answer(c.outOfCredits.status, c.outOfCredits.body);
    const error = await client.lookup(c.contact).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderOutOfCreditsError);
    expect((error as ProviderOutOfCreditsError).retryAfterMs).toBeGreaterThan(0);
  });

  it("waits for the vendor's own reset when rate limited", async () => {
    answer(c.rateLimited.status, c.rateLimited.body, c.rateLimited.headers);
    const error = await client.lookup(c.contact).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(c.rateLimited.waitMs);
  });

  it.each([
    ['truncated JSON', '{"data": {"email": "x@'],
    ['a body of another shape', { unexpected: true }],
  ])('reads %s as a malformed answer', async (_label, body) => {
    answer(200, body);
    await expect(client.lookup(c.contact)).rejects.toBeInstanceOf(ProviderMalformedAnswerError);
  });

  it('never quotes a body it cannot parse in its error (a body may hold personal data)', async () => {
    answer(200, '{"email": "jane.secret@example.com", "data": ');
    const error = await client.lookup(c.contact).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${c.adapter.kind}: malformed answer (200): not valid JSON`);
  });

  it('reads a 5xx as unavailable (retried)', async () => {
    answer(503, { message: 'down' });
    await expect(client.lookup(c.contact)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('makes no call for a contact without what the vendor needs', async () => {
    await expect(client.lookup({ phone: '+1 555 0100' })).resolves.toEqual({ kind: 'not_found', provider: c.adapter.kind });
  });
});

describe('clearbit-company adapter', () => {
  it('reads a 202 (lookup queued) as not answered yet', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://company.clearbit.com')
      .intercept({ path: /^\/v2\/companies\/find/, method: 'GET' })
      .reply(202, '{}');
    const client = new VendorClient({
      name: 'clearbit',
      adapter: clearbitCompanyAdapter,
      baseUrl: 'https://company.clearbit.com',
      apiKey: KEY,
      timeoutMs: 1_000,
      dispatcher: agent,
    });
    await expect(client.lookup({ domain: 'new.example' })).rejects.toThrow(/not answered yet: lookup queued/);
    await agent.close();
  });
});
