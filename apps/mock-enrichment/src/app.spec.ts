import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createMockEnrichmentApp, type MockEnrichmentApp } from './app';
import type { Knobs } from './knobs';
import { companyRegistryProvider, demographicsProvider, firmographicsProvider, peopleDataProvider } from './providers';

const quiet: Knobs = { latencyMs: 0, jitterMs: 0, failureRate: 0, notFoundRate: 0, rateLimitPerSecond: 0 };

interface Running extends MockEnrichmentApp {
  http: TestAgent;
  server: Server;
}

const servers: Server[] = [];

/** Starts the app on an ephemeral port and talks to it over real HTTP. */
async function start(knobs: Partial<Knobs> = {}, seed = 'component-seed'): Promise<Running> {
  const mock = createMockEnrichmentApp({ seed, defaultKnobs: { ...quiet, ...knobs } });
  const server = mock.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { ...mock, server, http: request(`http://127.0.0.1:${port}`) };
}

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
    ),
  );
});

const DEMOGRAPHICS = '/v1/providers/demographics/lookup';
const FIRMOGRAPHICS = '/v1/providers/firmographics/lookup';
const PEOPLE_DATA = '/v1/providers/people-data/lookup';
const COMPANY_REGISTRY = '/v1/providers/company-registry/lookup';
const ALL_PROVIDERS = ['demographics', 'people-data', 'firmographics', 'company-registry', 'email-finder', 'phone-finder', 'search', 'crawl', 'extract'];

describe('mock-enrichment over HTTP', () => {
  let mock: Running;
  beforeAll(async () => {
    mock = await start();
  });
  beforeEach(() => {
    mock.reset();
  });

  it('answers a demographics lookup', async () => {
    const res = await mock.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com', first_name: 'Ada' }).expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(demographicsProvider.responseSchema.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ provider: 'mock-demographics', record_id: expect.stringMatching(/^per_/) });
  });

  it('answers a firmographics lookup', async () => {
    const res = await mock.http.post(FIRMOGRAPHICS).send({ domain: 'https://www.acme.com' }).expect(200);
    expect(firmographicsProvider.responseSchema.parse(res.body)).toEqual(res.body);
    expect(res.body.provider).toBe('mock-firmographics');
  });

  it('answers lookups of the second demographics and firmographics vendors', async () => {
    const person = await mock.http.post(PEOPLE_DATA).send({ email: 'ada@example.com', first_name: 'Ada' }).expect(200);
    expect(peopleDataProvider.responseSchema.parse(person.body)).toEqual(person.body);
    expect(person.body.provider).toBe('mock-people-data');
    const company = await mock.http.post(COMPANY_REGISTRY).send({ company: 'Acme, Inc.', domain: 'acme.com' }).expect(200);
    expect(companyRegistryProvider.responseSchema.parse(company.body)).toEqual(company.body);
    expect(company.body.provider).toBe('mock-company-registry');
    const again = await mock.http.post(COMPANY_REGISTRY).send({ company: 'ACME', domain: 'acme.com' }).expect(200);
    expect(again.text).toBe(company.text);
  });

  it('answers byte-identically across requests and app instances with the same seed, differently with another', async () => {
    const body = { email: ' Ada@Example.com ' };
    const first = await mock.http.post(DEMOGRAPHICS).send(body).expect(200);
    const again = await mock.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(200);
    const twin = await start();
    const other = await start({}, 'another-seed');
    const fromTwin = await twin.http.post(DEMOGRAPHICS).send(body).expect(200);
    const fromOther = await other.http.post(DEMOGRAPHICS).send(body).expect(200);
    expect(again.text).toBe(first.text);
    expect(fromTwin.text).toBe(first.text);
    expect(fromOther.body.record_id).not.toBe(first.body.record_id);
  });

  it('answers 400 naming the bad field', async () => {
    const res = await mock.http.post(DEMOGRAPHICS).send({ email: 'not-an-email' }).expect(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      message: expect.any(String),
      issues: [{ path: 'email', message: 'Invalid email address' }],
    });
    const missing = await mock.http.post(FIRMOGRAPHICS).send({}).expect(400);
    expect(missing.body.issues).toEqual([{ path: 'domain', message: 'domain or company is required' }]);
  });

  it('answers 400 JSON to a body that is not JSON', async () => {
    const res = await mock.http.post(DEMOGRAPHICS).set('content-type', 'application/json').send('{"email":').expect(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', issues: [{ path: '', message: 'body is not valid JSON' }] });
    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(stats.body.providers.demographics.invalid).toBe(1);
  });

  it('answers 404 for unknown providers and routes', async () => {
    const provider = await mock.http.post('/v1/providers/horoscope/lookup').send({}).expect(404);
    expect(provider.body).toMatchObject({ error: 'unknown_provider', providers: ALL_PROVIDERS });
    const route = await mock.http.get('/v2/nothing').expect(404);
    expect(route.body).toEqual({ error: 'route_not_found', message: 'No route for GET /v2/nothing.' });
  });

  it('applies the x-mock-knobs header to that request only', async () => {
    const notFound = await mock.http
      .post(DEMOGRAPHICS)
      .set('x-mock-knobs', JSON.stringify({ notFoundRate: 1 }))
      .send({ email: 'ada@example.com' })
      .expect(404);
    expect(notFound.body).toMatchObject({ error: 'not_found' });
    const failed = await mock.http.post(DEMOGRAPHICS).set('x-mock-knobs', '{"failureRate":1}').send({ email: 'ada@example.com' }).expect(503);
    expect(failed.body).toMatchObject({ error: 'provider_unavailable' });
    await mock.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(200);
  });

  it('applies knobs of single providers from the x-mock-knobs header, and refuses unknown provider names', async () => {
    const knobs = JSON.stringify({ notFoundRate: 1, providers: { 'people-data': { notFoundRate: 0 }, 'company-registry': { failureRate: 1 } } });
    await mock.http.post(DEMOGRAPHICS).set('x-mock-knobs', knobs).send({ email: 'ada@example.com' }).expect(404);
    await mock.http.post(PEOPLE_DATA).set('x-mock-knobs', knobs).send({ email: 'ada@example.com' }).expect(200);
    await mock.http.post(COMPANY_REGISTRY).set('x-mock-knobs', knobs).send({ company: 'Acme' }).expect(503);
    const unknown = await mock.http
      .post(PEOPLE_DATA)
      .set('x-mock-knobs', '{"providers":{"horoscope":{"notFoundRate":1}}}')
      .send({ email: 'ada@example.com' })
      .expect(400);
    expect(unknown.body.issues).toEqual([{ path: 'x-mock-knobs.providers.horoscope', message: expect.stringContaining('people-data') }]);
  });

  it('starts single providers with the knobs configured for them, and keeps them on reset', async () => {
    const configured = createMockEnrichmentApp({ seed: 'component-seed', defaultKnobs: quiet, providerKnobs: { demographics: { notFoundRate: 1 } } });
    const server = configured.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    const http = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(404);
    await http.post(PEOPLE_DATA).send({ email: 'ada@example.com' }).expect(200);
    await http.post('/admin/reset').expect(200);
    const listed = await http.get('/admin/providers').expect(200);
    expect(listed.body.providers[0]).toMatchObject({ name: 'demographics', knobs: { ...quiet, notFoundRate: 1 }, overrides: {} });
    expect(() => createMockEnrichmentApp({ seed: 's', defaultKnobs: quiet, providerKnobs: { demographics: { notFoundRate: 2 } } })).toThrow();
  });

  it('counts the calls of one API key on their own', async () => {
    await mock.http.post(DEMOGRAPHICS).set('x-api-key', 'suite-a').send({ email: 'ada@example.com' }).expect(200);
    await mock.http.post(PEOPLE_DATA).set('x-api-key', 'suite-a').set('content-type', 'application/json').send('{"email":').expect(400);
    await mock.http.post(DEMOGRAPHICS).set('x-api-key', 'suite-b').send({ email: 'ada@example.com' }).expect(200);
    await mock.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(200);
    const zero = { ok: 0, not_found: 0, rate_limited: 0, failed: 0, invalid: 0 };
    const own = await mock.http.get('/admin/stats').query({ api_key: 'suite-a' }).expect(200);
    expect(own.body.providers).toMatchObject({ demographics: { ...zero, ok: 1 }, 'people-data': { ...zero, invalid: 1 } });
    const all = await mock.http.get('/admin/stats').expect(200);
    expect(all.body.providers.demographics).toEqual({ ...zero, ok: 3 });
    const bad = await mock.http.get('/admin/stats?api_key=').expect(400);
    expect(bad.body.issues[0].path).toBe('api_key');
  });

  it('answers 400 to a malformed x-mock-knobs header', async () => {
    const res = await mock.http.post(DEMOGRAPHICS).set('x-mock-knobs', '{nope').send({ email: 'ada@example.com' }).expect(400);
    expect(res.body.issues).toEqual([{ path: 'x-mock-knobs', message: expect.any(String) }]);
    const range = await mock.http.post(DEMOGRAPHICS).set('x-mock-knobs', '{"failureRate":2}').send({ email: 'a@b.co' }).expect(400);
    expect(range.body.issues[0].path).toBe('x-mock-knobs.failureRate');
  });

  it('rate limits per provider and x-mock-knobs value, with Retry-After', async () => {
    const limited = await start({ rateLimitPerSecond: 1 });
    const body = { email: 'ada@example.com' };
    const burst = await Promise.all(Array.from({ length: 5 }, () => limited.http.post(DEMOGRAPHICS).send(body)));
    expect(burst.map((res) => res.status).sort()).toEqual([200, 429, 429, 429, 429]);
    const refused = burst.find((res) => res.status === 429);
    expect(refused?.headers['retry-after']).toBe('1');
    expect(refused?.body).toMatchObject({ error: 'rate_limited', retry_after_seconds: 1 });
    // Another test suite (another header value) and another provider have buckets of their own.
    await limited.http.post(DEMOGRAPHICS).set('x-mock-knobs', '{"latencyMs":0}').send(body).expect(200);
    await limited.http.post(FIRMOGRAPHICS).send({ domain: 'acme.com' }).expect(200);
    const stats = await limited.http.get('/admin/stats').expect(200);
    expect(stats.body.providers.demographics).toEqual({ ok: 2, not_found: 0, rate_limited: 4, failed: 0, invalid: 0 });
  });

  it('answers 404 with notFoundRate=1 and 503 with failureRate=1 from the server defaults', async () => {
    const unknown = await start({ notFoundRate: 1 });
    await unknown.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(404);
    const failing = await start({ failureRate: 1 });
    const res = await failing.http.post(FIRMOGRAPHICS).send({ company: 'Acme' }).expect(503);
    expect(res.body).toEqual({ error: 'provider_unavailable', message: expect.any(String) });
  });

  it('waits for the configured latency', async () => {
    const slow = await start({ latencyMs: 60 });
    const started = performance.now();
    await slow.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('lets admins change knobs per provider, see stats, and reset', async () => {
    const initial = await mock.http.get('/admin/providers').expect(200);
    expect(initial.body.providers.map((provider: { name: string }) => provider.name)).toEqual(ALL_PROVIDERS);
    expect(initial.body.providers[0]).toEqual({
      name: 'demographics',
      provider: 'mock-demographics',
      path: DEMOGRAPHICS,
      knobs: quiet,
      overrides: {},
    });

    const updated = await mock.http.put('/admin/providers/demographics/knobs').send({ failureRate: 1 }).expect(200);
    expect(updated.body.knobs).toEqual({ ...quiet, failureRate: 1 });
    await mock.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(503);
    await mock.http.post(FIRMOGRAPHICS).send({ domain: 'acme.com' }).expect(200);
    await mock.http.post(DEMOGRAPHICS).send({ email: 'bad' }).expect(400);

    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(stats.body).toEqual({
      providers: {
        demographics: { ok: 0, not_found: 0, rate_limited: 0, failed: 1, invalid: 1 },
        firmographics: { ok: 1, not_found: 0, rate_limited: 0, failed: 0, invalid: 0 },
        ...Object.fromEntries(
          ALL_PROVIDERS.filter((name) => name !== 'demographics' && name !== 'firmographics').map((name) => [
            name,
            { ok: 0, not_found: 0, rate_limited: 0, failed: 0, invalid: 0 },
          ]),
        ),
      },
      // The simulated vendors' counters (src/vendors) have their own key.
      vendors: expect.any(Object),
    });

    await mock.http.post('/admin/reset').expect(200, { status: 'reset' });
    await mock.http.post(DEMOGRAPHICS).send({ email: 'ada@example.com' }).expect(200);
    const after = await mock.http.get('/admin/stats').expect(200);
    expect(after.body.providers.demographics).toEqual({ ok: 1, not_found: 0, rate_limited: 0, failed: 0, invalid: 0 });
    expect((await mock.http.get('/admin/providers')).body.providers[0].overrides).toEqual({});
  });

  it('refuses bad admin knobs and unknown providers', async () => {
    const bad = await mock.http.put('/admin/providers/demographics/knobs').send({ failureRate: 3, latencyMs: -1 }).expect(400);
    expect(bad.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['failureRate', 'latencyMs']);
    await mock.http.put('/admin/providers/demographics/knobs').send({ bogus: 1 }).expect(400);
    const unknown = await mock.http.put('/admin/providers/horoscope/knobs').send({ failureRate: 1 }).expect(404);
    expect(unknown.body.error).toBe('unknown_provider');
  });

  it('reports health', async () => {
    await mock.http.get('/health').expect(200, { status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document of every route', async () => {
    const res = await mock.http.get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/admin/inference',
        '/admin/inference/{name}/knobs',
        '/admin/providers',
        '/admin/providers/{name}/knobs',
        '/admin/reset',
        '/admin/stats',
        '/admin/vendors',
        '/admin/vendors/{name}/knobs',
        '/admin/vendors/{name}/credits',
        '/health',
        '/openapi.json',
        DEMOGRAPHICS,
        PEOPLE_DATA,
        FIRMOGRAPHICS,
        COMPANY_REGISTRY,
        '/v1/providers/email-finder/lookup',
        '/v1/providers/phone-finder/lookup',
        '/v1/providers/search/query',
        '/v1/providers/crawl/fetch',
        '/v1/providers/extract/fields',
        '/v5/person/enrich',
        '/v2/email-finder',
        '/v2/companies/find',
        '/inference/fraud',
        '/inference/retry-strategy',
        '/inference/churn',
      ].sort(),
    );
    const lookup = res.body.paths[DEMOGRAPHICS].post;
    expect(lookup.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DemographicsLookupRequest' });
    expect(lookup.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DemographicsLookupResponse',
    });
    expect(Object.keys(lookup.responses).sort()).toEqual(['200', '400', '404', '429', '503']);
    expect(lookup.parameters).toEqual([{ $ref: '#/components/parameters/MockKnobsHeader' }, { $ref: '#/components/parameters/ApiKeyHeader' }]);
    expect(res.body.components.parameters.MockKnobsHeader).toMatchObject({ name: 'x-mock-knobs', in: 'header' });
    expect(res.body.components.parameters.ApiKeyHeader).toMatchObject({ name: 'x-api-key', in: 'header' });
    expect(res.body.components.schemas.KnobsHeader.properties.providers.additionalProperties).toEqual({ $ref: '#/components/schemas/KnobsOverride' });
    expect(res.body.paths['/admin/stats'].get.parameters).toContainEqual(expect.objectContaining({ name: 'api_key', in: 'query' }));
    expect(res.body.components.schemas.PeopleDataLookupRequest.required).toEqual(['email']);
    expect(res.body.components.schemas.CompanyRegistryLookupRequest.required).toEqual(['company']);
    expect(res.body.components.schemas.CompanyRegistryLookupResponse).toBeDefined();
    expect(res.body.components.schemas.DemographicsLookupRequest.required).toEqual(['email']);
    expect(res.body.components.schemas.KnobsOverride.properties).toHaveProperty('failureRate');
  });
});
