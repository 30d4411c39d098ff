import { WebhookRepository } from '@enrich/db';
import { listen, SMALL_REQUEST_TIMEOUTS } from '@enrich/http';
import { customersCsv, testCodec } from '@enrich/testing';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import request from 'supertest';
import { createGatewayApp } from '../app';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';
import { WebhooksService } from './webhooks.service';

/** One request a receiver got. */
interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records every request and answers `answer(index)`. */
class Receiver {
  private constructor(
    private readonly server: Server,
    readonly received: Received[],
  ) {}

  static async start(answer: (index: number) => number = () => 200): Promise<Receiver> {
    const received: Received[] = [];
    const server = await listen(
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.statusCode = answer(received.length);
          received.push({ headers: flat(req.headers), body: Buffer.concat(chunks).toString('utf8') });
          res.end(res.statusCode >= 300 ? 'receiver says no' : '');
        });
      },
      0,
      '127.0.0.1',
      SMALL_REQUEST_TIMEOUTS,
    );
    return new Receiver(server, received);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Waits until `count` requests have come. */
  async requests(count: number): Promise<Received[]> {
    await until(() => this.received.length >= count, `${count} request(s) at ${this.url}, got ${this.received.length}`);
    return this.received;
  }

  close(): void {
    this.server.close();
  }
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
}

async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Webhooks over real HTTP end to end: endpoints registered through the gateway, events emitted by
 * the real worker when jobs end, delivered by their workflows to receivers on 127.0.0.1 that
 * verify the Standard Webhooks signature with the `standardwebhooks` library.
 */
describe('webhooks', () => {
  let fixture: GatewayFixture;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 }, maxUploadBytes: 1024 * 1024 });
  }, 60_000);
  afterAll(async () => {
    for (const receiver of receivers) receiver.close();
    await fixture?.close();
  });

  const receiver = async (answer?: (index: number) => number) => {
    const started = await Receiver.start(answer);
    receivers.push(started);
    return started;
  };
  const register = async (to: Receiver, events: string[]) =>
    (await fixture.api().post('/v1/webhooks').send({ url: to.url, events, description: 'tests' }).expect(201)).body as { id: string; secret: string };
  const submitJob = async (seed: number) =>
    (
      await fixture
        .api()
        .post('/v1/jobs')
        .set('content-type', 'text/csv')
        .send(customersCsv({ rows: 3, seed }))
        .expect(202)
    ).body.id as string;
  const deliveries = async (endpointId: string) => (await fixture.api().get(`/v1/webhooks/${endpointId}/deliveries`).expect(200)).body.items;
  const settled = async (endpointId: string, status: string) => {
    await until(async () => (await deliveries(endpointId))[0]?.status === status, `a ${status} delivery of ${endpointId}`);
    return deliveries(endpointId);
  };
  const verify = (secret: string, received: Received) => new Webhook(secret).verify(received.body, received.headers);

  it('delivers job.completed after a CSV job, signed with the secret shown once: ids and counts, no personal data', async () => {
    const to = await receiver();
    const endpoint = await register(to, ['job.completed']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await fixture.api().get('/v1/webhooks').expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: endpoint.id, url: to.url, events: ['job.completed'], description: 'tests' })]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    const jobId = await submitJob(11);
    const [sent] = await to.requests(1);
    expect(verify(endpoint.secret, sent as Received)).toEqual({
      type: 'job.completed',
      timestamp: expect.any(String),
      data: {
        jobId,
        status: 'COMPLETED',
        counts: expect.objectContaining({ total: 3, pending: 0 }),
        links: { self: `/v1/jobs/${jobId}`, results: `/v1/jobs/${jobId}/results` },
      },
    });
    expect(sent?.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': expect.stringMatching(/^msg_[A-Za-z0-9_-]{43}$/) });
    expect(sent?.body).not.toContain('@');

    const [delivery] = await settled(endpoint.id, 'DELIVERED');
    expect(delivery).toMatchObject({ id: sent?.headers['webhook-id'], eventType: 'job.completed', status: 'DELIVERED', attemptCount: 1 });
    expect(delivery.attempts).toEqual([{ attempt: 1, startedAt: expect.any(String), statusCode: 200, latencyMs: expect.any(Number), error: null }]);
    await fixture.api().delete(`/v1/webhooks/${endpoint.id}`).expect(204);
    await fixture.api().get(`/v1/webhooks/${endpoint.id}/deliveries`).expect(404);
  }, 60_000);

  it('delivers enrichment_request.completed once an erid closes', async () => {
    const to = await receiver();
    const endpoint = await register(to, ['enrichment_request.completed']);
    const pushed = await fixture
      .api()
      .post('/v1/enrichment-requests')
      .send({ erid: 'hooked', contact_list: [{ email: 'ada@acme.com' }, { email: 'grace@acme.com' }], fields_to_be_enriched: ['professional_email'] })
      .expect(202);
    await fixture.api().post('/v1/enrichment-requests/hooked/close').expect(200);
    const [sent] = await to.requests(1);
    expect(verify(endpoint.secret, sent as Received)).toMatchObject({
      type: 'enrichment_request.completed',
      data: { jobId: pushed.body.jobId, erid: 'hooked', status: 'COMPLETED', counts: { total: 2 }, links: { self: '/v1/enrichment-requests/hooked' } },
    });
    await settled(endpoint.id, 'DELIVERED');
    await fixture.api().delete(`/v1/webhooks/${endpoint.id}`).expect(204);
  }, 60_000);

  it('retries a receiver that fails, delivering exactly once when it recovers; every attempt listed; redelivery on request keeps the webhook-id', async () => {
    const to = await receiver((index) => (index < 2 ? 500 : 204));
    const endpoint = await register(to, ['job.completed', 'job.failed']);
    await submitJob(12);
    const [delivery] = await settled(endpoint.id, 'DELIVERED');
    // Nothing more comes once it is delivered.
    await sleep(1_500);
    expect(to.received).toHaveLength(3);
    expect(new Set(to.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    for (const sent of to.received) expect(verify(endpoint.secret, sent)).toMatchObject({ type: 'job.completed' });
    expect(delivery.attempts.map((a: { attempt: number; statusCode: number; error: string | null }) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, 'answered 500: receiver says no'],
      [2, 500, 'answered 500: receiver says no'],
      [3, 204, null],
    ]);
    for (const attempt of delivery.attempts) expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);

    const redelivered = await fixture.api().post(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`).expect(202);
    expect(redelivered.body).toEqual({ deliveryId: delivery.id, workflowId: `webhook-${delivery.id}-r3` });
    const [, , , again] = await to.requests(4);
    expect(again?.headers['webhook-id']).toBe(delivery.id);
    expect(verify(endpoint.secret, again as Received)).toMatchObject({ type: 'job.completed' });
    await until(async () => (await deliveries(endpoint.id))[0]?.attemptCount === 4, 'the redelivery recorded');
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ status: 'DELIVERED', attemptCount: 4 });
    await fixture.api().delete(`/v1/webhooks/${endpoint.id}`).expect(204);
  }, 60_000);

  it('stops at a 4xx such as 410 Gone; a delivery still being retried cannot be redelivered (409)', async () => {
    const gone = await receiver(() => 410);
    const refusing = await register(gone, ['job.completed']);
    const down = await receiver(() => 503);
    const retrying = await register(down, ['job.completed']);
    await submitJob(13);
    const [failed] = await settled(refusing.id, 'FAILED');
    expect(failed.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 410, error: 'answered 410: receiver says no' })]);
    await down.requests(2);
    const [pending] = await deliveries(retrying.id);
    expect(pending.status).toBe('PENDING');
    const conflict = await fixture.api().post(`/v1/webhooks/${retrying.id}/deliveries/${pending.id}/redeliver`).expect(409);
    expect(conflict.body.message).toContain('still being attempted');
    // Deleting the endpoint stops its retries.
    await fixture.api().delete(`/v1/webhooks/${retrying.id}`).expect(204);
    await fixture.api().delete(`/v1/webhooks/${refusing.id}`).expect(204);
    await sleep(1_000);
    const attempts = down.received.length;
    await sleep(2_000);
    expect(down.received.length).toBe(attempts);
    expect(gone.received).toHaveLength(1);
  }, 60_000);

  it('a rotated secret signs every delivery from then on: the old one no longer verifies', async () => {
    const to = await receiver();
    const endpoint = await register(to, ['job.completed']);
    const rotated = await fixture.api().post(`/v1/webhooks/${endpoint.id}/rotate-secret`).expect(201);
    expect(rotated.body).toMatchObject({ id: endpoint.id, secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    await submitJob(14);
    const [sent] = await to.requests(1);
    expect(verify(rotated.body.secret, sent as Received)).toMatchObject({ type: 'job.completed' });
    expect(() => verify(endpoint.secret, sent as Received)).toThrow(WebhookVerificationError);
    await settled(endpoint.id, 'DELIVERED');
    await fixture.api().delete(`/v1/webhooks/${endpoint.id}`).expect(204);
  }, 60_000);

  it('refuses URLs that are not http(s), or reach private, loopback or metadata addresses, naming the reason', async () => {
    // A gateway as production runs it: WEBHOOK_ALLOW_PRIVATE_URLS off.
    const strict = new WebhooksService({
      webhooks: new WebhookRepository(fixture.db.prisma),
      sealer: testCodec().sealer,
      temporal: fixture.temporal.client,
      taskQueue: 'unused',
      allowPrivateUrls: false,
    });
    const server = await listen(createGatewayApp({ ...fixture.appDeps, webhooks: strict }), 0, '127.0.0.1', SMALL_REQUEST_TIMEOUTS);
    try {
      const cases = [
        ['ftp://hooks.example.com/in', 'scheme', 'ftp: URLs are refused: webhooks are sent over http or https only'],
        ['http://169.254.169.254/latest/meta-data/', 'link_local', '169.254.169.254 is a link-local address'],
        ['http://10.0.0.1/', 'private', '10.0.0.1 is a private address'],
        ['http://localhost:8080/hooks', 'loopback', 'localhost resolves to'],
      ];
      for (const [url, reason, message] of cases) {
        const refused = await request(server)
          .post('/v1/webhooks')
          .set('authorization', `Bearer ${fixture.apiKey}`)
          .send({ url, events: ['job.completed'] })
          .expect(400);
        expect(refused.body).toMatchObject({ error: 'invalid_request', reason, message: expect.stringContaining(message) });
        expect(refused.body.issues).toEqual([{ path: 'url', message: expect.stringContaining(message as string) }]);
      }
      // Not http(s) is refused even where private addresses are allowed.
      await fixture
        .api()
        .post('/v1/webhooks')
        .send({ url: 'file:///etc/passwd', events: ['job.completed'] })
        .expect(400);
      expect((await fixture.api().get('/v1/webhooks').expect(200)).body.items).toEqual([]);
    } finally {
      server.close();
    }
  });
});
