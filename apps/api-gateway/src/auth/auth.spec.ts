import { API_SCOPES, EMPTY_COUNTS, jobFinishedEvent, type ApiScope, type WebhookEvent } from '@enrich/domain';
import { WebhookRepository, type Tenant } from '@enrich/db';
import { closeServer, listen } from '@enrich/http';
import { customersCsv } from '@enrich/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createGatewayApp, gatewayRoutes } from '../app';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';

/**
 * Who reaches what, over real HTTP with the real database: every route of the gateway's own route
 * table (so a route added later is covered without touching this file) against no key, a malformed
 * one, an unknown one, a revoked one, an expired one, a key missing a scope the route needs, and
 * another tenant's key.
 */
/** An erid of the fixture's tenant. */
const ERID = 'matrix-erid';

describe('authentication, scopes and tenancy on every /v1 route', () => {
  let fixture: GatewayFixture;
  let other: { tenant: Tenant; key: string };
  let jobId: string;
  /** A key of the fixture's tenant that the key routes act on (revoke, rotate). */
  let targetKeyId: string;
  /** A webhook endpoint of the fixture's tenant, and a delivery of it (the webhook routes act on them). */
  let endpointId: string;
  let deliveryId: string;
  const keysWithout = new Map<ApiScope, string>();
  let revokedKey: string;
  let expiredKey: string;

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0 }, maxUploadBytes: 1024 * 1024 });
    const globex = await fixture.tenants.create({ slug: 'globex', name: 'Globex' });
    other = { tenant: globex, key: (await fixture.keys.create(globex.id, { name: 'other tenant', scopes: API_SCOPES })).key };
    for (const scope of API_SCOPES) {
      const { key } = await fixture.keys.create(fixture.tenant.id, { name: `all but ${scope}`, scopes: API_SCOPES.filter((s) => s !== scope) });
      keysWithout.set(scope, key);
    }
    const revoked = await fixture.keys.create(fixture.tenant.id, { name: 'revoked', scopes: API_SCOPES });
    await fixture.keys.revoke(fixture.tenant.id, revoked.record.id);
    revokedKey = revoked.key;
    expiredKey = (await fixture.keys.create(fixture.tenant.id, { name: 'expired', scopes: API_SCOPES, expiresAt: new Date(Date.now() - 1_000) })).key;
    targetKeyId = (await fixture.keys.create(fixture.tenant.id, { name: 'target', scopes: ['read'] })).record.id;
    const submitted = await fixture
      .api()
      .post('/v1/jobs')
      .set('content-type', 'text/csv')
      .send(customersCsv({ rows: 5, seed: 3 }))
      .expect(202);
    jobId = submitted.body.id;
    await fixture
      .api()
      .post('/v1/enrichment-requests')
      .send({ erid: ERID, contact_list: [{ email: 'ada@acme.com', first_name: 'Ada' }], fields_to_be_enriched: ['professional_email'] })
      .expect(202);
    // Its receiver is the gateway itself: a redelivery is answered 404 and ends at once.
    const { port } = fixture.server.address() as AddressInfo;
    const endpoint = await fixture
      .api()
      .post('/v1/webhooks')
      .send({ url: `http://127.0.0.1:${port}/webhook-sink`, events: ['job.failed'] })
      .expect(201);
    endpointId = endpoint.body.id;
    const webhooks = new WebhookRepository(fixture.db.prisma);
    const payload = jobFinishedEvent({ jobId, erid: null, status: 'FAILED' }, EMPTY_COUNTS, new Date()) as WebhookEvent;
    const [made] = await webhooks.createDeliveries({ tenantId: fixture.tenant.id, subjectId: jobId, payload }, [{ id: endpointId }]);
    deliveryId = made as string;
    await webhooks.markFailed(deliveryId);
  }, 60_000);
  afterAll(() => fixture?.close());

  const routes = gatewayRoutes({
    jobs: undefined as never,
    pushRequests: undefined as never,
    keys: undefined as never,
    webhooks: undefined as never,
    maxUploadBytes: 0,
  }).map(({ method, path, scopes }) => ({ method, path, scopes }));

  /** The route's path with its parameters naming the fixture tenant's resources. */
  const concrete = (path: string, keyId = targetKeyId) =>
    path
      .replace(/^\/jobs\/:id/, `/jobs/${jobId}`)
      .replace(/^\/keys\/:id/, `/keys/${keyId}`)
      .replace(/^\/enrichment-requests\/:erid/, `/enrichment-requests/${ERID}`)
      .replace(/^\/webhooks\/:id/, `/webhooks/${endpointId}`)
      .replace(/\/deliveries\/:deliveryId/, `/deliveries/${deliveryId}`);
  const call = (route: (typeof routes)[number], authorization?: string, keyId?: string) => {
    const test = request(fixture.server)[route.method](`/v1${concrete(route.path, keyId)}`);
    return authorization === undefined ? test : test.set('authorization', authorization);
  };
  const label = routes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const);

  it('covers every route the gateway mounts, and each needs at least one scope', () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    for (const route of routes) expect(route.scopes.length).toBeGreaterThan(0);
  });

  describe.each(label)('%s', (_name, route) => {
    it('401 with a Bearer challenge without credentials, with a malformed, unknown, revoked or expired key', async () => {
      const unknown = `ek_${'0'.repeat(12)}_${'A'.repeat(43)}`;
      const answers = await Promise.all(
        [undefined, 'Basic dXNlcjpwYXNz', 'Bearer not-a-key', `Bearer ${unknown}`, `Bearer ${revokedKey}`, `Bearer ${expiredKey}`].map((header) =>
          call(route, header),
        ),
      );
      for (const answer of answers) {
        expect([answer.status, answer.body.error]).toEqual([401, 'unauthorized']);
        expect(answer.headers['www-authenticate']).toBe('Bearer realm="enrich"');
      }
      expect(answers[4]?.body.message).toContain('revoked');
      expect(answers[5]?.body.message).toContain('expired');
    });

    it('403 naming the scope when the key lacks one the route needs', async () => {
      for (const scope of route.scopes) {
        const answer = await call(route, `Bearer ${keysWithout.get(scope)}`);
        expect([answer.status, answer.body.error]).toEqual([403, 'forbidden']);
        expect(answer.body.message).toContain(scope);
      }
    });

    it("another tenant's key never reaches this tenant's resources", async () => {
      const answer = await call(route, `Bearer ${other.key}`);
      if (route.path.includes('/:')) {
        expect([answer.status, answer.body.error]).toEqual([404, 'not_found']);
      } else {
        expect([401, 403, 404]).not.toContain(answer.status);
        expect(JSON.stringify(answer.body)).not.toContain(jobId);
        expect(JSON.stringify(answer.body)).not.toContain(targetKeyId);
        expect(JSON.stringify(answer.body)).not.toContain(ERID);
      }
    });
  });

  it("the owner's key passes every route's guards (the answers are the routes' own)", async () => {
    const refused: string[] = [];
    for (const route of routes) {
      // Each key route acts on a key of its own: a revoked key cannot be rotated afterwards.
      const keyId = (await fixture.keys.create(fixture.tenant.id, { name: 'target', scopes: ['read'] })).record.id;
      const answer = await call(route, `Bearer ${fixture.apiKey}`, keyId);
      if ([401, 403, 404, 429].includes(answer.status) || answer.status >= 500) refused.push(`${route.method} ${route.path}: ${answer.status}`);
    }
    expect(refused).toEqual([]);
  });

  it('serves /health, /ready, /metrics, /openapi.json and the /docs page without credentials, and the document states each route’s scopes', async () => {
    await request(fixture.server).get('/health').expect(200, { status: 'ok' });
    const ready = await request(fixture.server).get('/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, temporal: { ok: true }, keys: { ok: true } } });
    await request(fixture.server).get('/v1/jobs').expect(401);
    const metrics = (await request(fixture.server).get('/metrics').expect(200)).text;
    // By route pattern and status, never by id or key.
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/ready",status="200",service="api-gateway"\} \d+/);
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="unmatched",status="401",service="api-gateway"\} \d+/);
    expect(metrics).not.toContain(fixture.apiKey);
    const { body } = await request(fixture.server).get('/openapi.json').expect(200);
    for (const route of routes) {
      const operation = body.paths[`/v1${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`]?.[route.method];
      expect(operation?.security).toEqual([{ apiKey: route.scopes }, { oidc: route.scopes }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
    expect(Object.keys(body.components.securitySchemes)).toEqual(['apiKey', 'oidc']);
    const docs = await request(fixture.server).get('/docs').expect(200);
    expect(docs.text).toContain('/docs/assets/swagger-ui-bundle.js');
    // Served by the app itself: no script or stylesheet from another origin.
    expect(docs.text).not.toMatch(/(src|href)="https?:/);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    await request(fixture.server)
      .get('/docs/assets/swagger-ui-bundle.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await request(fixture.server).get('/docs/init.js').expect(200);
  });

  it('a read-only key sees personal values redacted; a pii key sees them opened', async () => {
    const readOnly = (await fixture.keys.create(fixture.tenant.id, { name: 'reader', scopes: ['read'] })).key;
    const redacted = await request(fixture.server).get(`/v1/jobs/${jobId}/results`).set('authorization', `Bearer ${readOnly}`).expect(200);
    expect(redacted.body.redacted).toBe(true);
    expect(redacted.body.items[0]).toMatchObject({ input: { email: '[redacted]' }, cells: null });
    const opened = await fixture.api().get(`/v1/jobs/${jobId}/results`).expect(200);
    expect(opened.body.redacted).toBeUndefined();
    expect(opened.body.items[0].input.email).toMatch(/@/);
  });

  it('a key revoked through the admin routes is refused within seconds; a rotated key keeps working for its grace period', async () => {
    const admin = fixture.api();
    const made = await admin
      .post('/v1/keys')
      .send({ name: 'short-lived', scopes: ['read'] })
      .expect(201);
    expect(made.body.key).toMatch(/^ek_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const listed = await admin.get('/v1/keys').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.key);
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(made.body.id);
    await request(fixture.server).get('/v1/jobs').set('authorization', `Bearer ${made.body.key}`).expect(200);
    await admin.post(`/v1/keys/${made.body.id}/revoke`).expect(200);
    await eventually(async () => {
      await request(fixture.server).get('/v1/jobs').set('authorization', `Bearer ${made.body.key}`).expect(401);
    }, 10_000);

    const old = await admin
      .post('/v1/keys')
      .send({ name: 'rotating', scopes: ['read'] })
      .expect(201);
    const rotated = await admin.post(`/v1/keys/${old.body.id}/rotate`).send({ graceSeconds: 600 }).expect(201);
    expect(rotated.body).toMatchObject({ name: 'rotating', scopes: ['read'], replaces: { id: old.body.id } });
    for (const key of [old.body.key, rotated.body.key]) await request(fixture.server).get('/v1/jobs').set('authorization', `Bearer ${key}`).expect(200);
  });

  it('rate limits each key per window in the database, across gateway instances: 429 with Retry-After and RateLimit headers', async () => {
    const limited = await fixture.tenants.create({ slug: 'initech', name: 'Initech', rateLimitPerMinute: 4 });
    const key = (await fixture.keys.create(limited.id, { name: 'limited', scopes: ['read'] })).key;
    const second: Server = await listen(createGatewayApp(fixture.appDeps), 0, '127.0.0.1', { headersMs: 20_000, requestMs: 60_000, idleMs: 60_000 });
    try {
      // Four requests fit in a window whichever instance serves them; the fifth is refused. A window
      // that turns over mid-way (the minute changes) starts the count again: then try once more.
      let refused: request.Response | undefined;
      for (let attempt = 0; attempt < 2 && !refused; attempt++) {
        const answers: request.Response[] = [];
        for (let i = 0; i < 5; i++) {
          answers.push(
            await request(i % 2 === 0 ? fixture.server : second)
              .get('/v1/jobs')
              .set('authorization', `Bearer ${key}`),
          );
        }
        const remaining = answers.map((a) => Number(/r=(\d+)/.exec(String(a.headers['ratelimit']))?.[1]));
        const sameWindow = remaining.every((r, i) => i === 0 || r <= (remaining[i - 1] as number));
        if (!sameWindow) continue;
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
        expect(remaining).toEqual([3, 2, 1, 0, 0]);
        refused = answers[4];
      }
      expect(refused?.body.error).toBe('rate_limited');
      expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused?.headers['ratelimit-policy']).toBe('"per-key";q=4;w=60');
      // Another key, of another tenant, is not affected.
      await fixture.api().get('/v1/jobs').expect(200);
    } finally {
      await closeServer(second);
    }
  });
});

async function eventually(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
