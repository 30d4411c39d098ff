import { QUIET, rawText, startMock, stopMocks, VENDOR_KEY, type RunningMock } from '../test-support/mock-server';
import { pdlEnrichResponseSchema, pdlErrorSchema } from './pdl-person.vendor';

const PATH = '/v5/person/enrich';
const PERSON = { email: 'Sean@PeopleDataLabs.com' };
const NOW = Date.UTC(2025, 4, 1, 12, 0, 30);

afterAll(stopMocks);

describe('pdl-person: GET /v5/person/enrich in PDL wire format', () => {
  let mock: RunningMock;
  beforeAll(async () => {
    mock = await startMock({ now: () => NOW });
  });
  beforeEach(() => {
    mock.reset();
  });

  const enrich = (query: Record<string, string | number> = PERSON) => mock.http.get(PATH).set('X-Api-Key', VENDOR_KEY).query(query);

  it('answers a match as {status, likelihood, data}, billed, with the rate-limit and credit headers', async () => {
    const res = await enrich().expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(pdlEnrichResponseSchema.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ status: 200, data: { work_email: 'sean@peopledatalabs.com', job_company_website: 'peopledatalabs.com' } });
    expect(res.body.data.id).toMatch(/^[\w-]{22}_0000$/);
    expect(res.body.data.full_name).toBe(`${res.body.data.first_name} ${res.body.data.last_name}`);
    expect(res.headers).toMatchObject({
      'x-ratelimit-limit': '{"minute": 1000}',
      'x-ratelimit-remaining': '{"minute": 1000}',
      'x-ratelimit-reset': '2025-05-01 12:01:00',
      'x-call-credits-spent': '1',
      'x-call-credits-type': 'enrich',
    });
    // No balance set: unlimited, and no x-totallimit-remaining.
    expect(res.headers['x-totallimit-remaining']).toBeUndefined();
  });

  it('takes the key from the api_key query parameter too, and echoes names and location given', async () => {
    const res = await mock.http
      .get(PATH)
      .query({ api_key: VENDOR_KEY, first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', postal_code: 'W1 1AA', country: 'United Kingdom' })
      .expect(200);
    expect(res.body.data).toMatchObject({
      first_name: 'ada',
      last_name: 'lovelace',
      full_name: 'ada lovelace',
      job_company_name: 'analytical engines',
      location_postal_code: 'w1 1aa',
      location_country: 'united kingdom',
    });
  });

  it('answers byte-identically for the same record, across instances, whatever the order or case of the query', async () => {
    const first = await enrich({ email: 'sean@peopledatalabs.com', min_likelihood: 2 }).expect(200);
    const again = await mock.http.get(`${PATH}?min_likelihood=2&email=SEAN%40peopledatalabs.com`).set('x-api-key', VENDOR_KEY).expect(200);
    const twin = await startMock();
    const other = await startMock({ seed: 'another-seed' });
    const fromTwin = await twin.http.get(PATH).set('X-Api-Key', VENDOR_KEY).query({ email: 'sean@peopledatalabs.com', min_likelihood: 2 }).expect(200);
    const fromOther = await other.http.get(PATH).set('X-Api-Key', VENDOR_KEY).query({ email: 'sean@peopledatalabs.com', min_likelihood: 2 }).expect(200);
    expect(again.text).toBe(first.text);
    expect(fromTwin.text).toBe(first.text);
    expect(fromOther.body.data.id).not.toBe(first.body.data.id);
  });

  it('answers no match as a free 404 not_found (notFoundRate, or a likelihood below min_likelihood)', async () => {
    const missed = await enrich().set('x-mock-knobs', '{"notFoundRate":1}').expect(404);
    expect(missed.body).toEqual({ status: 404, error: { type: 'not_found', message: 'No records were found matching your request' } });
    expect(missed.headers['x-call-credits-spent']).toBe('0');
    const found = await enrich().expect(200);
    expect(found.body.likelihood).toBeLessThan(10);
    await enrich({ ...PERSON, min_likelihood: found.body.likelihood + 1 }).expect(404);
    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(stats.body.vendors['pdl-person']).toMatchObject({ calls: 3, ok: 1, billed: 1 });
  });

  it('answers 401 authentication_error to a missing or wrong key, at once', async () => {
    const started = performance.now();
    const missing = await mock.http.get(PATH).query(PERSON).set('x-mock-knobs', '{"latencyMs":5000}').expect(401);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(pdlErrorSchema.parse(missing.body)).toEqual(missing.body);
    expect(missing.body).toMatchObject({ status: 401, error: { type: 'authentication_error' } });
    const wrong = await mock.http.get(PATH).set('X-Api-Key', 'not-the-key').query(PERSON).expect(401);
    expect(wrong.body.error.type).toBe('authentication_error');
    const stats = await mock.http.get('/admin/stats').query({ api_key: 'not-the-key' }).expect(200);
    expect(stats.body.vendors['pdl-person']).toMatchObject({ calls: 1, unauthorized: 1 });
  });

  it('answers 400 invalid_request_error to insufficient or bad parameters', async () => {
    const nameOnly = await enrich({ first_name: 'Ada', last_name: 'Lovelace' }).expect(400);
    expect(nameOnly.body).toMatchObject({ status: 400, error: { type: 'invalid_request_error', message: expect.stringContaining('at least one of') } });
    const badEmail = await enrich({ email: 'nope' }).expect(400);
    expect(badEmail.body.error.message).toMatch(/^email: /);
    await enrich({ ...PERSON, min_likelihood: 11 }).expect(400);
  });

  it('spends one credit per match only, then answers 402 payment_required', async () => {
    await mock.http.put('/admin/vendors/pdl-person/credits').send({ remaining: 1 }).expect(200);
    const miss = await enrich().set('x-mock-knobs', '{"notFoundRate":1}').expect(404);
    expect(miss.headers['x-totallimit-remaining']).toBe('1');
    const match = await enrich().expect(200);
    expect(match.headers).toMatchObject({ 'x-totallimit-remaining': '0', 'x-call-credits-spent': '1' });
    const broke = await enrich().expect(402);
    expect(broke.body).toEqual({ status: 402, error: { type: 'payment_required', message: expect.any(String) } });
    expect(broke.headers['x-totallimit-remaining']).toBe('0');
    const listed = await mock.http.get('/admin/vendors').expect(200);
    expect(listed.body.vendors[0]).toMatchObject({ name: 'pdl-person', credits: { remaining: 0, billed: 1 }, counts: { out_of_credits: 1 } });
    // Per request, whatever the balance.
    mock.reset();
    await enrich().set('x-mock-vendor-knobs', '{"outOfCredits":true}').expect(402);
  });

  it('answers 429 rate_limit_error with Retry-After and PDL reset headers', async () => {
    const limited = await startMock({ knobs: { rateLimitPerSecond: 1 }, now: () => NOW });
    const burst = await Promise.all(Array.from({ length: 3 }, () => limited.http.get(PATH).set('X-Api-Key', VENDOR_KEY).query(PERSON)));
    expect(burst.map((res) => res.status).sort()).toEqual([200, 429, 429]);
    const refused = burst.find((res) => res.status === 429);
    expect(refused?.body).toEqual({ status: 429, error: { type: 'rate_limit_error', message: 'An error occurred due to requests hitting the API too quick' } });
    expect(refused?.headers).toMatchObject({
      'retry-after': '1',
      'x-ratelimit-limit': '{"minute": 60}',
      'x-ratelimit-remaining': '{"minute": 0}',
      'x-ratelimit-reset': '2025-05-01 12:00:31',
    });
    const stats = await limited.http.get('/admin/stats').expect(200);
    expect(stats.body.vendors['pdl-person']).toMatchObject({ calls: 3, ok: 1, rate_limited: 2 });
  });

  it('answers malformed 200s: truncated JSON, the wrong shape, or an HTML page', async () => {
    const good = await enrich().expect(200);
    const truncated = await enrich().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"truncated"}').buffer(true).parse(rawText).expect(200);
    expect(truncated.headers['content-type']).toBe('application/json; charset=utf-8');
    const text = truncated.body as string;
    expect(text.length).toBeLessThan(good.text.length);
    expect(good.text.startsWith(text)).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
    const shape = await enrich().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"wrong_shape"}').expect(200);
    expect(pdlEnrichResponseSchema.safeParse(shape.body).success).toBe(false);
    await mock.http.put('/admin/vendors/pdl-person/knobs').send({ malformedRate: 1, malformedKind: 'html' }).expect(200);
    const html = await enrich().expect(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.text).toContain('Bad Gateway');
    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(stats.body.vendors['pdl-person']).toMatchObject({ calls: 4, ok: 1, malformed: 3, billed: 4 });
  });

  it('answers a simulated 5xx in PDL format (failureRate)', async () => {
    const res = await enrich()
      .set('x-mock-knobs', JSON.stringify({ providers: { 'pdl-person': { failureRate: 1 } } }))
      .expect(503);
    expect(pdlErrorSchema.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ status: 503, error: { type: 'api_error' } });
    await mock.http.put('/admin/providers/pdl-person/knobs').send({ failureRate: 1 }).expect(200);
    await enrich().expect(503);
    await mock.http.put('/admin/providers/pdl-person/knobs').send({ failureRate: null }).expect(200);
    await enrich().expect(200);
  });

  it('keeps its quiet knobs and the default key unless configured', async () => {
    const custom = await startMock({ vendorApiKey: 'secret-pdl' });
    await custom.http.get(PATH).set('X-Api-Key', VENDOR_KEY).query(PERSON).expect(401);
    await custom.http.get(PATH).set('X-Api-Key', 'secret-pdl').query(PERSON).expect(200);
    expect(custom.simulator.knobs('pdl-person')).toEqual(QUIET);
  });
});
