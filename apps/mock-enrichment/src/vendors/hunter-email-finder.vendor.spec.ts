import { EMAIL_PATTERNS, localPart } from '../providers/email-finder.provider';
import { rawText, startMock, stopMocks, VENDOR_KEY, type RunningMock } from '../test-support/mock-server';
import { hunterEmailFinderResponseSchema, hunterErrorsSchema } from './hunter-email-finder.vendor';

const PATH = '/v2/email-finder';
const ALEXIS = { domain: 'reddit.com', first_name: 'Alexis', last_name: 'Ohanian' };

afterAll(stopMocks);

describe('hunter-email-finder: GET /v2/email-finder in Hunter wire format', () => {
  let mock: RunningMock;
  beforeAll(async () => {
    mock = await startMock();
  });
  beforeEach(() => {
    mock.reset();
  });

  const find = (query: Record<string, string | number> = ALEXIS) => mock.http.get(PATH).query({ ...query, api_key: VENDOR_KEY });

  it('answers {data, meta} with the address under the domain, its score and verification', async () => {
    const res = await find().expect(200);
    expect(hunterEmailFinderResponseSchema.parse(res.body)).toEqual(res.body);
    const { data, meta } = res.body;
    expect(data).toMatchObject({ first_name: 'Alexis', last_name: 'Ohanian', domain: 'reddit.com', company: 'Reddit' });
    expect(data.email).toMatch(/@reddit\.com$/);
    expect(data.email).toMatch(/alexis|ohanian|ao|ohaniana/);
    expect(data.score).toBeGreaterThanOrEqual(40);
    expect(data.verification.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(['valid', 'accept_all', 'unknown']).toContain(data.verification.status);
    expect(meta.params).toEqual({ first_name: 'Alexis', last_name: 'Ohanian', full_name: null, domain: 'reddit.com', company: null, max_duration: null });
    // Hunter documents no rate-limit headers.
    expect(Object.keys(res.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
  });

  it('uses one address pattern per domain, and takes full_name, company and the X-API-KEY header', async () => {
    const ada = await find({ domain: 'acme.com', first_name: 'Ada', last_name: 'Lovelace' }).expect(200);
    const alan = await find({ domain: 'https://www.acme.com/', first_name: 'Alan', last_name: 'Turing' }).expect(200);
    const pattern = EMAIL_PATTERNS.find((candidate) => `${localPart(candidate, 'ada', 'lovelace')}@acme.com` === ada.body.data.email);
    expect(pattern).toBeDefined();
    expect(alan.body.data.email).toBe(`${localPart(pattern ?? 'first', 'alan', 'turing')}@acme.com`);
    const full = await mock.http.get(PATH).set('X-API-KEY', VENDOR_KEY).query({ domain: 'acme.com', full_name: 'Ada Lovelace' }).expect(200);
    expect(full.body.data.email).toBe(ada.body.data.email);
    const byCompany = await find({ company: 'Acme, Inc.', first_name: 'Ada', last_name: 'Lovelace' }).expect(200);
    expect(byCompany.body.data).toMatchObject({ domain: 'acme.com', email: ada.body.data.email, company: 'Acme, Inc.' });
  });

  it('answers byte-identically for the same request, across instances', async () => {
    const first = await find().expect(200);
    const again = await find().expect(200);
    const twin = await startMock();
    const fromTwin = await twin.http
      .get(PATH)
      .query({ ...ALEXIS, api_key: VENDOR_KEY })
      .expect(200);
    expect(again.text).toBe(first.text);
    expect(fromTwin.text).toBe(first.text);
  });

  it('answers no match as a 200 with a null email, not billed', async () => {
    await mock.http.put('/admin/vendors/hunter-email-finder/credits').send({ remaining: 1 }).expect(200);
    const res = await find().set('x-mock-knobs', '{"notFoundRate":1}').expect(200);
    expect(hunterEmailFinderResponseSchema.parse(res.body)).toEqual(res.body);
    expect(res.body.data).toMatchObject({ email: null, score: null, domain: 'reddit.com', verification: { date: null, status: null } });
    const listed = await mock.http.get('/admin/vendors').expect(200);
    expect(listed.body.vendors[1]).toMatchObject({ name: 'hunter-email-finder', credits: { remaining: 1, billed: 0 }, counts: { not_found: 1 } });
  });

  it('answers 401 to a missing or wrong key', async () => {
    const missing = await mock.http.get(PATH).query(ALEXIS).expect(401);
    expect(missing.body).toEqual({ errors: [{ id: 'authentication_failed', code: 401, details: 'No user found for the API key supplied' }] });
    await mock.http
      .get(PATH)
      .query({ ...ALEXIS, api_key: 'wrong' })
      .expect(401);
  });

  it('answers 400 wrong_params to a missing domain or name', async () => {
    const noDomain = await find({ first_name: 'Ada', last_name: 'Lovelace' }).expect(400);
    expect(hunterErrorsSchema.parse(noDomain.body)).toEqual(noDomain.body);
    expect(noDomain.body.errors[0]).toEqual({ id: 'wrong_params', code: 400, details: 'You are missing the domain parameter' });
    const noName = await find({ domain: 'acme.com', first_name: 'Ada' }).expect(400);
    expect(noName.body.errors[0].id).toBe('wrong_params');
    await find({ domain: 'not a domain', first_name: 'Ada', last_name: 'Lovelace' }).expect(400);
    await find({ ...ALEXIS, max_duration: 30 }).expect(400);
  });

  it('spends a credit per email found, then answers 429 (the usage limit)', async () => {
    await mock.http.put('/admin/vendors/hunter-email-finder/credits').send({ remaining: 1 }).expect(200);
    await find().expect(200);
    const broke = await find().expect(429);
    expect(broke.body).toEqual({ errors: [{ id: 'usage_exceeded', code: 429, details: expect.stringContaining('usage limit') }] });
    await mock.http.put('/admin/vendors/hunter-email-finder/credits').send({ remaining: null }).expect(200);
    await find().expect(200);
    await find().set('x-mock-vendor-knobs', '{"outOfCredits":true}').expect(429);
  });

  it('answers its throttle as a 403 (Hunter’s rate limit), without headers', async () => {
    const limited = await startMock({ knobs: { rateLimitPerSecond: 1 } });
    const burst = await Promise.all(Array.from({ length: 3 }, () => limited.http.get(PATH).query({ ...ALEXIS, api_key: VENDOR_KEY })));
    expect(burst.map((res) => res.status).sort()).toEqual([200, 403, 403]);
    const refused = burst.find((res) => res.status === 403);
    expect(refused?.body).toEqual({ errors: [{ id: 'too_many_requests', code: 403, details: 'You have reached the rate limit.' }] });
    expect(refused?.headers['retry-after']).toBeUndefined();
    const stats = await limited.http.get('/admin/stats').expect(200);
    expect(stats.body.vendors['hunter-email-finder']).toMatchObject({ calls: 3, ok: 1, rate_limited: 2, billed: 1 });
  });

  it('answers malformed 200s when asked', async () => {
    const truncated = await find().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"truncated"}').buffer(true).parse(rawText).expect(200);
    expect(() => JSON.parse(truncated.body as string) as unknown).toThrow();
    const shape = await find().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"wrong_shape"}').expect(200);
    expect(hunterEmailFinderResponseSchema.safeParse(shape.body).success).toBe(false);
    const html = await find().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"html"}').expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    // A miss is never malformed: only found records are.
    await find().set('x-mock-knobs', '{"notFoundRate":1}').set('x-mock-vendor-knobs', '{"malformedRate":1}').expect(200);
  });

  it('answers a simulated 5xx in Hunter format (failureRate)', async () => {
    const res = await find().set('x-mock-knobs', '{"failureRate":1}').expect(503);
    expect(res.body).toEqual({ errors: [{ id: 'internal_error', code: 503, details: "Something went wrong on Hunter's end." }] });
  });
});
