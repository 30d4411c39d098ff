import { PaymentEventRepository } from '@enrich/db';
import { type PaymentEvent, paymentEventWorkflowId, paymentReviewWorkflowId, type SealedPaymentEvent, sealPaymentEvent } from '@enrich/domain';
import { connectTemporal, eventually, createTestDatabase, createTestWorker, testCodec, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PaymentEventOutcome, PaymentReviewDecision, PaymentReviewState } from '@enrich/workflows';

const env = testEnv();

// Two workers in a test (each bundles the workflows) and retries spent on purpose.
jest.setTimeout(180_000);

const sealed = (event: PaymentEvent, offset: number): Promise<SealedPaymentEvent> =>
  sealPaymentEvent(event, { topic: 'payments.normalized', partition: 0, offset: String(offset) }, testCodec().sealer);

const payment = (eventId: string, extra: Partial<PaymentEvent> = {}): PaymentEvent => ({
  eventId,
  type: 'payment.succeeded',
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  customerId: `cus_${eventId}`,
  email: 'ada@example.com',
  amount: 1999,
  currency: 'EUR',
  card: { number: '4242424242424242', country: 'DE' },
  billingCountry: 'DE',
  ...extra,
});

/** The payment workflows with their real activities, the inference models of mock-enrichment and PostgreSQL. */
describe('payment event and review workflows', () => {
  let temporal: TestWorkflowEnvironment;
  let db: TestDatabase;
  let payments: PaymentEventRepository;
  const receivedAt = new Date().toISOString();

  beforeAll(async () => {
    temporal = await connectTemporal(env);
    db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    payments = new PaymentEventRepository(db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
    await temporal?.teardown();
  });

  const start = (taskQueue: string, event: SealedPaymentEvent) =>
    temporal.client.workflow.execute<(input: { event: SealedPaymentEvent; receivedAt: string }) => Promise<PaymentEventOutcome>>('paymentEventWorkflow', {
      taskQueue,
      workflowId: paymentEventWorkflowId(event.eventId),
      args: [{ event, receivedAt }],
    });
  const review = (eventId: string) => temporal.client.workflow.getHandle(paymentReviewWorkflowId({ eventId }));
  const decide = (eventId: string, decision: PaymentReviewDecision) =>
    review(eventId).executeUpdate<PaymentReviewState, [PaymentReviewDecision]>('decide', { args: [decision] });
  const quarantineRow = async (eventId: string) =>
    (
      await db.prisma.$queryRawUnsafe<Array<{ id: string; kind: string; status: string; reason: string }>>(
        'SELECT id, kind, status, reason FROM payment_events_quarantine WHERE event_id = $1',
        eventId,
      )
    )[0];

  it('quarantines an event whose models stay unavailable, and stores it once released', async () => {
    const taskQueue = uniqueTaskQueue('payments-down');
    const event = await sealed(payment(`evt_down_${taskQueue}`), 1);
    const down = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir: '/tmp', knobs: { failureRate: 1 } });
    const outcome = await down.runUntil(start(taskQueue, event));
    expect(outcome).toMatchObject({ status: 'quarantined', kind: 'processing', reason: expect.stringContaining('scoreFraud failed') });
    await payments.find(event.eventId).then((row) => expect(row).toBeUndefined());

    const healthy = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir: '/tmp' });
    await healthy.runUntil(async () => {
      const row = await eventually(
        'quarantine row',
        () => quarantineRow(event.eventId),
        (found) => found !== undefined,
      );
      expect(row).toMatchObject({ kind: 'processing', status: 'QUARANTINED' });
      await decide(event.eventId, { action: 'release', note: 'models are back' });
      expect(await review(event.eventId).result()).toBe('RELEASED');
    });
    expect(await quarantineRow(event.eventId)).toMatchObject({ status: 'RELEASED' });
    const stored = await payments.find(event.eventId);
    expect(stored).toMatchObject({ cardBin: '424242', cardLast4: '4242', fraudModel: 'fraud-logit@1.0.0', churnModel: 'churn-logit@1.0.0' });
    // Sealed at rest: the number and the email open with the platform's keys, and only with them.
    expect(await testCodec().sealer.open(stored?.cardNumber as never)).toBe('4242424242424242');
    expect(JSON.stringify(stored)).not.toContain('4242424242424242');
    expect(JSON.stringify(stored)).not.toContain('ada@example.com');
  });

  it('quarantines an event that breaks a business rule; a discarded review takes no other decision', async () => {
    const taskQueue = uniqueTaskQueue('payments-rules');
    const event = await sealed(payment(`evt_rules_${taskQueue}`, { type: 'payment.failed' }), 2);
    const worker = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir: '/tmp' });
    await worker.runUntil(async () => {
      expect(await start(taskQueue, event)).toEqual({ status: 'quarantined', kind: 'rules', reason: 'a payment.failed event needs a declineCode' });
      await eventually(
        'quarantine row',
        () => quarantineRow(event.eventId),
        (found) => found !== undefined,
      );
      expect(await decide(event.eventId, { action: 'discard', note: 'test event' })).toMatchObject({ status: 'QUARANTINED' });
      expect(await review(event.eventId).result()).toBe('DISCARDED');
    });
    expect(await quarantineRow(event.eventId)).toMatchObject({ kind: 'rules', status: 'DISCARDED' });
    expect(await payments.find(event.eventId)).toBeUndefined();
  });

  it('scores a failed payment with a retry strategy and stores an event sent twice once', async () => {
    const taskQueue = uniqueTaskQueue('payments-retry');
    const event = await sealed(payment(`evt_retry_${taskQueue}`, { type: 'payment.failed', declineCode: 'insufficient_funds' }), 3);
    const worker = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir: '/tmp' });
    await worker.runUntil(async () => {
      const first = await start(taskQueue, event);
      expect(first).toMatchObject({
        status: 'stored',
        inference: { fraud: null, retry: { action: 'retry', retryAfterHours: 72, model: { name: 'retry-strategy-gbt' } } },
      });
      // The same event under another workflow id (as after the server forgot the first): stored once.
      const again = await temporal.client.workflow.execute<(input: { event: SealedPaymentEvent; receivedAt: string }) => Promise<PaymentEventOutcome>>(
        'paymentEventWorkflow',
        {
          taskQueue,
          workflowId: `${paymentEventWorkflowId(event.eventId)}-again`,
          args: [{ event, receivedAt }],
        },
      );
      expect(again.status).toBe('duplicate');
    });
    expect(await payments.find(event.eventId)).toMatchObject({ retryAction: 'retry', retryModel: 'retry-strategy-gbt@1.0.0', fraudScore: null });
  });
});
