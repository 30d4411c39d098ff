import { rawText, startMock, stopMocks, VENDOR_KEY, type RunningMock } from '../test-support/mock-server';
import { CLEARBIT_EMPLOYEE_RANGES, clearbitCompanySchema, clearbitErrorSchema } from './clearbit-company.vendor';

const PATH = '/v2/companies/find';
const BEARER = `Bearer ${VENDOR_KEY}`;
const NOW = Date.UTC(2025, 4, 1, 12, 0, 30);

afterAll(stopMocks);

describe('clearbit-company: GET /v2/companies/find in Clearbit wire format', () => {
  let mock: RunningMock;
  beforeAll(async () => {
    mock = await startMock({ now: () => NOW });
  });
  beforeEach(() => {
    mock.reset();
  });

  const find = (domain = 'clearbit.com') => mock.http.get(PATH).set('Authorization', BEARER).query({ domain });

  it('answers the company object itself, with consistent firmographics and X-RateLimit headers', async () => {
    const res = await find().expect(200);
    expect(clearbitCompanySchema.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ name: 'Clearbit', domain: 'clearbit.com', logo: 'https://logo.clearbit.com/clearbit.com' });
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [, min, max] = CLEARBIT_EMPLOYEE_RANGES.find(([range]) => range === res.body.metrics.employeesRange) ?? ['', 0, 0];
    expect(res.body.metrics.employees).toBeGreaterThanOrEqual(min);
    expect(res.body.metrics.employees).toBeLessThanOrEqual(max);
    expect(res.body.location).toBe(`${res.body.geo.city}, ${res.body.geo.state}, ${res.body.geo.country}`);
    expect(res.headers).toMatchObject({ 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '600', 'x-ratelimit-reset': '30' });
  });

  it('answers byte-identically for the same company, whatever the URL form of the domain, across instances', async () => {
    const first = await find('clearbit.com').expect(200);
    const again = await find('https://WWW.Clearbit.com/about').expect(200);
    const twin = await startMock();
    const fromTwin = await twin.http.get(PATH).set('Authorization', BEARER).query({ domain: 'clearbit.com' }).expect(200);
    expect(again.text).toBe(first.text);
    expect(fromTwin.text).toBe(first.text);
    const other = await find('acme.com').expect(200);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('takes the key as HTTP Basic user too; 401 auth_required without one, invalid_api_key with a wrong one', async () => {
    await mock.http
      .get(PATH)
      .set('Authorization', `Basic ${Buffer.from(`${VENDOR_KEY}:`).toString('base64')}`)
      .query({ domain: 'clearbit.com' })
      .expect(200);
    const missing = await mock.http.get(PATH).query({ domain: 'clearbit.com' }).expect(401);
    expect(clearbitErrorSchema.parse(missing.body)).toEqual(missing.body);
    expect(missing.body.error.type).toBe('auth_required');
    const wrong = await mock.http.get(PATH).set('Authorization', 'Bearer sk_wrong').query({ domain: 'clearbit.com' }).expect(401);
    expect(wrong.body).toEqual({ error: { type: 'invalid_api_key', message: 'Invalid API key provided' } });
    await mock.http.get(PATH).set('Authorization', VENDOR_KEY).query({ domain: 'clearbit.com' }).expect(401);
  });

  it('answers 422 to a missing or invalid domain', async () => {
    const missing = await mock.http.get(PATH).set('Authorization', BEARER).expect(422);
    expect(missing.body).toEqual({ error: { type: 'params_invalid', message: 'Missing required param: domain' } });
    await find('not a domain').expect(422);
  });

  it('answers an unknown domain with a 404 unknown_record, billed like a match, then 402 over_quota', async () => {
    await mock.http.put('/admin/vendors/clearbit-company/credits').send({ remaining: 2 }).expect(200);
    const unknown = await find().set('x-mock-knobs', '{"notFoundRate":1}').expect(404);
    expect(unknown.body).toEqual({ error: { type: 'unknown_record', message: 'Unknown domain' } });
    await find().expect(200);
    const broke = await find().expect(402);
    expect(broke.body).toEqual({ error: { type: 'over_quota', message: 'Over plan quota on this endpoint' } });
    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(stats.body.vendors['clearbit-company']).toMatchObject({ calls: 3, ok: 1, not_found: 1, out_of_credits: 1, billed: 2 });
  });

  it('answers 429 rate_limit with X-RateLimit headers in seconds', async () => {
    const limited = await startMock({ knobs: { rateLimitPerSecond: 2 }, now: () => NOW });
    const burst = await Promise.all(Array.from({ length: 4 }, () => limited.http.get(PATH).set('Authorization', BEARER).query({ domain: 'clearbit.com' })));
    expect(burst.map((res) => res.status).sort()).toEqual([200, 200, 429, 429]);
    const refused = burst.find((res) => res.status === 429);
    expect(refused?.body).toEqual({ error: { type: 'rate_limit', message: 'Rate limit exceeded' } });
    expect(refused?.headers).toMatchObject({ 'x-ratelimit-limit': '120', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' });
  });

  it('answers malformed 200s when asked', async () => {
    const truncated = await find().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"truncated"}').buffer(true).parse(rawText).expect(200);
    expect(() => JSON.parse(truncated.body as string) as unknown).toThrow();
    const shape = await find().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"wrong_shape"}').expect(200);
    expect(clearbitCompanySchema.safeParse(shape.body).success).toBe(false);
    expect(shape.body.company.domain).toBe('clearbit.com');
    const html = await find().set('x-mock-vendor-knobs', '{"malformedRate":1,"malformedKind":"html"}').expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
  });

  it('answers a simulated 5xx in Clearbit format (failureRate)', async () => {
    const res = await find().set('x-mock-knobs', '{"failureRate":1}').expect(503);
    expect(res.body).toEqual({ error: { type: 'api_error', message: 'An error occurred with our API' } });
  });
});
