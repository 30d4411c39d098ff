import { PaymentEventRepository } from '@enrich/db';
import { type PaymentEvent, parsePaymentEvent, paymentReviewWorkflowId, type SealedPaymentEvent, type StreamPosition } from '@enrich/domain';
import { createMetricsRegistry, listen } from '@enrich/http';
import { createTestWorker, testCodec, uniqueTaskQueue } from '@enrich/testing';
import { type PaymentReviewInput, type paymentReviewWorkflow, paymentReviewStateQuery } from '@enrich/workflows';
import type { Worker } from '@temporalio/worker';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createGatewayApp } from '../app';
import { buildCli } from '../cli/enrich';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';
import { maskCardNumbers, PaymentsService } from './payments.service';
import { paymentQuarantineMetric } from './quarantine-metric';

async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Unique per run: workflow ids live on the shared dev server, which outlives each suite's database. */
const RUN = `gw${Date.now().toString(36)}${process.pid}`;
/** Card numbers that pass the Luhn check (public test numbers). */
const CARD = '4242424242424242';
const MESSAGE_CARD = '4000056655665556';
const EMAIL = 'ada.lovelace@example.com';

/** A payment.failed without a declineCode: readable, but it breaks a business rule. */
function paymentEvent(n: number, overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  return {
    eventId: `evt_${RUN}_${n}`,
    type: 'payment.failed',
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    customerId: `cus_${RUN}`,
    email: EMAIL,
    amount: 4_200,
    currency: 'EUR',
    card: { number: CARD, country: 'DE' },
    billingCountry: 'DE',
    merchantId: 'mer_001',
    ...overrides,
  };
}

let offsets = 0;
const position = (): StreamPosition => ({ topic: 'payments.normalized', partition: 0, offset: `${Date.now()}${(offsets += 1)}` });

/** The event as the stream consumer seals it. */
async function sealed(event: PaymentEvent, source: StreamPosition): Promise<SealedPaymentEvent> {
  const { sealer } = testCodec();
  const { card, email, ...rest } = event;
  return {
    ...rest,
    ...(email === undefined ? {} : { email: await sealer.seal(email) }),
    card: { number: await sealer.seal(card.number), bin: card.number.slice(0, 6), last4: card.number.slice(-4), country: card.country },
    source,
  };
}

/**
 * The payment-event quarantine desk over real HTTP: review workflows started with the Temporal
 * client and run by a real worker (which re-runs released events through the inference models of
 * the run's mock-enrichment app), their rows in the suite's database, decisions taken through the
 * gateway.
 */
describe('payment events: the quarantine desk', () => {
  let fixture: GatewayFixture;
  let server: Server;
  let worker: Worker;
  let workerRun: Promise<void>;
  let taskQueue: string;
  const started: string[] = [];
  /** Keys of the fixture's tenant: admin without pii, and everything but admin. */
  let deskKey: string;
  let noAdminKey: string;
  /** The entries: A (rules, released corrected), B (schema, discarded), C (rules, kept). */
  const ids = { a: '', b: '', c: '' };
  const eventA = paymentEvent(1);
  const eventC = paymentEvent(3);
  let messageB: string;

  const api = (method: 'get' | 'post', path: string, key?: string) =>
    request(server)
      [method](path)
      .set('authorization', `Bearer ${key ?? fixture.apiKey}`);

  async function startReview(workflowId: string, input: PaymentReviewInput): Promise<string> {
    const handle = await fixture.temporal.client.workflow.start<typeof paymentReviewWorkflow>('paymentReviewWorkflow', {
      taskQueue,
      workflowId,
      args: [input],
    });
    started.push(workflowId);
    let quarantineId: string | null = null;
    await until(
      async () => {
        quarantineId = (await handle.query(paymentReviewStateQuery)).quarantineId;
        return quarantineId !== null;
        // The worker's first workflow task loads the workflow bundle: slow on a busy machine.
      },
      `the quarantine row of ${workflowId}`,
      120_000,
    );
    return quarantineId as unknown as string;
  }

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0 }, maxUploadBytes: 1024 * 1024 });
    taskQueue = uniqueTaskQueue('payments');
    worker = await createTestWorker({ temporal: fixture.temporal, taskQueue, prisma: fixture.db.prisma, blobDir: fixture.blobDir });
    workerRun = worker.run();
    const payments = new PaymentsService({
      operatorTenant: fixture.tenant.slug,
      payments: new PaymentEventRepository(fixture.db.prisma),
      temporal: fixture.temporal.client,
      sealer: testCodec().sealer,
    });
    server = await listen(createGatewayApp({ ...fixture.appDeps, payments }), 0, '127.0.0.1', { headersMs: 20_000, requestMs: 60_000, idleMs: 60_000 });
    deskKey = (await fixture.keys.create(fixture.tenant.id, { name: 'desk', scopes: ['read', 'write', 'admin'] })).key;
    noAdminKey = (await fixture.keys.create(fixture.tenant.id, { name: 'no admin', scopes: ['read', 'write', 'pii'] })).key;

    const receivedAt = new Date().toISOString();
    const sourceA = position();
    ids.a = await startReview(paymentReviewWorkflowId({ eventId: eventA.eventId }), {
      kind: 'rules',
      reason: 'a payment.failed event needs a declineCode',
      eventId: eventA.eventId,
      source: sourceA,
      receivedAt,
      event: await sealed(eventA, sourceA),
    });
    // Unreadable (the amount is a string), with a card number in it, and another one written with spaces.
    messageB = JSON.stringify({ ...paymentEvent(2, { card: { number: MESSAGE_CARD, country: 'FR' } }), amount: '42.00', remark: 'also 5555 5555 5555 4444' });
    const parsed = parsePaymentEvent(messageB);
    if (parsed.ok) throw new Error('the message should not be readable');
    const sourceB = position();
    ids.b = await startReview(paymentReviewWorkflowId(sourceB), {
      kind: 'schema',
      reason: parsed.reason,
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      source: sourceB,
      receivedAt,
      message: await testCodec().sealer.seal(messageB),
    });
    const sourceC = position();
    ids.c = await startReview(paymentReviewWorkflowId({ eventId: eventC.eventId }), {
      kind: 'rules',
      reason: 'a payment.failed event needs a declineCode',
      eventId: eventC.eventId,
      source: sourceC,
      receivedAt,
      event: await sealed(eventC, sourceC),
    });
  }, 300_000);

  afterAll(async () => {
    // Reviews left waiting for a decision would wait on the shared server for good.
    await Promise.all(
      started.map((id) =>
        fixture?.temporal.client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
    worker?.shutdown();
    await workerRun;
    server?.close();
    await fixture?.close();
  }, 60_000);

  it('lists the quarantine newest first, by status and kind, page by page', async () => {
    const all = await api('get', '/v1/payment-events/quarantine').expect(200);
    expect(all.body.items.map((item: { id: string }) => item.id)).toEqual([ids.c, ids.b, ids.a]);
    expect(all.body.next).toBeUndefined();
    expect(all.body.items[1]).toMatchObject({ kind: 'schema', status: 'QUARANTINED', eventId: `evt_${RUN}_2`, decidedAt: null });
    expect(all.body.items[1].reason).toContain('amount');
    expect(all.body.items[2]).toMatchObject({ kind: 'rules', eventId: eventA.eventId, reviewWorkflowId: paymentReviewWorkflowId({ eventId: eventA.eventId }) });

    const ofKind = async (query: string) =>
      (await api('get', `/v1/payment-events/quarantine?${query}`).expect(200)).body.items.map((item: { id: string }) => item.id);
    expect(await ofKind('kind=rules')).toEqual([ids.c, ids.a]);
    expect(await ofKind('kind=schema')).toEqual([ids.b]);
    expect(await ofKind('kind=processing')).toEqual([]);
    expect(await ofKind('status=QUARANTINED&kind=rules')).toEqual([ids.c, ids.a]);
    expect(await ofKind('status=RELEASED')).toEqual([]);

    const first = await api('get', '/v1/payment-events/quarantine?limit=2').expect(200);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([ids.c, ids.b]);
    expect(typeof first.body.next).toBe('string');
    const second = await api('get', `/v1/payment-events/quarantine?limit=2&cursor=${first.body.next}`).expect(200);
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([ids.a]);
    expect(second.body.next).toBeUndefined();
  });

  it('exports the quarantine size by status and kind as a gauge', async () => {
    const registry = createMetricsRegistry('api-gateway');
    paymentQuarantineMetric(registry, new PaymentEventRepository(fixture.db.prisma));
    const text = await registry.metrics();
    expect(text).toContain('enrich_payment_quarantine_entries{status="QUARANTINED",kind="rules",service="api-gateway"} 2');
    expect(text).toContain('enrich_payment_quarantine_entries{status="QUARANTINED",kind="schema",service="api-gateway"} 1');
    // A database that does not answer leaves the last values: the scrape itself still succeeds.
    const failing = createMetricsRegistry('api-gateway');
    paymentQuarantineMetric(failing, { quarantineSizes: () => Promise.reject(new Error('connection refused')) });
    expect(await failing.metrics()).toContain('# TYPE enrich_payment_quarantine_entries gauge');
  });

  it('answers 400 naming the parameter for a bad status, kind, limit or cursor', async () => {
    const bad = async (query: string, path: string) => {
      const answer = await api('get', `/v1/payment-events/quarantine?${query}`).expect(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body.issues.map((issue: { path: string }) => issue.path)).toEqual([path]);
    };
    await bad('status=PENDING', 'status');
    await bad('kind=bogus', 'kind');
    await bad('limit=0', 'limit');
    await bad('limit=1000', 'limit');
    await bad('cursor=not-a-cursor', 'cursor');
    // A well-formed pair whose id is not an entry id.
    await bad(`cursor=${Buffer.from(JSON.stringify([new Date().toISOString(), 'x'])).toString('base64url')}`, 'cursor');
    await bad(`cursor=${Buffer.from(JSON.stringify(['-200000-01-01T00:00:00.000Z', ids.a])).toString('base64url')}`, 'cursor');
  });

  it('shows an event entry with its live review and its open parts: never the card number, the email for pii only', async () => {
    const full = await api('get', `/v1/payment-events/quarantine/${ids.a}`).expect(200);
    expect(full.body).toMatchObject({
      id: ids.a,
      kind: 'rules',
      status: 'QUARANTINED',
      payload: 'event',
      review: { quarantineId: ids.a, status: 'QUARANTINED', kind: 'rules', releases: 0 },
      event: {
        eventId: eventA.eventId,
        type: 'payment.failed',
        customerId: eventA.customerId,
        email: EMAIL,
        amount: 4_200,
        currency: 'EUR',
        card: { bin: '424242', last4: '4242', country: 'DE' },
        declineCode: null,
        merchantId: 'mer_001',
      },
    });
    expect(full.body.event.card).not.toHaveProperty('number');
    expect(full.body.redacted).toBeUndefined();
    expect(JSON.stringify(full.body)).not.toContain(CARD);
    expect(JSON.stringify(full.body)).not.toContain('$sealed');

    const desk = await api('get', `/v1/payment-events/quarantine/${ids.a}`, deskKey).expect(200);
    expect(desk.body).toMatchObject({ redacted: true, event: { email: '[redacted]', card: { bin: '424242', last4: '4242' } } });
    expect(JSON.stringify(desk.body)).not.toContain(EMAIL);
  });

  it('shows an unreadable message to the pii scope only, every card number in it masked', async () => {
    const full = await api('get', `/v1/payment-events/quarantine/${ids.b}`).expect(200);
    expect(full.body).toMatchObject({ kind: 'schema', payload: 'message', review: { status: 'QUARANTINED', kind: 'schema' } });
    expect(full.body.event).toBeUndefined();
    expect(full.body.message).toBe(maskCardNumbers(messageB));
    expect(full.body.message).toContain('"card":{"number":"400005…5556","country":"FR"}');
    expect(full.body.message).toContain('also 555555…4444');
    expect(JSON.stringify(full.body)).not.toContain(MESSAGE_CARD);
    expect(JSON.stringify(full.body)).not.toContain('5555 5555 5555 4444');

    const desk = await api('get', `/v1/payment-events/quarantine/${ids.b}`, deskKey).expect(200);
    expect(desk.body).toMatchObject({ message: '[redacted]', redacted: true });
    expect(JSON.stringify(desk.body)).not.toContain('400005');
  });

  it('answers 404 for an unknown entry and 400 naming a malformed id', async () => {
    await api('get', '/v1/payment-events/quarantine/00000000-0000-4000-8000-000000000000').expect(404);
    await api('post', '/v1/payment-events/quarantine/00000000-0000-4000-8000-000000000000/release').send({}).expect(404);
    await api('post', '/v1/payment-events/quarantine/00000000-0000-4000-8000-000000000000/discard').send({}).expect(404);
    const bad = await api('get', '/v1/payment-events/quarantine/nope').expect(400);
    expect(bad.body.issues).toEqual([{ path: 'id', message: 'must be a quarantine entry id (UUID)' }]);
  });

  it('refuses every route to a key without the admin scope (403)', async () => {
    const calls: Array<['get' | 'post', string]> = [
      ['get', '/v1/payment-events/quarantine'],
      ['get', `/v1/payment-events/quarantine/${ids.a}`],
      ['post', `/v1/payment-events/quarantine/${ids.a}/release`],
      ['post', `/v1/payment-events/quarantine/${ids.a}/discard`],
      ['get', `/v1/payment-events/${eventA.eventId}`],
    ];
    for (const [method, path] of calls) {
      const answer = await api(method, path, noAdminKey).send({});
      expect([path, answer.status, answer.body.error]).toEqual([path, 403, 'forbidden']);
      expect(answer.body.message).toContain('admin');
    }
    // Nor to the admins of a tenant other than the operators': payment events belong to no tenant.
    const customer = await fixture.tenants.create({ slug: `customer-${Date.now()}`, name: 'A customer' });
    const customerAdmin = (await fixture.keys.create(customer.id, { name: 'customer admin', scopes: ['read', 'write', 'pii', 'admin'] })).key;
    for (const [method, path] of calls) {
      const answer = await api(method, path, customerAdmin).send({});
      expect([path, answer.status, answer.body.error]).toEqual([path, 403, 'forbidden']);
      expect(answer.body.message).toContain('PAYMENTS_OPERATOR_TENANT');
    }
    // Nothing was decided.
    expect((await api('get', `/v1/payment-events/quarantine/${ids.a}`).expect(200)).body.status).toBe('QUARANTINED');
  });

  it('answers 422 naming the fields of a bad corrected event, and of one that is not the quarantined event', async () => {
    const bad = await api('post', `/v1/payment-events/quarantine/${ids.c}/release`)
      .send({ event: { ...eventC, amount: -5, card: { number: '4242424242424241', country: 'DE' } } })
      .expect(422);
    expect(bad.body.error).toBe('invalid_event');
    expect(bad.body.issues.map((issue: { path: string }) => issue.path)).toEqual(expect.arrayContaining(['event.amount', 'event.card.number']));
    expect(bad.body.message).toContain('event.card.number: fails the Luhn check');
    expect(JSON.stringify(bad.body)).not.toContain('4242424242424241');

    const other = await api('post', `/v1/payment-events/quarantine/${ids.c}/release`)
      .send({ event: paymentEvent(99, { declineCode: 'insufficient_funds' }) })
      .expect(422);
    expect(other.body.issues).toEqual([{ path: 'event.eventId', message: `must be the quarantined event's id (${eventC.eventId})` }]);

    const notAnObject = await api('post', `/v1/payment-events/quarantine/${ids.c}/release`).send({ event: 'nope' }).expect(422);
    expect(notAnObject.body.issues).toEqual([{ path: 'event', message: 'must be a payment event (a JSON object)' }]);
    const unknownField = await api('post', `/v1/payment-events/quarantine/${ids.c}/release`).send({ evnt: eventC }).expect(400);
    expect(unknownField.body.error).toBe('invalid_request');

    const still = await api('get', `/v1/payment-events/quarantine/${ids.c}`).expect(200);
    expect(still.body).toMatchObject({ status: 'QUARANTINED', review: { status: 'QUARANTINED', releases: 0 } });
  });

  it('refuses to release an unreadable message without a corrected event (409 with the review’s reason)', async () => {
    const refused = await api('post', `/v1/payment-events/quarantine/${ids.b}/release`).send({ note: 'try again' }).expect(409);
    expect(refused.body).toMatchObject({
      error: 'conflict',
      message: 'this message could not be read as an event: release it with a corrected event',
      status: 'QUARANTINED',
    });
    expect((await api('get', `/v1/payment-events/quarantine/${ids.b}`).expect(200)).body.review.status).toBe('QUARANTINED');
  });

  it('releases a corrected event: 202, then the entry RELEASED and the event stored with its scores', async () => {
    const corrected = { ...eventA, declineCode: 'insufficient_funds' };
    const accepted = await api('post', `/v1/payment-events/quarantine/${ids.a}/release`)
      .send({ event: corrected, note: 'decline code added from the processor log' })
      .expect(202);
    expect(accepted.body).toMatchObject({
      id: ids.a,
      action: 'release',
      reviewWorkflowId: paymentReviewWorkflowId({ eventId: eventA.eventId }),
      review: { quarantineId: ids.a, kind: 'rules' },
    });
    expect(['QUARANTINED', 'RELEASING']).toContain(accepted.body.review.status);

    let entry: request.Response | undefined;
    await until(async () => {
      entry = await api('get', `/v1/payment-events/quarantine/${ids.a}`).expect(200);
      return entry.body.status === 'RELEASED';
    }, 'the release of A');
    expect(entry?.body).toMatchObject({ decisionNote: 'decline code added from the processor log', review: { status: 'RELEASED', releases: 1 } });
    expect(entry?.body.decidedAt).toEqual(expect.any(String));

    const stored = await api('get', `/v1/payment-events/${eventA.eventId}`).expect(200);
    expect(stored.body).toMatchObject({
      eventId: eventA.eventId,
      type: 'payment.failed',
      email: EMAIL,
      amount: 4_200,
      card: { bin: '424242', last4: '4242', country: 'DE' },
      declineCode: 'insufficient_funds',
      source: entry?.body.source,
      scores: {
        fraud: null,
        retry: { action: expect.any(String), model: expect.stringContaining('@') },
        churn: { probability: expect.any(Number), model: expect.stringContaining('@') },
      },
    });
    expect(stored.body.redacted).toBeUndefined();
    expect(JSON.stringify(stored.body)).not.toContain(CARD);
    expect(JSON.stringify(stored.body)).not.toContain('$sealed');
    const desk = await api('get', `/v1/payment-events/${eventA.eventId}`, deskKey).expect(200);
    expect(desk.body).toMatchObject({ email: '[redacted]', redacted: true, scores: stored.body.scores });

    await api('get', `/v1/payment-events/evt_${RUN}_unknown`).expect(404);
    const badId = await api('get', '/v1/payment-events/-nope').expect(400);
    expect(badId.body.issues.map((issue: { path: string }) => issue.path)).toEqual(['eventId']);

    // A second decision on a released review.
    const again = await api('post', `/v1/payment-events/quarantine/${ids.a}/release`).send({}).expect(409);
    expect(again.body).toMatchObject({ error: 'conflict', message: 'the review is released', status: 'RELEASED' });
  });

  it('discards an entry: 200 with the review DISCARDED, the note kept (card numbers masked); a second decision is a 409', async () => {
    const discarded = await api('post', `/v1/payment-events/quarantine/${ids.b}/discard`)
      .send({ note: `garbage from the test producer (card ${MESSAGE_CARD})` })
      .expect(200);
    expect(discarded.body).toMatchObject({ id: ids.b, action: 'discard', review: { status: 'DISCARDED', kind: 'schema' } });
    const entry = await api('get', `/v1/payment-events/quarantine/${ids.b}`).expect(200);
    expect(entry.body).toMatchObject({ status: 'DISCARDED', decisionNote: 'garbage from the test producer (card 400005…5556)' });
    expect(entry.body.decidedAt).toEqual(expect.any(String));

    const again = await api('post', `/v1/payment-events/quarantine/${ids.b}/discard`).send({}).expect(409);
    expect(again.body).toMatchObject({ error: 'conflict', message: 'the review is discarded', status: 'DISCARDED' });
    const release = await api('post', `/v1/payment-events/quarantine/${ids.b}/release`)
      .send({ event: { ...paymentEvent(2), declineCode: 'do_not_honor' } })
      .expect(409);
    expect(release.body.message).toBe('the review is discarded');

    const ofStatus = async (status: string) =>
      (await api('get', `/v1/payment-events/quarantine?status=${status}`).expect(200)).body.items.map((item: { id: string }) => item.id);
    expect(await ofStatus('RELEASED')).toEqual([ids.a]);
    expect(await ofStatus('DISCARDED')).toEqual([ids.b]);
    expect(await ofStatus('QUARANTINED')).toEqual([ids.c]);
  });

  it('the enrich CLI lists, shows and discards entries (payments quarantine …)', async () => {
    async function cli(...args: string[]): Promise<unknown> {
      let stdout = '';
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
      });
      try {
        const { port } = server.address() as AddressInfo;
        await buildCli()
          .exitOverride()
          .parseAsync(['--api', `http://127.0.0.1:${port}`, '--api-key', fixture.apiKey, 'payments', 'quarantine', ...args], { from: 'user' });
      } finally {
        write.mockRestore();
      }
      return JSON.parse(stdout);
    }
    const listed = (await cli('list', '--status', 'QUARANTINED', '--kind', 'rules', '--limit', '5')) as { items: Array<{ id: string }> };
    expect(listed.items.map((item) => item.id)).toEqual([ids.c]);
    expect(await cli('show', ids.c)).toMatchObject({ id: ids.c, payload: 'event', event: { card: { bin: '424242', last4: '4242' } } });
    expect(await cli('discard', ids.c, '--note', 'duplicate of a stored event')).toMatchObject({ id: ids.c, review: { status: 'DISCARDED' } });
    await expect(cli('discard', ids.c)).rejects.toThrow('the review is discarded');
  });

  it('documents the routes with the admin scope', async () => {
    const { body } = await request(server).get('/openapi.json').expect(200);
    const operations = [
      ['/v1/payment-events/quarantine', 'get'],
      ['/v1/payment-events/quarantine/{id}', 'get'],
      ['/v1/payment-events/quarantine/{id}/release', 'post'],
      ['/v1/payment-events/quarantine/{id}/discard', 'post'],
      ['/v1/payment-events/{eventId}', 'get'],
    ] as const;
    for (const [path, method] of operations) {
      const operation = body.paths[path]?.[method];
      expect(operation?.security).toEqual([{ apiKey: ['admin'] }, { oidc: ['admin'] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
    }
    const release = body.paths['/v1/payment-events/quarantine/{id}/release'].post;
    expect(Object.keys(release.responses)).toEqual(expect.arrayContaining(['202', '404', '409', '422']));
    expect(release.responses['422'].description).toContain('corrected event');
    expect(Object.keys(body.paths['/v1/payment-events/quarantine/{id}/discard'].post.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
  });
});

describe('maskCardNumbers', () => {
  it('masks every run of 12 or more digits (spaces or dashes between them allowed) to BIN…last four, and nothing shorter', () => {
    expect(maskCardNumbers('4242424242424242')).toBe('424242…4242');
    expect(maskCardNumbers('a 4111-1111-1111-1111 b 5555 5555 5555 4444.')).toBe('a 411111…1111 b 555555…4444.');
    expect(maskCardNumbers('123456789012 and 12345678901')).toBe('123456…9012 and 12345678901');
    expect(maskCardNumbers('12345678901234567890123')).toBe('123456…0123');
    expect(maskCardNumbers('"amount":4200,"occurredAt":"2026-03-04T05:06:07.089Z"')).toBe('"amount":4200,"occurredAt":"2026-03-04T05:06:07.089Z"');
  });
});
