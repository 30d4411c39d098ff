import { DEV_DEFAULTS } from '@enrich/config';
import { EMPTY_COUNTS, type Sealed, type WebhookEvent } from '@enrich/domain';
import { cloneDatabase, type ClonedDatabase } from './clone-database';
import { TenantRepository } from './tenant.repository';
import { WebhookRepository } from './webhook.repository';

describe('WebhookRepository (PostgreSQL)', () => {
  let db: ClonedDatabase;
  let webhooks: WebhookRepository;
  let acme: string;
  let globex: string;
  const secret = { $sealed: 1, kid: 'k', wk: 'd2s=', iv: 'aXY=', ct: 'Y3Q=' } as Sealed<string>;
  const event = (jobId: string): WebhookEvent => ({
    type: 'job.completed',
    timestamp: '2026-12-01T10:00:00.000Z',
    data: { jobId, status: 'COMPLETED', counts: EMPTY_COUNTS, links: { self: `/v1/jobs/${jobId}`, results: `/v1/jobs/${jobId}/results` } },
  });

  beforeAll(async () => {
    // The run's server and migrated template as `@enrich/testing` reads them: that lib depends on this one, so its tests cannot use it.
    db = await cloneDatabase(process.env.DATABASE_URL || DEV_DEFAULTS.databaseUrl, process.env.TEST_TEMPLATE_DATABASE || 'enrich_template');
    webhooks = new WebhookRepository(db.prisma);
    const tenants = new TenantRepository(db.prisma);
    acme = (await tenants.create({ slug: 'acme', name: 'Acme' })).id;
    globex = (await tenants.create({ slug: 'globex', name: 'Globex' })).id;
  });
  afterAll(() => db?.drop());

  it('keeps endpoints to their tenant and their secret sealed, out of every record', async () => {
    const endpoint = await webhooks.createEndpoint(acme, { url: 'https://hooks.example.com/a', events: ['job.completed', 'job.failed'], secret });
    expect(endpoint).toMatchObject({ tenantId: acme, url: 'https://hooks.example.com/a', events: ['job.completed', 'job.failed'], description: null });
    expect(JSON.stringify(await webhooks.endpoints(acme))).not.toContain('$sealed');
    expect(await webhooks.endpoint(globex, endpoint.id)).toBeUndefined();
    expect(await webhooks.rotateSecret(globex, endpoint.id, secret)).toBeUndefined();
    expect(await webhooks.deleteEndpoint(globex, endpoint.id)).toBe(false);
    expect((await webhooks.subscribers(acme, 'job.failed')).map((e) => e.id)).toContain(endpoint.id);
    expect((await webhooks.subscribers(acme, 'enrichment_request.completed')).map((e) => e.id)).not.toContain(endpoint.id);
    expect(await webhooks.subscribers(globex, 'job.failed')).toEqual([]);
  });

  it('makes one delivery per endpoint and event however often it is asked, with every attempt numbered in order', async () => {
    const endpoint = await webhooks.createEndpoint(acme, { url: 'https://hooks.example.com/b', events: ['job.completed'], secret });
    const first = await webhooks.createDeliveries({ tenantId: acme, subjectId: 'job-1', payload: event('job-1') }, [endpoint]);
    const again = await webhooks.createDeliveries({ tenantId: acme, subjectId: 'job-1', payload: { ...event('job-1'), timestamp: 'later' } }, [endpoint]);
    expect(again).toEqual(first);
    expect(first[0]).toMatch(/^msg_[A-Za-z0-9_-]{43}$/);
    const id = first[0] as string;
    const target = await webhooks.target(id);
    expect(target).toMatchObject({ url: 'https://hooks.example.com/b', secret, delivery: { status: 'PENDING', attemptCount: 0, payload: event('job-1') } });

    const startedAt = new Date();
    expect(await webhooks.recordAttempt(id, { startedAt, statusCode: 500, latencyMs: 12.4, error: 'answered 500', delivered: false })).toBe(1);
    expect(await webhooks.recordAttempt(id, { startedAt, statusCode: 200, latencyMs: 8, error: null, delivered: true })).toBe(2);
    const [delivery] = await webhooks.deliveries(acme, endpoint.id, { limit: 10 });
    expect(delivery).toMatchObject({ id, status: 'DELIVERED', attemptCount: 2, deliveredAt: expect.any(Date) });
    expect(delivery?.attempts.map((a) => [a.attempt, a.statusCode, a.latencyMs, a.error])).toEqual([
      [1, 500, 12, 'answered 500'],
      [2, 200, 8, null],
    ]);
    expect(await webhooks.deliveries(globex, endpoint.id, { limit: 10 })).toEqual([]);
    expect(await webhooks.delivery(globex, endpoint.id, id)).toBeUndefined();

    // A redelivery shows PENDING from its start, unless its first attempt has been recorded already.
    await webhooks.markRedelivering(id, 1);
    expect((await webhooks.delivery(acme, endpoint.id, id))?.status).toBe('DELIVERED');
    await webhooks.markRedelivering(id, 2);
    expect((await webhooks.delivery(acme, endpoint.id, id))?.status).toBe('PENDING');
    await webhooks.markFailed(id);
    expect((await webhooks.delivery(acme, endpoint.id, id))?.status).toBe('FAILED');

    expect(await webhooks.deleteEndpoint(acme, endpoint.id)).toBe(true);
    expect(await webhooks.target(id)).toBeUndefined();
    expect(await webhooks.recordAttempt(id, { startedAt, statusCode: 200, latencyMs: 1, error: null, delivered: true })).toBeUndefined();
  });

  it('pages deliveries newest first by keyset', async () => {
    const endpoint = await webhooks.createEndpoint(acme, { url: 'https://hooks.example.com/c', events: ['job.completed'], secret });
    for (const jobId of ['j1', 'j2', 'j3']) await webhooks.createDeliveries({ tenantId: acme, subjectId: jobId, payload: event(jobId) }, [endpoint]);
    const page1 = await webhooks.deliveries(acme, endpoint.id, { limit: 2 });
    const last = page1.at(-1) as (typeof page1)[number];
    const page2 = await webhooks.deliveries(acme, endpoint.id, { before: { createdAt: last.createdAt, id: last.id }, limit: 2 });
    const listed = [...page1, ...page2];
    expect(listed.map((d) => d.payload.data.jobId).sort()).toEqual(['j1', 'j2', 'j3']);
    // Newest first (deliveries made within the same millisecond in the order of their ids).
    const times = listed.map((d) => d.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
