import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createMockEnrichmentApp } from './app';
import type { Knobs } from './knobs';
import { crawlProvider, emailFinderProvider, extractProvider, phoneFinderProvider, searchProvider, WEB_FIELDS, type WebField } from './providers';

const quiet: Knobs = { latencyMs: 0, jitterMs: 0, failureRate: 0, notFoundRate: 0, rateLimitPerSecond: 0 };
const servers: Server[] = [];

/** Starts the app on an ephemeral port and talks to it over real HTTP. */
async function start(knobs: Partial<Knobs> = {}, seed = 'component-seed'): Promise<TestAgent> {
  const mock = createMockEnrichmentApp({ seed, defaultKnobs: { ...quiet, ...knobs } });
  const server = mock.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
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

const EMAIL = '/v1/providers/email-finder/lookup';
const PHONE = '/v1/providers/phone-finder/lookup';
const SEARCH = '/v1/providers/search/query';
const CRAWL = '/v1/providers/crawl/fetch';
const EXTRACT = '/v1/providers/extract/fields';

interface Extracted {
  field: WebField;
  value: string | number | null;
  confidence: number;
}

describe('email, phone, search, crawl and extract over HTTP', () => {
  let http: TestAgent;
  beforeAll(async () => {
    http = await start();
  });

  /** Search, crawl the top `pages` results, extract every field; best confidence per field. */
  async function research(query: string, company: string, pages: number): Promise<Map<WebField, Extracted>> {
    const search = await http.post(SEARCH).send({ query, company }).expect(200);
    const best = new Map<WebField, Extracted>();
    for (const result of search.body.results.slice(0, pages) as Array<{ url: string }>) {
      const page = await http.post(CRAWL).send({ url: result.url }).expect(200);
      const extracted = await http.post(EXTRACT).send({ html: page.body.html, fields: WEB_FIELDS }).expect(200);
      for (const found of extracted.body.fields as Extracted[]) {
        if ((best.get(found.field)?.confidence ?? -1) < found.confidence) best.set(found.field, found);
      }
    }
    return best;
  }

  it('answers every new provider with a body its schema accepts', async () => {
    const email = await http.post(EMAIL).send({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com' }).expect(200);
    expect(emailFinderProvider.responseSchema.parse(email.body)).toEqual(email.body);
    expect(email.body.attributes.work_email).toMatch(/@acme\.com$/);
    const phone = await http.post(PHONE).send({ first_name: 'Ada', last_name: 'Lovelace', company: 'Acme' }).expect(200);
    expect(phoneFinderProvider.responseSchema.parse(phone.body)).toEqual(phone.body);
    const search = await http.post(SEARCH).send({ query: 'Acme Widgets' }).expect(200);
    expect(searchProvider.responseSchema.parse(search.body)).toEqual(search.body);
    expect(search.body.results.length).toBeGreaterThanOrEqual(5);
    expect(search.body.results.length).toBeLessThanOrEqual(8);
    expect(search.body.results[0]).toMatchObject({ url: 'https://acme-widgets.example/', rank: 1 });
    const page = await http.post(CRAWL).send({ url: 'http://www.acme-widgets.example/about/' }).expect(200);
    expect(crawlProvider.responseSchema.parse(page.body)).toEqual(page.body);
    expect(page.body).toMatchObject({ provider: 'mock-crawl', url: 'https://acme-widgets.example/about', status: 200, content_type: 'text/html' });
    const extracted = await http
      .post(EXTRACT)
      .send({ html: page.body.html, fields: ['industry', 'founded_year', 'industry'] })
      .expect(200);
    expect(extractProvider.responseSchema.parse(extracted.body)).toEqual(extracted.body);
    expect(extracted.body.fields).toEqual([
      { field: 'industry', value: expect.any(String), confidence: expect.any(Number) },
      { field: 'founded_year', value: null, confidence: 0 },
    ]);
    expect(extracted.body.fields[0].confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('answers byte-identically across app instances with the same seed, differently with another', async () => {
    const calls: Array<[string, object]> = [
      [EMAIL, { first_name: 'Grace', last_name: 'Hopper', domain: 'globex.io' }],
      [PHONE, { email: 'grace@globex.io' }],
      [SEARCH, { query: 'globex employees', domain: 'https://www.globex.io' }],
      [CRAWL, { url: 'https://globex.example/news' }],
      [EXTRACT, { html: '<p>Founded in 1999 with 40 employees</p>', fields: ['founded_year', 'headcount'] }],
    ];
    const twin = await start();
    const other = await start({}, 'another-seed');
    for (const [path, body] of calls) {
      const first = await http.post(path).send(body).expect(200);
      expect((await twin.post(path).send(body).expect(200)).text).toBe(first.text);
      if (path !== EXTRACT) expect((await other.post(path).send(body).expect(200)).text).not.toBe(first.text);
    }
  });

  it('answers 400 naming the bad fields', async () => {
    const email = await http.post(EMAIL).send({ first_name: 'Ada', domain: 'nope' }).expect(400);
    expect(email.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['domain', 'last_name']);
    const phone = await http.post(PHONE).send({}).expect(400);
    expect(phone.body.issues).toEqual([{ path: 'email', message: 'email, or first_name, last_name and company, is required' }]);
    const search = await http.post(SEARCH).send({ query: 'founded year' }).expect(400);
    expect(search.body.issues).toEqual([{ path: 'query', message: expect.stringMatching(/company/) }]);
    expect((await http.post(SEARCH).send({ query: '' }).expect(400)).body.issues[0].path).toBe('query');
    expect((await http.post(CRAWL).send({ url: 'mailto:a@b.co' }).expect(400)).body.issues).toEqual([{ path: 'url', message: 'must be an http(s) URL' }]);
    const extract = await http
      .post(EXTRACT)
      .send({ html: '<p>x</p>', fields: ['headcount', 'revenue'] })
      .expect(400);
    expect(extract.body.issues.map((issue: { path: string }) => issue.path)).toEqual(['fields.1']);
  });

  it('crawls only the simulated web: other hosts and paths are 404', async () => {
    for (const url of ['https://acme.com/', 'https://acme.example/secret', 'https://linkedin.example/in/ada']) {
      const res = await http.post(CRAWL).send({ url }).expect(404);
      expect(res.body).toMatchObject({ error: 'not_found' });
    }
  });

  it('applies knobs, the x-mock-knobs header and stats to the new providers', async () => {
    const limited = await start({ rateLimitPerSecond: 1 });
    const burst = await Promise.all(Array.from({ length: 3 }, () => limited.post(SEARCH).send({ query: 'Acme' })));
    expect(burst.map((res) => res.status).sort()).toEqual([200, 429, 429]);
    expect(burst.find((res) => res.status === 429)?.headers['retry-after']).toBe('1');
    await limited.post(CRAWL).set('x-mock-knobs', '{"failureRate":1}').send({ url: 'https://acme.example/' }).expect(503);
    await limited
      .post(EXTRACT)
      .set('x-mock-knobs', '{"notFoundRate":1}')
      .send({ html: '<p>x</p>', fields: ['industry'] })
      .expect(404);
    await limited.put('/admin/providers/email-finder/knobs').send({ failureRate: 1 }).expect(200);
    await limited.post(EMAIL).send({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com' }).expect(503);
    await limited.post(PHONE).send({ email: 'bad' }).expect(400);
    const stats = (await limited.get('/admin/stats').expect(200)).body.providers;
    expect(stats.search).toEqual({ ok: 1, not_found: 0, rate_limited: 2, failed: 0, invalid: 0 });
    expect(stats.crawl.failed).toBe(1);
    expect(stats.extract.not_found).toBe(1);
    expect(stats['email-finder'].failed).toBe(1);
    expect(stats['phone-finder'].invalid).toBe(1);
    const slow = await start({ latencyMs: 60 });
    const started = performance.now();
    await slow.post(CRAWL).send({ url: 'https://acme.example/' }).expect(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('documents the new endpoints in /openapi.json', async () => {
    const doc = (await http.get('/openapi.json').expect(200)).body;
    const expected: Array<[string, string, string]> = [
      [EMAIL, 'emailFinderLookup', 'EmailFinderLookup'],
      [PHONE, 'phoneFinderLookup', 'PhoneFinderLookup'],
      [SEARCH, 'searchQuery', 'SearchQuery'],
      [CRAWL, 'crawlFetch', 'CrawlFetch'],
      [EXTRACT, 'extractFields', 'ExtractFields'],
    ];
    for (const [path, operationId, stem] of expected) {
      const operation = doc.paths[path].post;
      expect(operation.operationId).toBe(operationId);
      expect(operation.requestBody.content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${stem}Request` });
      expect(operation.responses['200'].content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${stem}Response` });
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '404', '429', '503']);
      expect(operation.parameters).toContainEqual({ $ref: '#/components/parameters/MockKnobsHeader' });
    }
    expect(doc.components.schemas.EmailFinderLookupRequest.required.sort()).toEqual(['domain', 'first_name', 'last_name']);
    expect(doc.components.schemas.ExtractFieldsRequest.properties.fields.items.enum).toEqual([...WEB_FIELDS]);
    expect(doc.paths[CRAWL].post.responses['404'].description).toMatch(/linkedin\.example/);
  });

  it('lets a feedback loop find a field that a generic search misses by searching for it', async () => {
    const terms: Record<WebField, string> = {
      company_description: 'about',
      industry: 'industry',
      headcount: 'employees',
      founded_year: 'founded year',
      linkedin_url: 'linkedin',
    };
    for (const company of ['Acme', 'Globex Corporation', 'Initech']) {
      const generic = await research(company, company, 3);
      const weak = WEB_FIELDS.filter((field) => (generic.get(field)?.confidence ?? 0) < 0.6);
      expect(weak.length).toBeGreaterThanOrEqual(1);
      for (const field of weak) {
        const targeted = await research(`${company} ${terms[field]}`, company, 1);
        expect(targeted.get(field)).toEqual({ field, value: expect.anything(), confidence: expect.any(Number) });
        expect(targeted.get(field)?.confidence).toBeGreaterThanOrEqual(0.8);
      }
    }
  });
});
