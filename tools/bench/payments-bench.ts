/**
 * Benchmark of the payment stream end to end, against a baseline without Temporal, in one run.
 *
 * Both sides get the same load: `BENCH_PAYMENTS_RATE` events/s (default 200) for
 * `BENCH_PAYMENTS_SECONDS` (default 30), valid events only (`generatePaymentMessages`, no
 * duplicates, no invalid ones, the same seed and event ids on both sides), written by this process
 * to a fresh topic of 6 partitions in an open loop (event i is due at start + i / rate, whatever the
 * broker answers), after a warm-up of 100 events that is not timed. Each side has a database of its
 * own cloned from the test template.
 *
 * - **Baseline**: a plain consumer (this file again, `--baseline`, a child process): a
 *   `@platformatic/kafka` Consumer with autocommit that, for each event and at most 64 at once,
 *   parses it (`parsePaymentEvent`), seals card number and email with the codec's sealer (as the
 *   stream consumer does), checks the business rules, asks the inference service the same models
 *   with the same features (fraud or retry strategy, then churn; each fed by
 *   `PaymentEventRepository.customerHistory`, as the activities are) and stores the event with
 *   `PaymentEventRepository.insert`.
 * - **Platform**: the compiled `stream-consumer` app (`apps/stream-consumer/dist/main.js`) and a
 *   worker started as production starts it (`apps/worker/start.sh`), both child processes, on a
 *   task queue of their own: one `paymentEventWorkflow` per event.
 *
 * A mock-enrichment child of the bench's own (latency 0) serves the inference models to both.
 * Figures come from the rows: events/s = rows ÷ (last `created_at` − first `received_at`, the
 * broker timestamp), event-to-row latency = `created_at − received_at` (p50 / p99 / max, in SQL).
 * CPU of every child, of the stack's Temporal server, PostgreSQL and Kafka (from the pid files of
 * `STACK_DIR`) and of the host over each timed phase; for the platform, where the latency goes
 * (broker → workflow started, from Temporal's visibility; started → row).
 *
 * CI gates are correctness only (every event stored exactly once on both sides, no baseline error)
 * and a collapse floor (platform ≥ 5 % of the offered rate); the targets (≥ 95 % of the offered
 * rate, p99 ≤ 2 s) are printed, never gated. Run: bash tools/bench/run-payments-bench.sh.
 */
import { createCodecKit } from '@enrich/codec';
import { createPrismaClient, PaymentEventRepository } from '@enrich/db';
import {
  churnPredictionSchema,
  fraudScoreSchema,
  paymentEventWorkflowId,
  parsePaymentEvent,
  type PaymentInference,
  paymentRuleViolations,
  retryStrategySchema,
  sealPaymentEvent,
  type SealedPaymentEvent,
} from '@enrich/domain';
import { type HttpProviderOptions, postLookup } from '@enrich/providers';
import { createTestDatabase, generatePaymentMessages, type PaymentMessage, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import { Admin, Consumer, type Message, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import type { z } from 'zod';
import { type Child, coreCount, hostCpu, type ProcessReading, readProcess, startHttpChild, startUntilOutput } from './children';
import { databaseActiveMs } from './pg-stats';
import { BenchReport, type ReportLine, strictFromEnv } from './report';
import { writeWorkflowBundle } from './workflow-bundle';

/** The run script starts the bench from the repository root (the bench itself is compiled elsewhere). */
const REPO_ROOT = resolve(process.cwd());
const PARTITIONS = 6;
/** Events each side gets before its timed phase (JIT, connections, the group's join, workflow cache). */
const WARMUP_EVENTS = 100;
const SEED = 7;
/** The baseline's events in flight at once (the stream consumer's default `STREAM_MAX_IN_FLIGHT` is 64 too). */
const BASELINE_CONCURRENCY = 64;
/** Events due within this long go out in one produce request (at 200/s: 4 per request), as tools/payments/produce.ts. */
const BATCH_WINDOW_MS = 20;
const MAX_BATCH = 500;
/**
 * Offered-rate share the platform should sustain (target) and below which it has collapsed (CI
 * gate). The floor is 5 %: the platform made 16.7-23.6 events/s on the 2-core machine when other
 * sessions did not saturate it (see README), so a floor at 20/s would fail working code at random.
 */
const TARGET_SHARE = 0.95;
const COLLAPSE_SHARE = 0.05;
const P99_TARGET_MS = 2_000;
/** Workflows whose histories are read for where the time goes inside Temporal. */
const HISTORY_SAMPLE = 60;

/** Set on SIGINT/SIGTERM: the load and the waits stop, the cleanup stops the children. */
let interrupted = false;

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : value >= 10_000 ? `${fmt(value / 1000, 1)} s` : `${fmt(value, value < 10 ? 1 : 0)} ms`);

function positiveEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// ---------------------------------------------------------------------------------------------
// The baseline: run as `node payments-bench.js --baseline` (BENCH_* variables below).

interface BaselineStats {
  read: number;
  stored: number;
  /** Events whose row existed already (none expected: each event is read once). */
  existed: number;
  /** Unreadable messages and events breaking a business rule (none expected). */
  unreadable: number;
  rejected: number;
  /** Failed attempts (each retried up to 5 times), events given up, and the first errors. */
  errors: number;
  failed: number;
  samples: string[];
  maxInFlight: number;
}

async function baselineConsumer(): Promise<void> {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const env = testEnv();
  const topic = need('BENCH_TOPIC');
  const statsFile = need('BENCH_STATS_FILE');
  const concurrency = Number(need('BENCH_CONCURRENCY'));
  // The stream consumer's sealer (same key provider and cache), the worker's pool size and client.
  const { sealer } = createCodecKit(env.codec, { namespace: env.temporal.namespace });
  const prisma = createPrismaClient({ url: need('BENCH_DATABASE_URL'), poolSize: 10 });
  const payments = new PaymentEventRepository(prisma);
  const inference: HttpProviderOptions = { baseUrl: need('BENCH_INFERENCE_URL'), timeoutMs: 10_000 };
  const stats: BaselineStats = { read: 0, stored: 0, existed: 0, unreadable: 0, rejected: 0, errors: 0, failed: 0, samples: [], maxInFlight: 0 };
  const writeStats = () => writeFileSync(statsFile, JSON.stringify(stats));

  /** One model, as the activities ask it: features from the customer's history, the answer checked against the contract. */
  const infer = async <S extends z.ZodType>(model: string, path: string, features: unknown, schema: S): Promise<z.infer<S>> => {
    const answer = await postLookup<unknown>(model, path, features, inference);
    if (!answer.found) throw new Error(`${model}: no ${path} (404)`);
    return schema.parse(answer.body);
  };
  const DAY_MS = 86_400_000;
  const score = async (event: SealedPaymentEvent): Promise<PaymentInference> => {
    const occurredAt = new Date(event.occurredAt);
    let fraud: PaymentInference['fraud'] = null;
    let retry: PaymentInference['retry'] = null;
    if (event.type === 'payment.succeeded') {
      const history = await payments.customerHistory(event.customerId, occurredAt, event.eventId);
      fraud = await infer(
        'fraud',
        '/inference/fraud',
        {
          amount: event.amount,
          currency: event.currency,
          cardCountry: event.card.country,
          billingCountry: event.billingCountry,
          bin: event.card.bin,
          customerEventsLastHour: history.eventsLastHour,
        },
        fraudScoreSchema,
      );
    } else {
      const history = await payments.customerHistory(event.customerId, occurredAt, event.eventId);
      retry = await infer(
        'retry-strategy',
        '/inference/retry-strategy',
        { declineCode: event.declineCode ?? 'unknown', amount: event.amount, currency: event.currency, customerFailuresLast30Days: history.failuresLast30Days },
        retryStrategySchema,
      );
    }
    const history = await payments.customerHistory(event.customerId, occurredAt, event.eventId);
    const churn = await infer(
      'churn',
      '/inference/churn',
      {
        customerEventsLast30Days: history.eventsLast30Days,
        customerFailuresLast30Days: history.failuresLast30Days,
        customerTenureDays: history.firstSeenAt ? Math.max(0, Math.floor((occurredAt.getTime() - history.firstSeenAt.getTime()) / DAY_MS)) : 0,
        lastPaymentFailed: event.type === 'payment.failed',
      },
      churnPredictionSchema,
    );
    return { fraud, retry, churn };
  };

  const handle = async (message: Message<Buffer, Buffer, Buffer, Buffer>): Promise<void> => {
    const receivedAt = new Date(Number(message.timestamp));
    const parsed = parsePaymentEvent(message.value);
    if (!parsed.ok) {
      stats.unreadable += 1;
      return;
    }
    const event = await sealPaymentEvent(parsed.event, { topic: message.topic, partition: message.partition, offset: String(message.offset) }, sealer);
    if (paymentRuleViolations(event, receivedAt).length > 0) {
      stats.rejected += 1;
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const stored = await payments.insert(event, await score(event), receivedAt);
        if (stored) stats.stored += 1;
        else stats.existed += 1;
        return;
      } catch (error) {
        stats.errors += 1;
        if (stats.samples.length < 5) stats.samples.push(`${event.eventId}: ${(error as Error).message.slice(0, 200)}`);
        if (attempt === 5) {
          stats.failed += 1;
          return;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
  };

  const consumer = new Consumer({
    clientId: `payments-bench-baseline-${process.pid}`,
    groupId: need('BENCH_GROUP'),
    bootstrapBrokers: env.kafkaBrokers,
    sessionTimeout: 20_000,
    heartbeatInterval: 3_000,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: true });
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stream.close().catch(() => undefined);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  const ticker = setInterval(writeStats, 500);
  console.log(`baseline consuming ${topic}`);
  try {
    for await (const message of stream) {
      if (stopping) break;
      stats.read += 1;
      const handled = handle(message).catch((error: unknown) => {
        stats.errors += 1;
        stats.failed += 1;
        if (stats.samples.length < 5) stats.samples.push((error as Error).message.slice(0, 200));
      });
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight.size);
      while (inFlight.size >= concurrency && !stopping) await Promise.race(inFlight);
    }
  } catch (error) {
    if (!stopping) throw error;
  }
  await Promise.allSettled([...inFlight]);
  clearInterval(ticker);
  writeStats();
  await consumer.close().catch(() => undefined);
  await prisma.$disconnect();
  console.log(`baseline stopped: ${JSON.stringify(stats)}`);
}

// ---------------------------------------------------------------------------------------------
// The load: an open loop at a fixed rate.

interface Produced {
  sent: number;
  /** performance.now() when the first event was due. */
  startedAt: number;
  /** performance.now() of the last produce request's answer. */
  lastAt: number;
  /** Most time an event waited past its due time before its request left (the producer behind schedule). */
  maxLagMs: number;
}

/** Writes `count` messages of `messages` to `topic`: message i is due at start + i / rate; all due ones go in one request. */
async function produceOpenLoop(
  producer: Producer<string, string, string, string>,
  topic: string,
  messages: Iterator<PaymentMessage>,
  count: number,
  rate: number,
) {
  const started = performance.now();
  const result: Produced = { sent: 0, startedAt: started, lastAt: NaN, maxLagMs: 0 };
  const minBatch = Math.max(1, Math.min(MAX_BATCH, Math.round((rate * BATCH_WINDOW_MS) / 1_000)));
  const dueAt = (i: number) => started + (i * 1_000) / rate;
  while (result.sent < count && !interrupted) {
    const now = performance.now();
    const due = Math.min(count, Math.floor(((now - started) * rate) / 1_000) + 1);
    const want = Math.min(minBatch, count - result.sent);
    if (due - result.sent < want) {
      await sleep(Math.max(1, dueAt(result.sent + want - 1) - now));
      continue;
    }
    result.maxLagMs = Math.max(result.maxLagMs, now - dueAt(result.sent));
    const batch: PaymentMessage[] = [];
    while (batch.length < Math.min(MAX_BATCH, due - result.sent)) {
      const next = messages.next();
      if (next.done === true) break;
      batch.push(next.value);
    }
    if (batch.length === 0) break;
    await producer.send({ messages: batch.map(({ key, value }) => ({ topic, key, value })) });
    result.sent += batch.length;
    result.lastAt = performance.now();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// CPU over a phase: children by pid, the stack's services as process trees, the bench, the host.

/** A process to watch: its pid now (a service's is read from its pid file each time: it may restart), and whether to count its descendants. */
interface Watched {
  pid: () => number;
  tree?: boolean;
}

/** Microseconds some runnable task waited for a CPU (`/proc/pressure/cpu`, `some total`); NaN without PSI. */
function cpuPressureUs(): number {
  try {
    const match = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

interface ProcessUse extends ProcessReading {
  /** The pid changed during the phase (a service restarted): its figures are not comparable. */
  restarted: boolean;
}

interface Snapshot {
  procs: Map<string, { pid: number; reading: ProcessReading }>;
  host: { busy: number; total: number };
  pressure: number;
  at: number;
}

interface PhaseUse {
  procs: Record<string, ProcessUse>;
  /** Busy core-seconds of the host, and percent of all its cores. */
  hostSeconds: number;
  hostPercent: number;
  /** Share of the time at least one runnable task of the host waited for a CPU (PSI `some`). */
  cpuWaitPercent: number;
  elapsed: number;
}

class ProcessMeter {
  private readonly start: Snapshot;

  constructor(private readonly watched: Record<string, Watched>) {
    this.start = this.snapshot();
  }

  /** What every watched process and the host have used so far. */
  snapshot(): Snapshot {
    const procs = new Map<string, { pid: number; reading: ProcessReading }>();
    for (const [name, { pid, tree }] of Object.entries(this.watched)) {
      const now = pid();
      procs.set(name, { pid: now, reading: readProcess(now, tree) });
    }
    return { procs, host: hostCpu(), pressure: cpuPressureUs(), at: performance.now() };
  }

  /** Use between two snapshots (default: from the start to now). */
  between(from: Snapshot = this.start, to: Snapshot = this.snapshot()): PhaseUse {
    const elapsed = (to.at - from.at) / 1000;
    const procs: Record<string, ProcessUse> = {};
    for (const name of Object.keys(this.watched)) {
      const before = from.procs.get(name);
      const after = to.procs.get(name);
      const restarted = before === undefined || after === undefined || before.pid !== after.pid;
      const delta = (key: keyof ProcessReading) => (restarted ? NaN : Math.max(0, (after?.reading[key] ?? 0) - (before?.reading[key] ?? 0)));
      procs[name] = { cpu: delta('cpu'), run: delta('run'), wait: delta('wait'), written: delta('written'), restarted };
    }
    const busy = to.host.busy - from.host.busy;
    return {
      procs,
      hostSeconds: busy / 100,
      hostPercent: (busy / Math.max(1, to.host.total - from.host.total)) * 100,
      cpuWaitPercent: ((to.pressure - from.pressure) / 1e6 / elapsed) * 100,
      elapsed,
    };
  }
}

/** The stack's services (pid files in STACK_DIR, which `stack.sh env` exports), as process trees. */
function stackServices(): { watched: Record<string, Watched>; note: string } {
  const dir = process.env.STACK_DIR;
  if (!dir) return { watched: {}, note: 'STACK_DIR unset: the Temporal server, PostgreSQL and Kafka are not measured' };
  const watched: Record<string, Watched> = {};
  const missing: string[] = [];
  for (const [name, file] of [
    ['Temporal server', 'temporal.pid'],
    ['PostgreSQL', 'postgres.pid'],
    ['Kafka', 'kafka.pid'],
  ] as const) {
    const pid = () => {
      try {
        return Number(readFileSync(join(dir, file), 'utf8').trim().split(/\s+/)[0]) || 0;
      } catch {
        return 0;
      }
    };
    if (readProcess(pid(), true).cpu > 0) watched[name] = { pid, tree: true };
    else missing.push(name);
  }
  return { watched, note: missing.length > 0 ? `not running per the pid files in ${dir}: ${missing.join(', ')}` : '' };
}

// ---------------------------------------------------------------------------------------------
// One side: warm-up, the timed load, waiting for the rows, and what the rows say.

interface SideOptions {
  label: 'baseline' | 'platform';
  producer: Producer<string, string, string, string>;
  topic: string;
  db: TestDatabase;
  serverUrl: string;
  runId: string;
  rate: number;
  count: number;
  drainMs: number;
  watched: Record<string, Watched>;
  mockUrl: string;
  /** Progress of the side's reader, for the log lines. */
  progress: () => string;
  /** The workflow task queue's backlog now (platform). */
  backlog?: () => Promise<{ count: number; ageMs: number }>;
}

interface Latency {
  rows: number;
  p50: number;
  p99: number;
  max: number;
  /** ms from the first event's broker timestamp to the last row's created_at. */
  spanMs: number;
}

interface SideResult {
  produced: Produced;
  warm: { produced: number; stored: number };
  /** Rows of the timed events; of the warm-up; ids of the timed events missing; rows of neither; quarantined. */
  stored: number;
  missing: number;
  missingSample: string[];
  otherRows: number;
  quarantined: number;
  latency: Latency;
  eventsPerSecond: number;
  /** Rows stored per second while the events were being produced, and from the last one produced to the last row. */
  rateWhileProducing: number;
  rateAfter: number;
  /** Most workflow tasks waiting in the task queue, and the oldest one's age (platform). */
  backlog?: { count: number; ageMs: number };
  use: PhaseUse;
  /** The same, while the events were produced and from then on to the last row. */
  useWhileProducing: PhaseUse;
  useAfter: PhaseUse;
  /** PostgreSQL statement time of the side's database during the timed phase. */
  pgActiveMs: number;
  /** Inference calls during the timed phase, per model (all outcomes), and those not answered 200. */
  modelCalls: Record<string, number>;
  modelNotOk: number;
  /** Whether every row came before the deadline (else the drain gave up). */
  drained: boolean;
  drainNote: string;
}

async function modelCounts(mockUrl: string): Promise<Record<string, { calls: number; ok: number }>> {
  const response = await fetch(`${mockUrl}/admin/inference`);
  const body = (await response.json()) as { models: { name: string; counts: { calls: number; ok: number } }[] };
  return Object.fromEntries(body.models.map((model) => [model.name, model.counts]));
}

const eventPrefix = (runId: string) => `evt_${runId}_`;

async function countRows(pg: PgClient, prefix: string): Promise<number> {
  const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM payment_events WHERE starts_with(event_id, $1)', [prefix]);
  return Number(rows[0]?.n ?? 0);
}

/** Rows of a run counted every 250 ms (and the backlog every second, when asked), until stopped. */
class RowTimeline {
  readonly samples: { at: number; rows: number }[] = [];
  backlog: { count: number; ageMs: number } | undefined;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(pg: PgClient, prefix: string, backlog?: () => Promise<{ count: number; ageMs: number }>) {
    this.loops = [
      (async () => {
        while (this.running) {
          this.samples.push({ at: performance.now(), rows: await countRows(pg, prefix) });
          await sleep(250);
        }
      })(),
    ];
    if (backlog)
      this.loops.push(
        (async () => {
          while (this.running) {
            const now = await backlog().catch(() => undefined);
            if (now) this.backlog = { count: Math.max(now.count, this.backlog?.count ?? 0), ageMs: Math.max(now.ageMs, this.backlog?.ageMs ?? 0) };
            await sleep(1_000);
          }
        })(),
      );
  }

  get rows(): number {
    return this.samples.at(-1)?.rows ?? 0;
  }

  /** Rows counted at the last sample at or before `at` (performance.now()). */
  rowsAt(at: number): number {
    let rows = 0;
    for (const sample of this.samples) {
      if (sample.at > at) break;
      rows = sample.rows;
    }
    return rows;
  }

  /** When the count first reached `rows`. */
  reached(rows: number): number {
    return this.samples.find((sample) => sample.rows >= rows)?.at ?? NaN;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/**
 * Waits until `expected` rows are there, as long as they keep coming: gives up when nothing moved
 * for a minute, or at the deadline (a correctness gate must not depend on speed).
 */
async function waitForRows(timeline: RowTimeline, expected: number, deadlineMs: number, label: string, progress: () => string) {
  const until = performance.now() + deadlineMs;
  let seen = timeline.rows;
  let movedAt = performance.now();
  let loggedAt = performance.now();
  while (timeline.rows < expected) {
    if (interrupted) return { drained: false, note: 'interrupted' };
    const now = performance.now();
    if (timeline.rows !== seen) {
      seen = timeline.rows;
      movedAt = now;
    }
    if (now > until) return { drained: false, note: `deadline (${ms(deadlineMs)}) passed with ${fmt(seen)} of ${fmt(expected)} rows` };
    if (now - movedAt > 60_000) return { drained: false, note: `no new row for 60 s at ${fmt(seen)} of ${fmt(expected)}` };
    if (now - loggedAt >= 5_000) {
      loggedAt = now;
      log(`  ${label}: ${fmt(seen)} / ${fmt(expected)} rows; ${progress()}`);
    }
    await sleep(100);
  }
  return { drained: true, note: '' };
}

async function runSide(options: SideOptions): Promise<SideResult> {
  const { label, producer, topic, db, runId, rate, count } = options;
  const pg = new PgClient({ connectionString: db.url });
  // Dropping the database at an interruption ends this connection: not a crash.
  pg.on('error', (error) => log(`${label}: database connection: ${error.message}`));
  await pg.connect();
  try {
    // Warm-up: untimed events of another run id, at the same rate.
    const warmRun = `${runId}w`;
    const warmMessages = generatePaymentMessages({
      count: WARMUP_EVENTS,
      duplicateShare: 0,
      invalidShare: 0,
      seed: SEED + 1,
      runId: warmRun,
      intervalMs: 1_000 / rate,
    })[Symbol.iterator]();
    log(`${label}: warm-up, ${WARMUP_EVENTS} events`);
    const warmTimeline = new RowTimeline(pg, eventPrefix(warmRun));
    const warmSent = await produceOpenLoop(producer, topic, warmMessages, WARMUP_EVENTS, rate);
    const warm = await waitForRows(warmTimeline, WARMUP_EVENTS, 300_000, `${label} warm-up`, options.progress);
    await warmTimeline.stop();
    if (!warm.drained) throw new Error(`${label}: the warm-up did not finish: ${warm.note}`);

    // The timed load.
    const modelsBefore = await modelCounts(options.mockUrl);
    const pgBefore = await databaseActiveMs(options.serverUrl, db.url);
    log(`${label}: ${fmt(count)} events at ${fmt(rate)}/s`);
    const timeline = new RowTimeline(pg, eventPrefix(runId), options.backlog);
    const meter = new ProcessMeter(options.watched);
    const messages = generatePaymentMessages({ count, duplicateShare: 0, invalidShare: 0, seed: SEED, runId, intervalMs: 1_000 / rate })[Symbol.iterator]();
    const produced = await produceOpenLoop(producer, topic, messages, count, rate);
    const producedSnapshot = meter.snapshot();
    log(`${label}: ${fmt(produced.sent)} events produced in ${ms(produced.lastAt - produced.startedAt)}; waiting for the rows`);
    const waited = await waitForRows(timeline, produced.sent, options.drainMs, label, options.progress);
    if (interrupted) throw new Error('interrupted');
    const endSnapshot = meter.snapshot();
    const use = meter.between(undefined, endSnapshot);
    const useWhileProducing = meter.between(undefined, producedSnapshot);
    const useAfter = meter.between(producedSnapshot, endSnapshot);
    await timeline.stop();
    const pgActiveMs = (await databaseActiveMs(options.serverUrl, db.url)) - pgBefore;
    const modelsAfter = await modelCounts(options.mockUrl);
    const modelCalls: Record<string, number> = {};
    let modelNotOk = 0;
    for (const [name, after] of Object.entries(modelsAfter)) {
      const before = modelsBefore[name] ?? { calls: 0, ok: 0 };
      modelCalls[name] = after.calls - before.calls;
      modelNotOk += after.calls - before.calls - (after.ok - before.ok);
    }
    const atLastSend = timeline.rowsAt(produced.lastAt);
    const lastRowSeen = timeline.reached(timeline.rows);
    const rateWhileProducing = ((atLastSend - timeline.rowsAt(produced.startedAt)) * 1000) / Math.max(1, produced.lastAt - produced.startedAt);
    const rateAfter = lastRowSeen > produced.lastAt ? ((timeline.rows - atLastSend) * 1000) / (lastRowSeen - produced.lastAt) : NaN;

    // What the rows say: latency and span of the timed events (the warm-up's are left out).
    const { rows: lat } = await pg.query<{ n: string; p50: number | null; p99: number | null; max: number | null; span: number | null }>(
      `SELECT count(*) AS n,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY lat) AS p50,
              percentile_disc(0.99) WITHIN GROUP (ORDER BY lat) AS p99,
              max(lat) AS max,
              extract(epoch FROM max(created_at) - min(received_at)) * 1000 AS span
         FROM (SELECT created_at, received_at, extract(epoch FROM created_at - received_at) * 1000 AS lat
                 FROM payment_events WHERE starts_with(event_id, $1)) t`,
      [eventPrefix(runId)],
    );
    const row = lat[0];
    const latency: Latency = {
      rows: Number(row?.n ?? 0),
      p50: Number(row?.p50 ?? NaN),
      p99: Number(row?.p99 ?? NaN),
      max: Number(row?.max ?? NaN),
      spanMs: Number(row?.span ?? NaN),
    };
    // Every event id produced (evt_<run>_1 .. _n: valid events are numbered), each there.
    const missingQuery = async (run: string, n: number) =>
      (
        await pg.query<{ id: string }>(
          `SELECT $1 || g AS id FROM generate_series(1, $2::int) g
            WHERE NOT EXISTS (SELECT 1 FROM payment_events WHERE event_id = $1 || g) ORDER BY g`,
          [eventPrefix(run), n],
        )
      ).rows.map((r) => r.id);
    const missing = [...(await missingQuery(runId, produced.sent)), ...(await missingQuery(warmRun, warmSent.sent))];
    const { rows: totals } = await pg.query<{ all: string; timed: string; warm: string; quarantined: string }>(
      `SELECT count(*) AS all,
              count(*) FILTER (WHERE starts_with(event_id, $1)) AS timed,
              count(*) FILTER (WHERE starts_with(event_id, $2)) AS warm,
              (SELECT count(*) FROM payment_events_quarantine) AS quarantined
         FROM payment_events`,
      [eventPrefix(runId), eventPrefix(warmRun)],
    );
    const total = totals[0];
    const stored = Number(total?.timed ?? 0);
    const warmStored = Number(total?.warm ?? 0);
    return {
      produced,
      warm: { produced: warmSent.sent, stored: warmStored },
      stored,
      missing: missing.length,
      missingSample: missing.slice(0, 5),
      otherRows: Number(total?.all ?? 0) - stored - warmStored,
      quarantined: Number(total?.quarantined ?? 0),
      latency,
      eventsPerSecond: latency.spanMs > 0 ? (latency.rows * 1000) / latency.spanMs : 0,
      rateWhileProducing,
      rateAfter,
      backlog: timeline.backlog,
      use,
      useWhileProducing,
      useAfter,
      pgActiveMs,
      modelCalls,
      modelNotOk,
      drained: waited.drained,
      drainNote: waited.note,
    };
  } finally {
    await pg.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------

/** The last pino line of a log whose msg is `msg`, parsed (the log is flushed shortly after the child exits). */
async function lastLogLine(path: string, msg: string): Promise<Record<string, unknown> | undefined> {
  for (let tries = 0; tries < 20; tries++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const line = text
      .split('\n')
      .reverse()
      .find((l) => l.includes(`"msg":"${msg}"`));
    if (line) {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    }
    await sleep(100);
  }
  return undefined;
}

/** Where the platform's latency goes, per event: broker → workflow started (the consumer), started → row (the worker). */
async function latencySplit(client: Client, taskQueue: string, serverRows: { event_id: string; received: number; created: number }[]) {
  const started = new Map<string, number>();
  for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    started.set(execution.workflowId, execution.startTime.getTime());
  }
  const toStart: number[] = [];
  const toRow: number[] = [];
  for (const row of serverRows) {
    const at = started.get(paymentEventWorkflowId(row.event_id));
    if (at === undefined) continue;
    toStart.push(at - row.received);
    toRow.push(row.created - at);
  }
  const sort = (values: number[]) => Float64Array.from(values).sort();
  return { matched: toStart.length, toStart: sort(toStart), toRow: sort(toRow) };
}

interface HistorySample {
  workflows: number;
  /** Per workflow, ms: its start → its first workflow task picked up by the worker (the task's wait in the queue). */
  queueWait: Float64Array;
  /** Per workflow, ms the worker held its workflow tasks (started → completed: the local activities run inside). */
  workerTime: Float64Array;
  /** Per workflow, ms from the last workflow task completed to the execution closed (the server). */
  closeTime: Float64Array;
  workflowTasks: Float64Array;
  historyEvents: Float64Array;
  /** Workflows of the sample still running. */
  open: number;
}

/**
 * Histories of `size` workflows spread evenly over the timed events: where an event's time goes
 * inside Temporal (timestamps of the server's history events).
 */
async function historySample(client: Client, runId: string, produced: number, size: number): Promise<HistorySample> {
  const n = Math.min(size, produced);
  const queueWait: number[] = [];
  const workerTime: number[] = [];
  const closeTime: number[] = [];
  const workflowTasks: number[] = [];
  const historyEvents: number[] = [];
  let open = 0;
  for (let k = 0; k < n; k++) {
    const eventId = `${eventPrefix(runId)}${1 + Math.floor((k * produced) / n)}`;
    const history = await client.workflow.getHandle(paymentEventWorkflowId(eventId)).fetchHistory();
    const events = history.events ?? [];
    const at = (event: (typeof events)[number]) => tsToMs(event.eventTime);
    const closed = events.find((e) => e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes);
    if (events.length === 0 || !closed) {
      open++;
      continue;
    }
    const scheduled = events.filter((e) => e.workflowTaskScheduledEventAttributes);
    const started = events.filter((e) => e.workflowTaskStartedEventAttributes);
    const completed = events.filter((e) => e.workflowTaskCompletedEventAttributes);
    if (started.length === 0 || completed.length === 0) continue;
    queueWait.push(at(started[0]) - at(events[0]));
    let held = 0;
    for (let i = 0; i < Math.min(started.length, completed.length); i++) held += at(completed[i]) - at(started[i]);
    workerTime.push(held);
    closeTime.push(at(closed) - at(completed[completed.length - 1]));
    workflowTasks.push(scheduled.length);
    historyEvents.push(events.length);
  }
  const sort = (values: number[]) => Float64Array.from(values).sort();
  return {
    workflows: queueWait.length,
    queueWait: sort(queueWait),
    workerTime: sort(workerTime),
    closeTime: sort(closeTime),
    workflowTasks: sort(workflowTasks),
    historyEvents: sort(historyEvents),
    open,
  };
}

async function main(): Promise<void> {
  const seconds = positiveEnv('BENCH_PAYMENTS_SECONDS', 30);
  const rate = positiveEnv('BENCH_PAYMENTS_RATE', 200);
  const count = Math.max(1, Math.round(rate * seconds));
  // Generous (the wait also ends after a minute without a new row): a side that cannot keep up
  // still has to store every event, only late, and the correctness gates must not depend on speed.
  const drainMs = Math.max(600_000, seconds * 40_000);
  const env = testEnv();
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'payments-bench-'));
  const runId = `pb${process.pid.toString(36)}${Date.now().toString(36)}`;
  const taskQueue = uniqueTaskQueue('bench-payments');
  const topics = {
    baseline: `payments.bench.${runId}.baseline`,
    platform: `payments.bench.${runId}.platform`,
    dlq: `payments.bench.${runId}.dlq`,
  };
  const groups = { baseline: `payments-bench-${runId}-baseline`, platform: `payments-bench-${runId}-platform` };
  const report = new BenchReport();
  const record = (line: ReportLine) => report.add(line);
  const info = (metric: string, measured: string) => report.info(undefined, metric, measured);

  const children: Child[] = [];
  const databases: TestDatabase[] = [];
  const admin = new Admin({ clientId: `payments-bench-admin-${process.pid}`, bootstrapBrokers: env.kafkaBrokers });
  let topicsCreated = false;
  let producer: Producer<string, string, string, string> | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;
  let passed = false;

  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const child of children.reverse())
        await child.stop().catch((error: unknown) => console.error(`could not stop ${child.name}: ${(error as Error).message}`));
      await producer?.close().catch(() => undefined);
      // Nothing of the bench stays open on the shared server: a workflow still running (an event not
      // stored, a review waiting for a decision) is terminated.
      if (client) {
        let terminated = 0;
        const pending = new Set<Promise<void>>();
        try {
          for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
            const done = client.workflow
              .getHandle(execution.workflowId, execution.runId)
              .terminate('payments benchmark finished')
              .then(
                () => void terminated++,
                () => undefined,
              );
            pending.add(done);
            void done.finally(() => pending.delete(done));
            // 32 at a time: thousands may be left when the bench is interrupted.
            if (pending.size >= 32) await Promise.race(pending);
          }
        } catch (error) {
          console.error(`could not list the bench's workflows: ${(error as Error).message}`);
        }
        await Promise.all(pending);
        if (terminated > 0) log(`terminated ${terminated} workflows still running on ${taskQueue}`);
      }
      await connection?.close().catch(() => undefined);
      if (topicsCreated) {
        await admin
          .deleteTopics({ topics: Object.values(topics) })
          .catch((error: unknown) => console.error(`could not delete the topics ${Object.values(topics).join(', ')}: ${(error as Error).message}`));
        await admin.deleteGroups({ groups: Object.values(groups) }).catch(() => undefined);
      }
      await admin.close().catch(() => undefined);
      for (const db of databases) await db.drop().catch((error: unknown) => console.error(`could not drop ${db.url}: ${(error as Error).message}`));
    })());
  const onSignal = (signal: string) => {
    interrupted = true;
    log(`${signal}: stopping the children and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  try {
    const cores = coreCount();
    log(
      `payment stream benchmark: node ${process.version}, ${cores} cores; ${fmt(count)} events per side at ${fmt(rate)}/s (${fmt(seconds)} s), ${PARTITIONS} partitions, after ${WARMUP_EVENTS} warm-up events; logs in ${dir}`,
    );
    const services = stackServices();
    if (services.note) log(services.note);

    await admin.createTopics({ topics: [topics.baseline, topics.platform], partitions: PARTITIONS, replicas: 1 });
    topicsCreated = true;
    await admin.createTopics({ topics: [topics.dlq], partitions: 1, replicas: 1 });
    producer = new Producer({
      clientId: `payments-bench-producer-${process.pid}`,
      bootstrapBrokers: env.kafkaBrokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      retries: 10,
      retryDelay: 500,
    });

    const bundlePath = await writeWorkflowBundle(dir);

    const mock = await startHttpChild(
      'mock',
      process.execPath,
      [join(REPO_ROOT, 'apps/mock-enrichment/dist/main.js')],
      { LOG_LEVEL: 'warn', MOCK_LATENCY_MS: '0', MOCK_JITTER_MS: '0', MOCK_FAILURE_RATE: '0', MOCK_NOT_FOUND_RATE: '0', MOCK_RATE_LIMIT_RPS: '0' },
      dir,
    );
    children.push(mock);

    // ----- Baseline.
    const baseDb = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    databases.push(baseDb);
    const statsFile = join(dir, 'baseline-stats.json');
    const baseline = await startUntilOutput(
      'baseline',
      process.execPath,
      [__filename, '--baseline'],
      {
        BENCH_TOPIC: topics.baseline,
        BENCH_GROUP: groups.baseline,
        BENCH_DATABASE_URL: baseDb.url,
        BENCH_INFERENCE_URL: mock.url,
        BENCH_STATS_FILE: statsFile,
        BENCH_CONCURRENCY: String(BASELINE_CONCURRENCY),
      },
      dir,
      'baseline consuming',
    );
    children.push(baseline);
    const readBaselineStats = (): BaselineStats | undefined => {
      try {
        return JSON.parse(readFileSync(statsFile, 'utf8')) as BaselineStats;
      } catch {
        return undefined;
      }
    };
    log(`baseline pid ${baseline.pid}, mock pid ${mock.pid}; database ${new URL(baseDb.url).pathname.slice(1)}`);
    const base = await runSide({
      label: 'baseline',
      producer,
      topic: topics.baseline,
      db: baseDb,
      serverUrl: env.databaseUrl,
      runId,
      rate,
      count,
      drainMs,
      watched: {
        baseline: { pid: () => baseline.pid },
        mock: { pid: () => mock.pid },
        ...services.watched,
        'bench (producer)': { pid: () => process.pid },
      },
      mockUrl: mock.url,
      progress: () => {
        const now = readBaselineStats();
        return now ? `baseline read ${fmt(now.read)}, errors ${now.errors}` : '';
      },
    });
    await baseline.stop();
    children.splice(children.indexOf(baseline), 1);
    const baseStats = readBaselineStats();

    // ----- Platform.
    const platDb = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    databases.push(platDb);
    // OPS_PORT 0: the worker's and consumer's operations endpoints on free ports, whatever else runs here.
    const temporalEnv = { TEMPORAL_ADDRESS: env.temporal.address, TEMPORAL_NAMESPACE: env.temporal.namespace, TEMPORAL_TASK_QUEUE: taskQueue, OPS_PORT: '0' };
    // start.sh passes its arguments to node. BENCH_WORKER_NODE_ARGS: extra node flags (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
    const worker = await startUntilOutput(
      'worker',
      'bash',
      [join(REPO_ROOT, 'apps/worker/start.sh'), ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      {
        ...temporalEnv,
        DATABASE_URL: platDb.url,
        MOCK_ENRICHMENT_URL: mock.url,
        BLOB_DIR: join(dir, 'blobs'),
        WORKFLOW_BUNDLE_PATH: bundlePath,
        LOG_LEVEL: 'info',
      },
      dir,
      '"worker started"',
    );
    children.push(worker);
    const consumer = await startUntilOutput(
      'stream-consumer',
      process.execPath,
      [join(REPO_ROOT, 'apps/stream-consumer/dist/main.js')],
      {
        ...temporalEnv,
        KAFKA_BROKERS: env.kafkaBrokers.join(','),
        PAYMENTS_TOPIC: topics.platform,
        PAYMENTS_DLQ_TOPIC: topics.dlq,
        KAFKA_GROUP_ID: groups.platform,
        KAFKA_CLIENT_ID: `payments-bench-${process.pid}`,
        LOG_LEVEL: 'info',
      },
      dir,
      'consuming payment events',
    );
    children.push(consumer);
    log(`stream-consumer pid ${consumer.pid}, worker pid ${worker.pid}; task queue ${taskQueue}; database ${new URL(platDb.url).pathname.slice(1)}`);
    const codec = createCodecKit(env.codec, { namespace: env.temporal.namespace });
    connection = await Connection.connect({ address: env.temporal.address });
    client = new Client({ connection, namespace: env.temporal.namespace, dataConverter: codec.dataConverter });
    const { workflowService } = client;
    const plat = await runSide({
      label: 'platform',
      producer,
      topic: topics.platform,
      db: platDb,
      serverUrl: env.databaseUrl,
      runId,
      rate,
      count,
      drainMs,
      watched: {
        'stream-consumer': { pid: () => consumer.pid },
        worker: { pid: () => worker.pid },
        mock: { pid: () => mock.pid },
        ...services.watched,
        'bench (producer)': { pid: () => process.pid },
      },
      backlog: async () => {
        const { stats } = await workflowService.describeTaskQueue({
          namespace: env.temporal.namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          reportStats: true,
        });
        return { count: Number(stats?.approximateBacklogCount ?? 0), ageMs: stats?.approximateBacklogAge ? tsToMs(stats.approximateBacklogAge) : 0 };
      },
      mockUrl: mock.url,
      progress: () => {
        // The stream-consumer's last progress line (every 10 s).
        const line = readFileSync(consumer.logPath, 'utf8')
          .split('\n')
          .reverse()
          .find((l) => l.includes('"msg":"progress"'));
        const stats = line ? (JSON.parse(line) as { read?: number; started?: number }) : undefined;
        return stats ? `stream-consumer read ${fmt(stats.read ?? 0)}, started ${fmt(stats.started ?? 0)} (its last progress line)` : '';
      },
    });
    // Where the platform's latency goes, before the consumer is stopped (nothing runs any more by now).
    const pgRows = new PgClient({ connectionString: platDb.url });
    pgRows.on('error', () => undefined);
    await pgRows.connect();
    const { rows: eventRows } = await pgRows.query<{ event_id: string; received: string; created: string }>(
      `SELECT event_id, (extract(epoch FROM received_at) * 1000)::bigint AS received, (extract(epoch FROM created_at) * 1000)::bigint AS created
         FROM payment_events WHERE starts_with(event_id, $1)`,
      [eventPrefix(runId)],
    );
    await pgRows.end();
    const split = await latencySplit(
      client,
      taskQueue,
      eventRows.map((r) => ({ event_id: r.event_id, received: Number(r.received), created: Number(r.created) })),
    ).catch((error: unknown) => (error as Error).message);
    const histories = await historySample(client, runId, plat.produced.sent, HISTORY_SAMPLE).catch((error: unknown) => (error as Error).message);
    await consumer.stop();
    children.splice(children.indexOf(consumer), 1);
    const consumerStats = await lastLogLine(consumer.logPath, 'consumer stopped');

    // ----- The table.
    const offered = rate;
    const floor = offered * COLLAPSE_SHARE;
    const target = offered * TARGET_SHARE;
    const lat = (side: SideResult) => `${ms(side.latency.p50)} / ${ms(side.latency.p99)} / ${ms(side.latency.max)}`;
    const sideLoad = (side: SideResult) =>
      `${fmt(side.produced.sent)} in ${ms(side.produced.lastAt - side.produced.startedAt)}, at most ${ms(side.produced.maxLagMs)} behind schedule`;
    info(
      'load, per side',
      `${fmt(count)} valid events (0 duplicates, 0 invalid; seed ${SEED}) at ${fmt(offered)}/s offered for ${fmt(seconds)} s, open loop, ${PARTITIONS} partitions; ${WARMUP_EVENTS} warm-up events first (untimed)`,
    );
    info('events produced: baseline; platform', `${sideLoad(base)}; ${sideLoad(plat)}`);
    record({
      metric: 'platform: events/s end to end (rows ÷ first broker timestamp → last row)',
      measured: `${fmt(plat.eventsPerSecond, 1)}/s (${fmt(plat.latency.rows)} rows in ${ms(plat.latency.spanMs)})`,
      target: `>= ${fmt(target)}/s (${fmt(TARGET_SHARE * 100)} % of offered)`,
      met: plat.eventsPerSecond >= target,
      gate: `>= ${fmt(floor)}/s`,
      held: plat.eventsPerSecond >= floor,
    });
    info('baseline: events/s end to end', `${fmt(base.eventsPerSecond, 1)}/s (${fmt(base.latency.rows)} rows in ${ms(base.latency.spanMs)})`);
    info('ratio events/s platform / baseline', `${fmt((plat.eventsPerSecond / base.eventsPerSecond) * 100, 1)} %`);
    record({
      metric: 'platform: p99 event-to-row (created_at − received_at)',
      measured: ms(plat.latency.p99),
      target: `<= ${ms(P99_TARGET_MS)}`,
      met: plat.latency.p99 <= P99_TARGET_MS,
    });
    info('platform: p50 / p99 / max event-to-row', lat(plat));
    info('baseline: p50 / p99 / max event-to-row', lat(base));
    if (typeof split === 'string') info('platform: latency split', `not measured: ${split}`);
    else
      info(
        `platform: broker → workflow started; started → row (p50 / p99 / max, ${fmt(split.matched)} events)`,
        `${ms(percentile(split.toStart, 50))} / ${ms(percentile(split.toStart, 99))} / ${ms(percentile(split.toStart, 100))}; ${ms(percentile(split.toRow, 50))} / ${ms(percentile(split.toRow, 99))} / ${ms(percentile(split.toRow, 100))}`,
      );
    if (typeof histories === 'string') info('platform: workflow histories', `not read: ${histories}`);
    else {
      const spread = (values: Float64Array) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 100))}`;
      info(
        `platform: inside Temporal, ${histories.workflows} workflows sampled (median / max): start → first workflow task picked up; worker holding its tasks; last task → closed`,
        `${spread(histories.queueWait)}; ${spread(histories.workerTime)}; ${spread(histories.closeTime)}${histories.open > 0 ? `; ${histories.open} still open` : ''}`,
      );
      info(
        'platform: workflow tasks; history events per workflow (median / max)',
        `${percentile(histories.workflowTasks, 50)} / ${percentile(histories.workflowTasks, 100)}; ${percentile(histories.historyEvents, 50)} / ${percentile(histories.historyEvents, 100)}`,
      );
    }
    const stored = (side: SideResult) =>
      `${fmt(side.stored)} / ${fmt(side.produced.sent)} + warm-up ${side.warm.stored} / ${side.warm.produced}; missing ${fmt(side.missing)}${side.missingSample.length > 0 ? ` (${side.missingSample.join(', ')})` : ''}; other rows ${side.otherRows}; quarantined ${side.quarantined}${side.drained ? '' : `; ${side.drainNote}`}`;
    const exactlyOnce = (side: SideResult) =>
      side.stored === side.produced.sent &&
      side.produced.sent === count &&
      side.missing === 0 &&
      side.otherRows === 0 &&
      side.quarantined === 0 &&
      side.warm.stored === side.warm.produced;
    const platOk = exactlyOnce(plat);
    record({
      metric: 'platform: events stored (keyed by event id) vs produced',
      measured: stored(plat),
      target: 'all; 0',
      met: platOk,
      gate: 'exact',
      held: platOk,
    });
    const baseOk = exactlyOnce(base);
    record({ metric: 'baseline: events stored vs produced', measured: stored(base), target: 'all; 0', met: baseOk, gate: 'exact', held: baseOk });
    const baseClean = baseStats !== undefined && baseStats.errors === 0 && baseStats.failed === 0 && baseStats.unreadable === 0 && baseStats.rejected === 0;
    record({
      metric: 'baseline: errors, events given up, unreadable, rejected',
      measured: baseStats
        ? `${baseStats.errors}, ${baseStats.failed}, ${baseStats.unreadable}, ${baseStats.rejected} (read ${fmt(baseStats.read)}, row there already ${baseStats.existed}, at most ${baseStats.maxInFlight} in flight)`
        : 'no stats file',
      target: '0',
      met: baseClean,
      gate: 'exact',
      held: baseClean,
    });
    if (consumerStats) {
      const s = consumerStats as Record<string, number>;
      info(
        'platform: stream-consumer stats (read, started, duplicates, dead-lettered, start retries, commits)',
        `${fmt(s.read)}, ${fmt(s.started)}, ${s.duplicates}, ${s.deadLettered}, ${s.startRetries}, ${fmt(s.commits)}`,
      );
    } else info('platform: stream-consumer stats', `no "consumer stopped" line in ${consumer.logPath}`);
    const calls = (side: SideResult) =>
      `${Object.entries(side.modelCalls)
        .map(([name, n]) => `${name} ${fmt(n)}`)
        .join(', ')}; not 200: ${side.modelNotOk}`;
    info('inference calls in the timed phase: platform', calls(plat));
    info('inference calls in the timed phase: baseline', calls(base));

    const perEvent = (seconds: number, side: SideResult) => (seconds * 1000) / Math.max(1, side.stored);
    const useLine = (side: SideResult) => {
      const { procs, elapsed } = side.use;
      const listed = Object.values(procs).reduce((a, p) => a + (Number.isNaN(p.cpu) ? 0 : p.cpu), 0);
      return (
        Object.entries(procs)
          .map(([name, p]) =>
            p.restarted
              ? `${name} restarted during the phase`
              : `${name} ${fmt((p.cpu / elapsed) * 100)} % (${fmt(perEvent(p.cpu, side), 2)} ms/event; waited ${fmt(p.wait / Math.max(p.run, 1e-9), 1)} s per s run)`,
          )
          .join(', ') +
        `; host ${fmt(side.use.hostPercent)} % of ${cores} cores busy (processes not listed: ${fmt((Math.max(0, side.use.hostSeconds - listed) / Math.max(side.use.hostSeconds, 1e-9)) * 100)} % of it), some task waiting for a CPU ${fmt(side.use.cpuWaitPercent)} % of the time; ${fmt(elapsed, 1)} s`
      );
    };
    info('platform CPU: % of one core (ms per event stored; runnable but waiting for a CPU, per second run)', useLine(plat));
    info('baseline CPU: % of one core (ms per event stored; waiting per second run)', useLine(base));
    const split2 = (use: PhaseUse) =>
      `${Object.entries(use.procs)
        .filter(([name, p]) => name !== 'bench (producer)' && !p.restarted && p.cpu / use.elapsed >= 0.01)
        .map(([name, p]) => `${name} ${fmt((p.cpu / use.elapsed) * 100)} %`)
        .join(', ')}; host ${fmt(use.hostPercent)} % (${fmt(use.elapsed, 1)} s)`;
    info('platform CPU while the events were produced (% of one core)', split2(plat.useWhileProducing));
    info('platform CPU from then on to the last row (% of one core)', split2(plat.useAfter));
    const written = (side: SideResult, name: string) => {
      const p = side.use.procs[name];
      return p && !p.restarted ? `${fmt(p.written / 1e6 / side.use.elapsed, 1)} MB/s (${fmt(p.written / 1024 / Math.max(1, side.stored), 1)} KB/event)` : 'n/a';
    };
    info(
      'written to storage: Temporal server, PostgreSQL during the platform phase; PostgreSQL during the baseline phase',
      `${written(plat, 'Temporal server')}, ${written(plat, 'PostgreSQL')}; ${written(base, 'PostgreSQL')}`,
    );
    info(
      'PostgreSQL statement time per event: platform; baseline',
      `${fmt(plat.pgActiveMs / Math.max(1, plat.stored), 2)} ms; ${fmt(base.pgActiveMs / Math.max(1, base.stored), 2)} ms`,
    );
    const rates = (side: SideResult) => `${fmt(side.rateWhileProducing, 1)}/s; ${Number.isNaN(side.rateAfter) ? '-' : `${fmt(side.rateAfter, 1)}/s`}`;
    info('rows stored per second while the events were produced; after the last one was produced: platform', rates(plat));
    info('the same: baseline', rates(base));
    if (plat.backlog) info('platform: workflow tasks waiting in the task queue, most seen; oldest', `${fmt(plat.backlog.count)}; ${ms(plat.backlog.ageMs)}`);
    const knobs = ['STREAM_MAX_IN_FLIGHT', 'MAX_CONCURRENT_WORKFLOW_TASKS', 'MAX_CONCURRENT_ACTIVITIES', 'WORKER_MAX_CACHED_WORKFLOWS', 'DATABASE_POOL_SIZE']
      .filter((name) => process.env[name] !== undefined)
      .map((name) => `${name}=${process.env[name]}`);
    info('platform settings (stream-consumer and worker)', knobs.length > 0 ? knobs.join(', ') : "the apps' defaults");

    // What limits it: measured facts only.
    const sum = (side: SideResult) =>
      Object.entries(side.use.procs)
        .filter(([name, p]) => name !== 'bench (producer)' && !p.restarted)
        .reduce((a, [, p]) => a + p.cpu, 0);
    const top = Object.entries(plat.use.procs)
      .filter(([name, p]) => name !== 'bench (producer)' && !p.restarted)
      .sort((a, b) => b[1].cpu - a[1].cpu);
    const temporalUse = plat.use.procs['Temporal server'];
    const core = (use: PhaseUse, name: string) => {
      const p = use.procs[name];
      return p && !p.restarted ? `${fmt((p.cpu / use.elapsed) * 100)} %` : 'n/a';
    };
    const facts = [
      `host ${fmt(plat.use.hostPercent)} % busy, some task waiting for a CPU ${fmt(plat.use.cpuWaitPercent)} % of the time (baseline phase: ${fmt(base.use.hostPercent)} %, ${fmt(base.use.cpuWaitPercent)} %)`,
      `rows ${fmt(plat.rateWhileProducing, 1)}/s while events were produced, ${Number.isNaN(plat.rateAfter) ? '-' : `${fmt(plat.rateAfter, 1)}/s`} after` +
        ` (worker ${core(plat.useWhileProducing, 'worker')} then ${core(plat.useAfter, 'worker')} of a core, Temporal server ${core(plat.useWhileProducing, 'Temporal server')} then ${core(plat.useAfter, 'Temporal server')})`,
    ];
    if (typeof histories !== 'string' && histories.workflows > 0)
      facts.push(
        `median workflow start → first task picked up ${ms(percentile(histories.queueWait, 50))}, worker holding it ${ms(percentile(histories.workerTime, 50))}` +
          (plat.backlog ? `, up to ${fmt(plat.backlog.count)} tasks waiting` : ''),
      );
    if (typeof split !== 'string' && split.matched > 0) facts.push(`median broker → workflow started ${ms(percentile(split.toStart, 50))}`);
    if (temporalUse && !temporalUse.restarted)
      facts.push(
        `Temporal server ${fmt((temporalUse.cpu / plat.use.elapsed) * 100)} % of a core, waiting for a CPU ${fmt(temporalUse.wait / Math.max(temporalUse.run, 1e-9), 1)} s per s run, writing ${fmt(temporalUse.written / 1e6 / plat.use.elapsed, 1)} MB/s`,
      );
    const workerUse = plat.useAfter.procs['worker'];
    if (workerUse && !workerUse.restarted && plat.stored > 0) {
      const perRow = perEvent(plat.use.procs['worker']?.cpu ?? NaN, plat);
      facts.push(
        `worker ${fmt(perRow, 1)} ms CPU per event, so one core of worker CPU makes at most ${fmt(1000 / perRow)} events/s (it used ${core(plat.useAfter, 'worker')} of a core while draining)`,
      );
    }
    facts.push(
      `platform processes ${fmt(perEvent(sum(plat), plat), 2)} ms CPU per event (${top.map(([name, p]) => `${name} ${fmt(perEvent(p.cpu, plat), 2)}`).join(', ')}) vs baseline ${fmt(perEvent(sum(base), base), 2)} ms`,
    );
    info('what limits it (measured)', facts.join('; '));

    if (baseStats && baseStats.samples.length > 0) console.log(`baseline: first errors:\n  ${baseStats.samples.join('\n  ')}`);
    console.log('');
    report.print();
    passed = report.verdict(strictFromEnv());
  } finally {
    await cleanup();
    console.log(`finished in ${fmt((performance.now() - started) / 1000, 1)} s`);
    if (passed) await rm(dir, { recursive: true, force: true });
    else {
      console.error(`logs kept in ${dir}`);
      process.exitCode = 1;
    }
  }
}

if (process.argv.includes('--baseline'))
  baselineConsumer().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
else
  main()
    .catch((error: unknown) => {
      // Interrupted: what failed meanwhile is the cleanup's doing (databases dropped, children stopped).
      if (!interrupted) console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      // Everything is stopped, closed and cleared by now, so node exits by itself. Should anything
      // still hold it, this says what (unref'd: it holds nothing itself).
      setTimeout(
        () => console.error(`payments-bench: still running 30 s after finishing; active: ${process.getActiveResourcesInfo().join(', ')}`),
        30_000,
      ).unref();
    });
