import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type Message, type MessagesStream, Producer, stringSerializer } from '@platformatic/kafka';
import type { FieldSealer } from '@enrich/codec';
import { DLQ_HEADERS, paymentEventWorkflowId, parsePaymentEvent, paymentReviewWorkflowId, sealPaymentEvent, type StreamPosition } from '@enrich/domain';
import type { paymentEventWorkflow, paymentReviewWorkflow } from '@enrich/workflows';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import { OffsetTracker } from './offset-tracker';

export interface PaymentStreamOptions {
  brokers: string[];
  /** Consumer group: the consumers of one group share the topic's partitions. */
  groupId: string;
  clientId: string;
  topic: string;
  dlqTopic: string;
  /** Messages whose workflow start is not yet acknowledged, at most (backpressure). */
  maxInFlight: number;
  /**
   * Event workflows started by this consumer and not yet finished, at most: beyond it reading
   * waits, so an overload leaves its backlog in the topic (visible as consumer lag) instead of in
   * Temporal's task queue, and the events read are the ones being processed now.
   */
  maxRunning?: number;
  client: Client;
  taskQueue: string;
  sealer: Pick<FieldSealer, 'seal'>;
  logger: Logger;
  /** How long a stop waits for the starts in flight before it leaves them to be read again. */
  drainTimeoutMs?: number;
}

/** What the consumer has done since it started. */
export interface PaymentStreamStats {
  read: number;
  /** Workflows started (payment events, and reviews of unreadable messages). */
  started: number;
  /** Events whose workflow existed already (a redelivery). */
  duplicates: number;
  /** Unreadable messages sent to the DLQ and quarantined. */
  deadLettered: number;
  /** Offsets committed (commit calls). */
  commits: number;
  /** Failed start attempts that were retried (Temporal unavailable, ...). */
  startRetries: number;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** How long opening a stream may take before the client is replaced. */
const OPEN_TIMEOUT_MS = 30_000;

/**
 * Reads payment events from Kafka in a consumer group and starts one workflow per event
 * (`payment-<eventId>`, refused by Temporal when it exists, so a redelivery starts nothing). An
 * offset is committed only after the starts of its message and every earlier one of its partition
 * are acknowledged: a crash never skips an event. At most `maxInFlight` starts run at once; reading
 * waits meanwhile. An unreadable message goes to the quarantine through a review workflow, then to
 * the DLQ topic (reason in its headers), before its offset counts as done; the review's id is its
 * position, so a redelivery or a replay of it writes nothing again (a crash between the two writes
 * leaves it quarantined without its DLQ copy: the quarantine is the record).
 */
export class PaymentStreamConsumer {
  readonly stats: PaymentStreamStats = { read: 0, started: 0, duplicates: 0, deadLettered: 0, commits: 0, startRetries: 0 };
  /** Replaced by a new client when the stream fails (see read()). */
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private readonly producer: Producer<Buffer, Buffer, string, string>;
  private readonly tracker = new OffsetTracker<RawMessage>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Event workflows started here and not yet finished (their results awaited). */
  private readonly running = new Set<Promise<unknown>>();
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Set when a stop gave up waiting: the retries in flight end, their messages stay uncommitted. */
  private abandoned = false;

  constructor(private readonly options: PaymentStreamOptions) {
    const { brokers, clientId } = options;
    this.consumer = this.createConsumer();
    this.producer = new Producer({
      clientId: `${clientId}-dlq`,
      bootstrapBrokers: brokers,
      acks: -1,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  /** A consumer-group client that forgets what was read of a partition moved to another member (its new owner reads again from the committed offset). */
  private createConsumer(): Consumer<Buffer, Buffer, Buffer, Buffer> {
    const { brokers, clientId, groupId } = this.options;
    const consumer = new Consumer({ clientId, groupId, bootstrapBrokers: brokers, sessionTimeout: 20_000, heartbeatInterval: 3_000 });
    consumer.on('consumer:group:join', () => {
      const assigned = new Set((consumer.assignments ?? []).flatMap(({ topic, partitions }) => partitions.map((partition) => partitionKey(topic, partition))));
      this.tracker.retain(assigned);
      this.options.logger.info({ assignments: [...assigned] }, 'partitions assigned');
    });
    return consumer;
  }

  /** Joins the group and starts reading (from the committed offsets; from the start of the topic for a new group). */
  async start(): Promise<void> {
    this.stream = await this.open();
    this.loop = this.read();
  }

  /** A stream of the topic from the committed offsets (the earliest for a new group). */
  private async open(): Promise<MessagesStream<Buffer, Buffer, Buffer, Buffer>> {
    const stream = await this.consumer.consume({ topics: [this.options.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    // Closing the stream on a stop aborts its iterator: that is no error. A failure ends the
    // iteration with it, and read() opens the stream again.
    stream.on('error', (error) => {
      if (!this.stopping) this.options.logger.error({ err: error }, 'stream error');
    });
    return stream;
  }

  /** Resolves when reading has stopped (after {@link stop}, or when the stream ends). */
  async done(): Promise<void> {
    await this.loop;
  }

  /**
   * Stops fetching, lets the starts in flight finish (up to the drain timeout), commits what they
   * completed and leaves the group, so its partitions move to the other members at once.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.done();
    this.stopping = true;
    this.stream?.pause();
    const drained = await Promise.race([Promise.allSettled([...this.inFlight]).then(() => true), sleep(this.options.drainTimeoutMs ?? 30_000, false)]);
    this.abandoned = !drained;
    if (!drained) this.options.logger.warn({ inFlight: this.inFlight.size }, 'starts still in flight at the drain timeout: their messages will be read again');
    await this.stream?.close();
    await this.loop;
    await this.consumer.close();
    await this.producer.close();
    this.options.logger.info(this.stats, 'consumer stopped');
  }

  /**
   * Reads until a stop. When the stream fails (the broker unreachable for longer than the client
   * retries, a restart fencing the leader epoch it fetched with, ...), it is opened again from the
   * committed offsets, with backoff, for as long as it takes: what was read and not committed is
   * read again, and its starts are refused as duplicates.
   */
  private async read(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.stream) {
        try {
          await this.readStream(this.stream);
          if (this.stopping) return;
          throw new Error('the stream ended');
        } catch (error) {
          if (this.stopping) return;
          this.options.logger.warn({ err: error }, 'the Kafka stream failed: reading again from the committed offsets');
        }
        await this.dropClient();
      }
      failures += 1;
      await sleep(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
      if (this.stopping) return;
      // A new client: one whose stream failed may never open another (seen once: consume() did not
      // settle after a broker restart), so it is closed and replaced, and an open that hangs times out.
      this.consumer = this.createConsumer();
      try {
        this.stream = await Promise.race([
          this.open(),
          sleep(OPEN_TIMEOUT_MS).then(() => Promise.reject(new Error(`no stream after ${OPEN_TIMEOUT_MS / 1000} s`))),
        ]);
        // Read again from the committed offsets: every partition starts over.
        this.tracker.retain(new Set());
        failures = 0;
      } catch (error) {
        this.options.logger.warn({ err: error, failures }, 'could not open the Kafka stream yet');
        await this.dropClient();
      }
    }
  }

  /** Closes the current stream and client, giving each a few seconds: a failed one may not close cleanly. */
  private async dropClient(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    await Promise.race([stream?.close().catch(() => undefined), sleep(5_000)]);
    await Promise.race([this.consumer.close().catch(() => undefined), sleep(5_000)]);
  }

  private async readStream(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    try {
      for await (const message of stream as AsyncIterable<RawMessage>) {
        if (this.stopping) break;
        this.stats.read += 1;
        this.tracker.read(partitionKey(message.topic, message.partition), message.offset, message);
        const handled = this.handle(message)
          .then(() => this.complete(message))
          // Only an abandoned stop ends a message unhandled: it stays uncommitted, so it is read again.
          .catch((error: unknown) =>
            this.options.logger.warn(
              { err: error, topic: message.topic, partition: message.partition, offset: String(message.offset) },
              'message left unhandled',
            ),
          );
        this.inFlight.add(handled);
        void handled.finally(() => this.inFlight.delete(handled));
        // Backpressure: no further message is taken until a start slot frees up.
        while (!this.stopping && (this.inFlight.size >= this.options.maxInFlight || this.running.size >= (this.options.maxRunning ?? Infinity))) {
          await Promise.race([...this.inFlight, ...this.running]);
        }
      }
    } catch (error) {
      if (!this.stopping) throw error;
    }
  }

  /** Marks a message done and commits the head of its partition when that moved. */
  private async complete(message: RawMessage): Promise<void> {
    const head = this.tracker.done(partitionKey(message.topic, message.partition), message.offset);
    if (head === undefined) return;
    try {
      await head.commit();
      this.stats.commits += 1;
    } catch (error) {
      // A rebalance took the partition: its new owner starts from the last commit that landed, and
      // the starts are idempotent, so the events done since are only started again (refused).
      this.options.logger.warn({ err: error, topic: head.topic, partition: head.partition, offset: String(head.offset) }, 'offset commit failed');
    }
  }

  private async handle(message: RawMessage): Promise<void> {
    const source: StreamPosition = { topic: message.topic, partition: message.partition, offset: String(message.offset) };
    const receivedAt = new Date(Number(message.timestamp)).toISOString();
    const parsed = parsePaymentEvent(message.value);
    if (parsed.ok) {
      const event = await this.retrying('seal the event', () => sealPaymentEvent(parsed.event, source, this.options.sealer));
      const workflowId = paymentEventWorkflowId(event.eventId);
      const started = await this.startOnce(workflowId, () =>
        this.options.client.workflow.start<typeof paymentEventWorkflow>('paymentEventWorkflow', {
          taskQueue: this.options.taskQueue,
          workflowId: paymentEventWorkflowId(event.eventId),
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          args: [{ event, receivedAt }],
        }),
      );
      if (started) this.track(workflowId);
      return;
    }
    // The review first: when it exists already (a redelivery, a replay) the message was
    // dead-lettered when it was started, and nothing is written again.
    const reviewId = paymentReviewWorkflowId(source);
    const sealedMessage = await this.retrying('seal the message', () => this.options.sealer.seal(message.value?.toString('utf8') ?? ''));
    const started = await this.startOnce(reviewId, () =>
      this.options.client.workflow.start<typeof paymentReviewWorkflow>('paymentReviewWorkflow', {
        taskQueue: this.options.taskQueue,
        workflowId: reviewId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        args: [{ kind: 'schema', reason: parsed.reason, ...(parsed.eventId ? { eventId: parsed.eventId } : {}), source, receivedAt, message: sealedMessage }],
      }),
    );
    if (!started) return;
    this.options.logger.warn({ ...source, eventId: parsed.eventId, reason: parsed.reason }, 'unreadable payment event: quarantined and dead-lettered');
    await this.retrying('dead-letter', () =>
      this.producer.send({
        messages: [
          {
            topic: this.options.dlqTopic,
            key: message.key,
            value: message.value,
            headers: {
              [DLQ_HEADERS.reason]: parsed.reason,
              [DLQ_HEADERS.topic]: source.topic,
              [DLQ_HEADERS.partition]: String(source.partition),
              [DLQ_HEADERS.offset]: source.offset,
            },
          },
        ],
      }),
    );
    this.stats.deadLettered += 1;
  }

  /** Holds a running slot until the workflow finishes, whatever its outcome (it quarantines what fails). */
  private track(workflowId: string): void {
    const finished = this.options.client.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => undefined)
      .finally(() => this.running.delete(finished));
    this.running.add(finished);
  }

  /** Starts a workflow, retrying until Temporal acknowledges it: false when it existed already (a redelivery). */
  private async startOnce(workflowId: string, start: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.retrying(`start ${workflowId}`, start, (error) => error instanceof WorkflowExecutionAlreadyStartedError);
      this.stats.started += 1;
      return true;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      this.stats.duplicates += 1;
      return false;
    }
  }

  /** Runs `action` until it succeeds (backoff up to 10 s), or fails with an error `final` accepts. */
  private async retrying<T>(what: string, action: () => Promise<T>, final: (error: unknown) => boolean = () => false): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.abandoned) throw new Error(`${what}: the consumer stopped before it succeeded`);
      try {
        return await action();
      } catch (error) {
        if (final(error)) throw error;
        this.stats.startRetries += 1;
        const delayMs = Math.min(10_000, 100 * 2 ** Math.min(attempt, 7));
        this.options.logger.warn({ err: error, attempt, retryInMs: delayMs }, `${what} failed: retrying`);
        await sleep(delayMs);
      }
    }
  }
}
