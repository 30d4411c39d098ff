import { createMockEnrichmentApp } from '../app';
import { QUIET, startMock, stopMocks, VENDOR_KEY, type RunningMock } from '../test-support/mock-server';
import { firstValues } from './routes';
import { parseVendorKnobsHeader } from './vendor';

const PDL = '/v5/person/enrich';
const VENDORS = ['pdl-person', 'hunter-email-finder', 'clearbit-company'];

afterAll(stopMocks);

describe('vendors: knobs, credits, counters and contract', () => {
  let mock: RunningMock;
  beforeAll(async () => {
    mock = await startMock();
  });
  beforeEach(() => {
    mock.reset();
  });

  const pdl = () => mock.http.get(PDL).set('X-Api-Key', VENDOR_KEY).query({ email: 'ada@example.com' });

  it('lists the vendors with their knobs, credits and counters', async () => {
    const res = await mock.http.get('/admin/vendors').expect(200);
    expect(res.body.vendors.map((vendor: { name: string }) => vendor.name)).toEqual(VENDORS);
    expect(res.body.vendors[0]).toEqual({
      name: 'pdl-person',
      vendor: 'People Data Labs Person Enrichment API v5',
      method: 'GET',
      path: PDL,
      real_base_url: 'https://api.peopledatalabs.com',
      auth: expect.stringContaining('X-Api-Key'),
      docs: expect.stringMatching(/^https:\/\/docs\.peopledatalabs\.com\//),
      knobs: { ...QUIET, malformedRate: 0, malformedKind: 'any' },
      credits: { remaining: null, billed: 0 },
      counts: { calls: 0, ok: 0, not_found: 0, malformed: 0, unauthorized: 0, invalid: 0, rate_limited: 0, out_of_credits: 0, failed: 0, billed: 0 },
    });
    // The common knob listing shows them apart from the providers.
    const providers = await mock.http.get('/admin/providers').expect(200);
    expect(providers.body.vendors.map((vendor: { name: string }) => vendor.name)).toEqual(VENDORS);
    expect(providers.body.providers.map((provider: { name: string }) => provider.name)).not.toContain('pdl-person');
  });

  it('takes common and vendor-only knobs through PUT /admin/vendors/:name/knobs, and null drops them', async () => {
    const set = await mock.http.put('/admin/vendors/pdl-person/knobs').send({ notFoundRate: 1, malformedRate: 0.5 }).expect(200);
    expect(set.body.knobs).toMatchObject({ notFoundRate: 1, malformedRate: 0.5, malformedKind: 'any' });
    expect(mock.simulator.knobs('pdl-person').notFoundRate).toBe(1);
    await pdl().expect(404);
    const dropped = await mock.http.put('/admin/vendors/pdl-person/knobs').send({ notFoundRate: null, malformedRate: null }).expect(200);
    expect(dropped.body.knobs).toMatchObject({ notFoundRate: 0, malformedRate: 0 });
    await pdl().expect(200);
    const bad = await mock.http.put('/admin/vendors/pdl-person/knobs').send({ malformedRate: 2, typo: 1 }).expect(400);
    expect(bad.body.error).toBe('invalid_request');
    const unknown = await mock.http.put('/admin/vendors/horoscope/knobs').send({}).expect(404);
    expect(unknown.body).toMatchObject({ error: 'unknown_provider', providers: VENDORS });
  });

  it('validates credits, and reset makes them unlimited again and clears counters and knobs', async () => {
    await mock.http.put('/admin/vendors/pdl-person/credits').send({ remaining: -1 }).expect(400);
    await mock.http.put('/admin/vendors/pdl-person/credits').send({}).expect(400);
    await mock.http.put('/admin/vendors/pdl-person/credits').send({ remaining: 0 }).expect(200);
    await mock.http.put('/admin/vendors/pdl-person/knobs').send({ failureRate: 1 }).expect(200);
    await pdl().expect(402);
    await mock.http.post('/admin/reset').expect(200);
    await pdl().expect(200);
    const listed = await mock.http.get('/admin/vendors').expect(200);
    expect(listed.body.vendors[0]).toMatchObject({ knobs: QUIET, credits: { remaining: null, billed: 1 }, counts: { calls: 1, ok: 1 } });
  });

  it('answers the mock’s own 400 to a bad x-mock-knobs or x-mock-vendor-knobs header, and counts it', async () => {
    const knobs = await pdl().set('x-mock-knobs', '{"providers":{"horoscope":{}}}').expect(400);
    expect(knobs.body.issues[0]).toEqual({ path: 'x-mock-knobs.providers.horoscope', message: expect.stringContaining('pdl-person') });
    const vendorKnobs = await pdl().set('x-mock-vendor-knobs', '{"malformedKind":"gzip"}').expect(400);
    expect(vendorKnobs.body).toMatchObject({ error: 'invalid_request', issues: [{ path: 'x-mock-vendor-knobs.malformedKind' }] });
    await pdl().set('x-mock-vendor-knobs', 'nope').expect(400);
    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(stats.body.vendors['pdl-person']).toMatchObject({ calls: 3, invalid: 3 });
  });

  it('applies knobs configured for a vendor by name, and refuses unknown names', async () => {
    const configured = await startMock({ providerKnobs: { 'hunter-email-finder': { notFoundRate: 1 } } });
    const res = await configured.http.get('/v2/email-finder').query({ domain: 'acme.com', full_name: 'Ada Lovelace', api_key: VENDOR_KEY }).expect(200);
    expect(res.body.data.email).toBeNull();
    await configured.http.get(PDL).set('X-Api-Key', VENDOR_KEY).query({ email: 'ada@example.com' }).expect(200);
    expect(() => createMockEnrichmentApp({ seed: 's', defaultKnobs: QUIET, providerKnobs: { 'pdl-people': { notFoundRate: 1 } } })).toThrow(/pdl-person/);
  });

  it('counts the calls of each credential on their own', async () => {
    await pdl().expect(200);
    await mock.http.get('/v2/email-finder').query({ domain: 'acme.com', full_name: 'Ada Lovelace', api_key: 'someone-else' }).expect(401);
    await mock.http.get('/v2/companies/find').set('Authorization', `Bearer ${VENDOR_KEY}`).query({ domain: 'acme.com' }).expect(200);
    const own = await mock.http.get('/admin/stats').query({ api_key: VENDOR_KEY }).expect(200);
    expect(own.body.vendors).toMatchObject({ 'pdl-person': { calls: 1, ok: 1 }, 'hunter-email-finder': { calls: 0 }, 'clearbit-company': { calls: 1, ok: 1 } });
    const other = await mock.http.get('/admin/stats').query({ api_key: 'someone-else' }).expect(200);
    expect(other.body.vendors['hunter-email-finder']).toMatchObject({ calls: 1, unauthorized: 1 });
  });

  it('documents the vendor routes in the OpenAPI document with their query, security and responses', async () => {
    const res = await mock.http.get('/openapi.json').expect(200);
    const pdlOperation = res.body.paths[PDL].get;
    expect(pdlOperation.security).toEqual([{ PdlApiKeyHeader: [] }, { PdlApiKeyQuery: [] }]);
    expect(pdlOperation.parameters).toEqual(
      expect.arrayContaining([
        { $ref: '#/components/parameters/MockKnobsHeader' },
        { $ref: '#/components/parameters/MockVendorKnobsHeader' },
        expect.objectContaining({ name: 'email', in: 'query' }),
        expect.objectContaining({ name: 'min_likelihood', in: 'query' }),
      ]),
    );
    expect(Object.keys(pdlOperation.responses).sort()).toEqual(['200', '400', '401', '402', '404', '429', '503']);
    expect(pdlOperation.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PdlPersonEnrichResponse' });
    expect(pdlOperation.responses['429'].headers).toHaveProperty('retry-after');
    expect(Object.keys(res.body.paths['/v2/email-finder'].get.responses).sort()).toEqual(['200', '400', '401', '403', '429', '503']);
    expect(res.body.paths['/v2/companies/find'].get.security).toEqual([{ ClearbitBearer: [] }, { ClearbitBasic: [] }]);
    expect(res.body.components.securitySchemes.ClearbitBearer).toEqual({ type: 'http', scheme: 'bearer', description: expect.any(String) });
    expect(res.body.components.schemas.VendorKnobsHeader.properties).toHaveProperty('outOfCredits');
    expect(res.body.paths['/admin/providers/{name}/knobs'].put.parameters[0].schema.enum).toContain('clearbit-company');
  });
});

describe('vendor request helpers', () => {
  it('keeps the first value of repeated query parameters, trimmed, and drops empty ones', () => {
    expect(firstValues({ email: [' a@b.co ', 'c@d.co'], name: '', domain: 'acme.com', nested: { x: '1' } })).toEqual({ email: 'a@b.co', domain: 'acme.com' });
  });

  it('parses the x-mock-vendor-knobs header', () => {
    expect(parseVendorKnobsHeader(undefined)).toEqual({ success: true, knobs: {} });
    expect(parseVendorKnobsHeader('{"malformedRate":0.5,"outOfCredits":false}')).toEqual({ success: true, knobs: { malformedRate: 0.5, outOfCredits: false } });
    expect(parseVendorKnobsHeader('{"malformedRate":2}')).toMatchObject({ success: false, issues: [{ path: 'x-mock-vendor-knobs.malformedRate' }] });
  });
});
