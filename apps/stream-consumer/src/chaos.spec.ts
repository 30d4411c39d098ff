import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
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
import pino from 'pino';
import { PaymentStreamConsumer } from './payment-stream';

/**
 * The stream under failures, against the real broker, server and database: the consumer and the
 * worker killed with SIGKILL mid-stream and started again, and the broker restarted. Each time,
 * exactly the unique valid events end up stored and exactly the unreadable ones quarantined.
 */
const env = testEnv();
const root = join(__dirname, '../../..');
jest.setTimeout(420_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A built app as a child process (its logs are kept for a failure's message). */
function spawnApp(command: string[], extraEnv: Record<string, string>): ChildProcess & { output: string[] } {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & {
    output: string[];
  };
  child.output = [];
  const keep = (chunk: Buffer) => {
    child.output.push(chunk.toString());
    if (child.output.length > 200) child.output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('payment stream under failures', () => {
  let temporal: TestWorkflowEnvironment;
  const admin = new Admin({ clientId: 'chaos-spec', bootstrapBrokers: env.kafkaBrokers });
  const topics: string[] = [];
  const children: ChildProcess[] = [];
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    temporal = await connectTemporal(env);
  });
  afterAll(async () => {
    for (const child of children) await kill9(child);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.close();
    await temporal?.teardown();
  });

  /** A topic, a database and a task queue of the scenario's own, and its messages produced. */
  async function scenario(name: string, count: number) {
    const taskQueue = uniqueTaskQueue(name);
    const topic = `payments.${taskQueue}`;
    const dlqTopic = `payments.dlq.${taskQueue}`;
    topics.push(topic, dlqTopic);
    await admin.createTopics({ topics: [topic], partitions: 6, replicas: 1 });
    await admin.createTopics({ topics: [dlqTopic], partitions: 1, replicas: 1 });
    const db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    const messages = [...generatePaymentMessages({ count, duplicateShare: 0.05, invalidShare: 0.02, seed: 3, runId: taskQueue })];
    const valid = new Set(messages.filter((message) => message.kind === 'valid').map((message) => message.eventId as string));
    const invalid = messages.filter((message) => message.kind === 'invalid').length;
    const producer = new Producer({ clientId: `chaos-${name}`, bootstrapBrokers: env.kafkaBrokers, serializers: stringSerializers, acks: -1 });
    for (let i = 0; i < messages.length; i += 250)
      await producer.send({ messages: messages.slice(i, i + 250).map(({ key, value }) => ({ topic, key, value })) });
    await producer.close();
    const count1 = async (sql: string) => Number((await db.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(sql))[0]?.n);
    const stored = () => count1('SELECT count(*) AS n FROM payment_events');
    const quarantined = () => count1('SELECT count(*) AS n FROM payment_events_quarantine');
    /** Exactly the unique valid events stored and the unreadable ones quarantined, once everything settled. */
    const settledExactly = async () => {
      await eventually('stored events', stored, (n) => n >= valid.size);
      await eventually('quarantined messages', quarantined, (n) => n >= invalid);
      await sleep(2_000); // anything doubled or extra would show now
      const ids = await db.prisma.$queryRawUnsafe<Array<{ event_id: string }>>('SELECT event_id FROM payment_events');
      expect(new Set(ids.map((row) => row.event_id))).toEqual(valid);
      expect(await quarantined()).toBe(invalid);
    };
    const consumerEnv = {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      PAYMENTS_TOPIC: topic,
      PAYMENTS_DLQ_TOPIC: dlqTopic,
      KAFKA_GROUP_ID: taskQueue,
      TEMPORAL_TASK_QUEUE: taskQueue,
      STREAM_MAX_IN_FLIGHT: '16',
      OPS_PORT: '0',
    };
    return { taskQueue, topic, dlqTopic, db, stored, settledExactly, consumerEnv, size: valid.size };
  }

  const inProcessWorker = async (taskQueue: string, db: TestDatabase) => {
    const worker = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir: '/tmp' });
    const running = worker.run();
    return async () => {
      worker.shutdown();
      await running;
    };
  };

  it('loses and doubles nothing when the consumer is killed with SIGKILL mid-stream', async () => {
    const s = await scenario('chaos-consumer', 800);
    const stopWorker = await inProcessWorker(s.taskQueue, s.db);
    try {
      const first = spawnApp(['node', 'apps/stream-consumer/dist/main.js'], s.consumerEnv);
      children.push(first);
      await eventually('some events stored', s.stored, (n) => n >= 200);
      await kill9(first);
      const second = spawnApp(['node', 'apps/stream-consumer/dist/main.js'], s.consumerEnv);
      children.push(second);
      await s.settledExactly();
      second.kill('SIGTERM');
      const [code] = await once(second, 'exit');
      expect({ code, output: code === 0 ? '' : second.output.join('') }).toEqual({ code: 0, output: '' });
      // SIGTERM committed everything it had started: the group's offsets are at the end of every partition.
      const probe = new Consumer({ clientId: 'chaos-probe', groupId: s.consumerEnv.KAFKA_GROUP_ID, bootstrapBrokers: env.kafkaBrokers });
      try {
        const partitions = [0, 1, 2, 3, 4, 5];
        const committed = await probe.listCommittedOffsets({ topics: [{ topic: s.topic, partitions }] });
        const ends = await probe.listOffsets({ topics: [s.topic] });
        expect(committed.get(s.topic)).toEqual(ends.get(s.topic));
      } finally {
        await probe.close();
      }
    } finally {
      await stopWorker();
      await s.db.drop();
    }
  });

  it('loses and doubles nothing when the worker is killed with SIGKILL mid-stream', async () => {
    const s = await scenario('chaos-worker', 800);
    const workerEnv = {
      DATABASE_URL: s.db.url,
      MOCK_ENRICHMENT_URL: env.mockEnrichmentUrl,
      TEMPORAL_TASK_QUEUE: s.taskQueue,
      BLOB_DIR: '/tmp',
      OPS_PORT: '0',
    };
    const consumer = new PaymentStreamConsumer({
      brokers: env.kafkaBrokers,
      groupId: s.taskQueue,
      clientId: 'chaos-worker-consumer',
      topic: s.topic,
      dlqTopic: s.dlqTopic,
      maxInFlight: 16,
      client: temporal.client,
      taskQueue: s.taskQueue,
      sealer: testCodec().sealer,
      logger,
    });
    await consumer.start();
    try {
      const first = spawnApp(['bash', 'apps/worker/start.sh'], workerEnv);
      children.push(first);
      await eventually('some events stored', s.stored, (n) => n >= 200);
      await kill9(first);
      const second = spawnApp(['bash', 'apps/worker/start.sh'], workerEnv);
      children.push(second);
      await s.settledExactly();
      await kill9(second);
    } finally {
      await consumer.stop();
      await s.db.drop();
    }
  });

  it('resumes the stream after the broker restarts', async () => {
    const s = await scenario('chaos-broker', 800);
    const stopWorker = await inProcessWorker(s.taskQueue, s.db);
    const stack = (command: string) =>
      promisify(execFile)('bash', ['tools/stack/stack.sh', command, '--profile', 'test'], { cwd: root, env: process.env, timeout: 180_000 });
    const consumer = spawnApp(['node', 'apps/stream-consumer/dist/main.js'], { ...s.consumerEnv, LOG_LEVEL: 'info' });
    children.push(consumer);
    try {
      await eventually('some events stored', s.stored, (n) => n >= 150);
      // Stop the broker alone (SIGTERM to its pid, as `stack.sh down` does), then bring it back.
      const { stdout } = await promisify(execFile)('bash', ['-c', 'cat "$STACK_DIR/kafka.pid"'], { cwd: root, env: process.env });
      process.kill(Number(stdout.trim()), 'SIGTERM');
      await eventually(
        'broker down',
        () => stack('status').then((out) => out.stdout + out.stderr),
        (out) => /kafka\s+stopped/.test(out),
        60_000,
      );
      await sleep(3_000);
      await stack('up');
      await s.settledExactly();
      expect(consumer.exitCode).toBeNull();
    } catch (error) {
      // What the consumer logged says whether it lost the group, the stream or its process.
      throw new Error(`${String(error)}\nconsumer (exit ${consumer.exitCode ?? consumer.signalCode ?? 'none'}) logged:\n${consumer.output.join('')}`);
    } finally {
      await kill9(consumer);
      await stopWorker();
      await s.db.drop();
    }
  });
});
