/**
 * Writes payment events to Kafka for the demo, the benchmark and manual tests: `--count` messages
 * of `generatePaymentMessages` (libs/testing), of which the `--duplicates` share are redeliveries
 * of an earlier valid event and the `--invalid` share fail schema validation, at `--rate` messages
 * per second (open loop: message i is due at start + i / rate, whatever the broker's latency),
 * keyed by customer id, with an idempotent producer (acks = all).
 *
 * Progress goes to stderr (a bar on a terminal, a line a second elsewhere); the summary is one JSON
 * object on stdout. Run: bash tools/payments/produce.sh --help
 */
import { PAYMENT_TOPICS } from '@enrich/domain';
import { MultipleErrors, NetworkError, Producer, ProduceAcks, stringSerializers, TimeoutError } from '@platformatic/kafka';
import { Presets, SingleBar } from 'cli-progress';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { generatePaymentMessages, paymentMessageCounts, type PaymentMessage } from '../../libs/testing/src/payment-events';

const TOOL = 'produce-payments';
/** Messages due within this long go out in one batch (at 200/s: 4 per batch, at 1,000/s: 20). */
const BATCH_WINDOW_MS = 20;
/** Largest batch: when catching up, and at --rate 0. */
const MAX_BATCH = 500;

const USAGE = `Usage: bash tools/payments/produce.sh [options]

Writes generated payment events (libs/testing/src/payment-events.ts) to a Kafka topic, keyed by
customer id, at a fixed rate; prints progress on stderr and a JSON summary on stdout.

Options:
  --count <n>          messages in all (default 10000)
  --rate <n>           messages per second, 0 = as fast as possible (default 200)
  --duplicates <share> share of redeliveries of an earlier valid event, 0..1 (default 0.05)
  --invalid <share>    share of messages that fail schema validation, 0..1 (default 0.02)
  --seed <n>           seed of the generator: same seed, same events (default 1)
  --run-id <id>        part of every event id, evt_<run-id>_<n> (default a new one per run, so
                       runs never share event ids)
  --customers <n>      size of the customer pool cus_1..cus_<n> (default 500)
  --topic <name>       topic (default ${PAYMENT_TOPICS.events}); it must exist
  --brokers <list>     comma-separated host:port (default $KAFKA_BROKERS, else 127.0.0.1:9092)
  -h, --help           this help

Example: eval "$(bash tools/stack/stack.sh env --profile test)" && bash tools/payments/produce.sh --count 2000 --rate 1000
`;

class UsageError extends Error {}

interface Options {
  count: number;
  rate: number;
  duplicates: number;
  invalid: number;
  seed: number;
  runId: string;
  customers: number;
  topic: string;
  brokers: string[];
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      count: { type: 'string' },
      rate: { type: 'string' },
      duplicates: { type: 'string' },
      invalid: { type: 'string' },
      seed: { type: 'string' },
      'run-id': { type: 'string' },
      customers: { type: 'string' },
      topic: { type: 'string' },
      brokers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const number = (name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, what: string) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const wholeNumber = (min: number) => (n: number) => Number.isSafeInteger(n) && n >= min;
  const share = (n: number) => n >= 0 && n <= 1;
  const options: Options = {
    count: number('count', values.count, 10_000, wholeNumber(0), 'a whole number >= 0'),
    rate: number('rate', values.rate, 200, (n) => n >= 0, 'a number of messages per second >= 0'),
    duplicates: number('duplicates', values.duplicates, 0.05, share, 'a share between 0 and 1'),
    invalid: number('invalid', values.invalid, 0.02, share, 'a share between 0 and 1'),
    seed: number('seed', values.seed, 1, wholeNumber(0), 'a whole number >= 0'),
    runId: values['run-id'] ?? newRunId(),
    customers: number('customers', values.customers, 500, wholeNumber(1), 'a whole number >= 1'),
    topic: values.topic ?? PAYMENT_TOPICS.events,
    brokers: (values.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== ''),
  };
  if (options.brokers.length === 0) throw new UsageError('--brokers is empty');
  for (const broker of options.brokers) if (!/^[^\s:]+:\d+$/.test(broker)) throw new UsageError(`--brokers: ${JSON.stringify(broker)} is not host:port`);
  if (options.topic === '') throw new UsageError('--topic is empty');
  try {
    try {
      paymentMessageCounts({ count: options.count, duplicateShare: options.duplicates, invalidShare: options.invalid });
    } catch (error) {
      throw new Error(`--count, --duplicates, --invalid: ${(error as Error).message}`);
    }
    // Count 0: checks the rest of the options (run id, customers) without making a message.
    generatePaymentMessages({ count: 0, duplicateShare: 0, invalidShare: 0, seed: options.seed, runId: options.runId, customers: options.customers }).next();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return options;
}

/** A run id of this invocation: readable, sortable, and never the same twice. */
function newRunId(): string {
  return `p${new Date().toISOString().replace(/[-:.]/g, '')}${randomBytes(2).toString('hex')}`;
}

/** The stderr progress: a bar on a terminal, otherwise a plain line a second. */
function progress(total: number): { update(sent: number, rate: number): void; stop(sent: number, rate: number): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${TOOL} |{bar}| {percentage}% {value}/{total} | {mps} msg/s | eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { mps: '0' });
    return {
      update: (sent, rate) => bar.update(sent, { mps: rate.toFixed(0) }),
      stop: (sent, rate) => {
        bar.update(sent, { mps: rate.toFixed(0) });
        bar.stop();
      },
    };
  }
  let lastLine = 0;
  const line = (sent: number, rate: number) => process.stderr.write(`${TOOL}: sent ${sent}/${total} (${rate.toFixed(0)} msg/s)\n`);
  return {
    update: (sent, rate) => {
      const now = Date.now();
      if (now - lastLine < 1_000) return;
      lastLine = now;
      line(sent, rate);
    },
    stop: line,
  };
}

/** An error's message; for the library's nested errors, their distinct innermost messages. */
function describe(error: unknown): string {
  const leaves = new Set<string>();
  const walk = (e: unknown) => {
    if (e instanceof MultipleErrors && e.errors.length > 0) e.errors.forEach(walk);
    else leaves.add(e instanceof Error ? e.message : String(e));
  };
  walk(error);
  return [...leaves].join('; ');
}

function unreachable(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof TimeoutError) return true;
  return error instanceof MultipleErrors && error.errors.length > 0 && error.errors.every(unreachable);
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`${TOOL}: error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { count, rate, topic, brokers } = options;
  const where = brokers.join(',');

  const producer = new Producer({
    clientId: `enrich-produce-payments-${options.runId}`,
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Bounded: the idempotent default retries forever, which would hang on a broker gone away.
    retries: 10,
    retryDelay: 500,
    connectTimeout: 5_000,
  });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${TOOL}: interrupted: stopping after the batch in flight (again to quit at once)\n`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    try {
      await producer.metadata({ topics: [topic], retries: 1 });
    } catch (error) {
      if (unreachable(error)) throw new Error(`cannot reach Kafka at ${where}: is the stack up? bash tools/stack/stack.sh up (${describe(error)})`);
      if (/unknown topic/i.test(describe(error))) {
        throw new Error(`topic ${topic} does not exist on ${where}: bash tools/stack/stack.sh up creates ${PAYMENT_TOPICS.events}; create others first`);
      }
      throw new Error(`cannot read the metadata of topic ${topic} on ${where}: ${describe(error)}`);
    }

    const messages = generatePaymentMessages({
      count,
      duplicateShare: options.duplicates,
      invalidShare: options.invalid,
      seed: options.seed,
      runId: options.runId,
      customers: options.customers,
      // occurredAt follows the sending schedule, so no event runs ahead of the clock.
      intervalMs: rate > 0 ? 1_000 / rate : 0.02,
    })[Symbol.iterator]();
    const sentByKind = { valid: 0, duplicate: 0, invalid: 0 };
    let sent = 0;
    const minBatch = rate > 0 ? Math.max(1, Math.min(MAX_BATCH, Math.round((rate * BATCH_WINDOW_MS) / 1_000))) : MAX_BATCH;
    const bar = progress(count);
    const started = performance.now();
    const elapsedSeconds = () => (performance.now() - started) / 1_000;
    const currentRate = () => (elapsedSeconds() > 0 ? sent / elapsedSeconds() : 0);
    try {
      while (sent < count && !stopping) {
        // Open loop: how many messages are due by now, whatever the previous batches took.
        const due = rate > 0 ? Math.min(count, Math.floor(elapsedSeconds() * rate)) : count;
        if (due - sent < Math.min(minBatch, count - sent)) {
          const dueAtMs = ((sent + Math.min(minBatch, count - sent)) / rate) * 1_000;
          await sleep(Math.max(1, dueAtMs - (performance.now() - started)));
          bar.update(sent, currentRate());
          continue;
        }
        const batch: PaymentMessage[] = [];
        while (batch.length < Math.min(MAX_BATCH, due - sent)) {
          const next = messages.next();
          if (next.done === true) break;
          batch.push(next.value);
        }
        try {
          await producer.send({ messages: batch.map(({ key, value }) => ({ topic, key, value })) });
        } catch (error) {
          if (unreachable(error)) throw new Error(`lost Kafka at ${where} after ${sent} of ${count} messages: ${describe(error)}`);
          throw new Error(`sending to ${topic} on ${where} failed after ${sent} of ${count} messages: ${describe(error)}`);
        }
        sent += batch.length;
        for (const message of batch) sentByKind[message.kind] += 1;
        bar.update(sent, currentRate());
      }
    } finally {
      bar.stop(sent, currentRate());
    }
    const seconds = elapsedSeconds();
    const summary = {
      sent,
      valid: sentByKind.valid,
      duplicates: sentByKind.duplicate,
      invalid: sentByKind.invalid,
      seconds: Number(seconds.toFixed(3)),
      ratePerSecond: Number((seconds > 0 ? sent / seconds : 0).toFixed(1)),
      runId: options.runId,
      seed: options.seed,
      topic,
      ...(stopping ? { interrupted: true } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return stopping ? 130 : 0;
  } finally {
    await producer.close().catch((error: unknown) => process.stderr.write(`${TOOL}: warning: closing the producer: ${describe(error)}\n`));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${TOOL}: error: ${describe(error)}\n`);
    process.exitCode = 1;
  },
);
