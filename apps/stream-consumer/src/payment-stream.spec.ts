import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import { DLQ_HEADERS, paymentEventWorkflowId } from '@enrich/domain';
import { PaymentEventRepository } from '@enrich/db';
import {
  connectTemporal,
  eventually,
  createTestDatabase,
  createTestWorker,
  generatePaymentMessages,
  testCodec,
  testEnv,
  uniqueTaskQueue,
  type TestDatabase,
} from '@enrich/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { PaymentStreamConsumer } from './payment-stream';

const env = testEnv();
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

// Ten thousand events through a real broker, server and database (30-40 a second on 2 cores).
jest.setTimeout(1_500_000);
const SETTLE_MS = 900_000;

describe('payment stream (real broker, server and database)', () => {
  let temporal: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueTaskQueue('payments');
  const topic = `payments.normalized.${taskQueue}`;
  const dlqTopic = `payments.dlq.${taskQueue}`;
  const goneTopic = `payments.gone.${taskQueue}`;
  const admin = new Admin({ clientId: 'payment-stream-spec', bootstrapBrokers: env.kafkaBrokers });

  const consumerFor = (groupId: string, from = topic) =>
    new PaymentStreamConsumer({
      brokers: env.kafkaBrokers,
      groupId,
      clientId: `spec-${groupId}`,
      topic: from,
      dlqTopic,
      maxInFlight: 32,
      // As the app runs by default (STREAM_MAX_RUNNING): unbounded, the whole topic was started at
      // once and this process held 10,000 result() long-polls beside the worker.
      maxRunning: 256,
      client: temporal.client,
      taskQueue,
      sealer: testCodec().sealer,
      logger,
      drainTimeoutMs: 10_000,
    });

  const count = async (sql: string) => Number((await db.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(sql))[0]?.n);

  beforeAll(async () => {
    temporal = await connectTemporal(env);
    db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    await admin.createTopics({ topics: [topic, goneTopic], partitions: 6, replicas: 1 });
    await admin.createTopics({ topics: [dlqTopic], partitions: 1, replicas: 1 });
    worker = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir: '/tmp' });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await admin.deleteTopics({ topics: [topic, dlqTopic, goneTopic] }).catch(() => undefined);
    await admin.close();
    await db?.drop();
    await temporal?.teardown();
  });

  it('stores exactly the unique valid events and quarantines exactly the invalid ones, with card numbers sealed', async () => {
    const messages = [...generatePaymentMessages({ count: 10_000, duplicateShare: 0.05, invalidShare: 0.02, seed: 7, runId: taskQueue })];
    const valid = new Set(messages.filter((message) => message.kind === 'valid').map((message) => message.eventId));
    const invalid = messages.filter((message) => message.kind === 'invalid').length;
    expect(messages.filter((message) => message.kind === 'duplicate').length).toBe(500);
    expect(invalid).toBe(200);

    const producer = new Producer({ clientId: 'spec-producer', bootstrapBrokers: env.kafkaBrokers, serializers: stringSerializers, acks: -1 });
    for (let i = 0; i < messages.length; i += 200) {
      await producer.send({ messages: messages.slice(i, i + 200).map(({ key, value }) => ({ topic, key, value })) });
    }
    await producer.close();

    const consumer = consumerFor(`${taskQueue}-a`);
    await consumer.start();
    await eventually(
      'stored events',
      () => count('SELECT count(*) AS n FROM payment_events'),
      (n) => n >= valid.size,
      SETTLE_MS,
    );
    await eventually(
      'quarantined messages',
      () => count('SELECT count(*) AS n FROM payment_events_quarantine'),
      (n) => n >= invalid,
      SETTLE_MS,
    );
    await eventually(
      'messages read',
      async () => consumer.stats.read,
      (n) => n === messages.length,
    );
    await consumer.stop();

    expect(await count('SELECT count(*) AS n FROM payment_events')).toBe(valid.size);
    const stored = await db.prisma.$queryRawUnsafe<Array<{ event_id: string }>>('SELECT event_id FROM payment_events');
    expect(new Set(stored.map((row) => row.event_id))).toEqual(valid);
    expect(await count(`SELECT count(*) AS n FROM payment_events_quarantine WHERE kind = 'schema' AND status = 'QUARANTINED'`)).toBe(invalid);
    expect(consumer.stats).toMatchObject({ read: 10_000, started: valid.size + invalid, duplicates: 500, deadLettered: invalid });

    // Every stored event was scored by the models its type calls for, each named with its version.
    expect(await count(`SELECT count(*) AS n FROM payment_events WHERE type = 'payment.succeeded' AND (fraud_model IS NULL OR retry_model IS NOT NULL)`)).toBe(
      0,
    );
    expect(await count(`SELECT count(*) AS n FROM payment_events WHERE type = 'payment.failed' AND (retry_model IS NULL OR fraud_model IS NOT NULL)`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM payment_events WHERE churn_model NOT LIKE '%@%'`)).toBe(0);

    // No card number in the clear at rest: only BIN and last four are open.
    const sample = messages.find((message) => message.kind === 'valid');
    const clear = (JSON.parse(sample?.value ?? '{}') as { card: { number: string } }).card.number;
    const row = await new PaymentEventRepository(db.prisma).find(sample?.eventId ?? '');
    expect(row).toMatchObject({ cardBin: clear.slice(0, 6), cardLast4: clear.slice(-4) });
    expect(await testCodec().sealer.open(row?.cardNumber as never)).toBe(clear);
    expect(await count(`SELECT count(*) AS n FROM payment_events WHERE card_number::text LIKE '%${clear}%'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM payment_events_quarantine WHERE payload::text ~ '[0-9]{12,19}'`)).toBe(0);

    // The DLQ holds the unreadable messages as they came, the reason in their headers.
    const dlq = new Consumer({ clientId: 'spec-dlq', groupId: `${taskQueue}-dlq`, bootstrapBrokers: env.kafkaBrokers });
    const stream = await dlq.consume({ topics: [dlqTopic], mode: 'earliest', maxWaitTime: 500 });
    const reasons: string[] = [];
    for await (const message of stream) {
      reasons.push(
        message.headers.get(Buffer.from(DLQ_HEADERS.reason) as never)?.toString() ??
          [...message.headers].find(([key]) => key.toString() === DLQ_HEADERS.reason)?.[1].toString() ??
          '',
      );
      if (reasons.length === invalid) break;
    }
    await stream.close();
    await dlq.close();
    expect(reasons).toHaveLength(invalid);
    expect(reasons.every((reason) => reason.length > 0)).toBe(true);

    // The whole topic again from offset 0 (a new group): nothing new is started or stored.
    const replay = consumerFor(`${taskQueue}-replay`);
    await replay.start();
    await eventually(
      'messages replayed',
      async () => replay.stats.read,
      (n) => n === messages.length,
    );
    await eventually(
      'replay settled',
      async () => replay.stats.duplicates,
      (n) => n === 10_000,
      SETTLE_MS,
    );
    await replay.stop();
    expect(replay.stats).toMatchObject({ started: 0, deadLettered: 0 });
    expect(await count('SELECT count(*) AS n FROM payment_events')).toBe(valid.size);
    expect(await count('SELECT count(*) AS n FROM payment_events_quarantine')).toBe(invalid);
  });

  it('stores nothing twice when an event comes again after its workflow is gone from the server', async () => {
    const [event] = [...generatePaymentMessages({ count: 30, duplicateShare: 0, invalidShare: 0, seed: 11, runId: `${taskQueue}-gone` })].slice(0, 1);
    if (!event?.eventId) throw new Error('no event generated');
    const producer = new Producer({ clientId: 'spec-producer-2', bootstrapBrokers: env.kafkaBrokers, serializers: stringSerializers, acks: -1 });
    await producer.send({ messages: [{ topic: goneTopic, key: event.key, value: event.value }] });
    const consumer = consumerFor(`${taskQueue}-gone`, goneTopic);
    await consumer.start();
    const handle = temporal.client.workflow.getHandle(paymentEventWorkflowId(event.eventId));
    const status = () =>
      handle.result().then(
        (outcome) => (outcome as { status: string }).status,
        () => 'not yet',
      );
    await eventually('first run', status, (value) => value === 'stored');
    // Past retention: the server has no record of it any more.
    await temporal.client.workflowService.deleteWorkflowExecution({ namespace: env.temporal.namespace, workflowExecution: { workflowId: handle.workflowId } });
    await eventually(
      'deleted',
      () =>
        handle.describe().then(
          () => 'present',
          () => 'gone',
        ),
      (state) => state === 'gone',
    );
    await producer.send({ messages: [{ topic: goneTopic, key: event.key, value: event.value }] });
    await producer.close();
    await eventually('second run', status, (value) => value === 'duplicate');
    await consumer.stop();
    expect(await count(`SELECT count(*) AS n FROM payment_events WHERE event_id = '${event.eventId}'`)).toBe(1);
  });
});
