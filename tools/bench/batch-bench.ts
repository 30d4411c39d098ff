/**
 * Benchmark of the CSV batch engine end to end: the compiled worker (`apps/worker/dist/main.js`) as
 * a child process on the test stack's Temporal server and PostgreSQL, against mock-enrichment
 * processes of its own whose knobs each scenario sets.
 *
 * - S1 throughput: N rows at a fixed provider latency, the platform (staging, sliding window, DB
 *   writes) against a plain undici script making the same calls at the same concurrency.
 * - S2 latency + failures: 1,000 rows, 200–500 ms latency, 10 % 5xx: wall time against the bound,
 *   every row enriched, worker peak RSS.
 * - S3 scale (opt-in): 1,000,000 rows: peak RSS, history events per run, time per 100k rows.
 *
 * Prints one table; exits non-zero only when a CI gate breaks (rows lost, failed or empty, or a
 * figure collapsed far below its target: see ./report.ts).
 * Run: bash tools/bench/run-batch-bench.sh (builds, compiles this file, runs it with node).
 */
import { createCodecKit, FAILURE_CONVERTER_PATH } from '@enrich/codec';
import { jobWorkflowId, type JobCounts } from '@enrich/domain';
import { FileBlobStore, JobRepository } from '@enrich/db';
import { createTestDatabase, customersCsv, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import { type BatchEnrichmentInput, type BatchProgress, DEFAULT_PAGE_SIZE, DEFAULT_WINDOW_SIZE } from '@enrich/workflows';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import { Agent, request } from 'undici';
import { coreCount, CpuWindow, startHttpChild, startUntilOutput, tail, vmKb } from './children';
import { BenchReport, type ReportLine, strictFromEnv } from './report';

/** The run script starts the bench from the repository root (the bench itself is compiled elsewhere). */
const REPO_ROOT = resolve(process.cwd());

/** Mock knobs of one scenario, passed to its own mock-enrichment process as MOCK_* variables. */
interface Knobs {
  latencyMs: number;
  jitterMs: number;
  failureRate: number;
  notFoundRate: number;
}

/** How the platform is configured for one scenario. */
interface PlatformSettings {
  providerConcurrency: number;
  pageSize: number;
  windowSize: number;
  pagesPerRun?: number;
}

const report = new BenchReport();
const record = (line: ReportLine) => report.add(line);
const info = (scenario: string, metric: string, measured: string) => report.info(scenario, metric, measured);
/** A line whose target is exact (rows, counts): the target is its CI gate too. */
const exact = (scenario: string, metric: string, measured: string, target: string, ok: boolean) =>
  record({ scenario, metric, measured, target, met: ok, gate: 'exact', held: ok });

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const seconds = (ms: number) => `${fmt(ms / 1000, 1)} s`;

// ---------------------------------------------------------------------------------------------
// The mock and the worker as children.

interface Mock {
  url: string;
  pid: number;
  lookups(): Promise<{ ok: number; not_found: number; failed: number; rate_limited: number; invalid: number }>;
  stop(): Promise<void>;
}

/** A mock-enrichment process of our own on a free port, its knobs as server defaults. */
async function startMock(knobs: Knobs, logDir: string, name: string): Promise<Mock> {
  const { url, pid, stop } = await startHttpChild(
    name,
    process.execPath,
    [join(REPO_ROOT, 'apps/mock-enrichment/dist/main.js')],
    {
      LOG_LEVEL: 'warn',
      MOCK_LATENCY_MS: String(knobs.latencyMs),
      MOCK_JITTER_MS: String(knobs.jitterMs),
      MOCK_FAILURE_RATE: String(knobs.failureRate),
      MOCK_NOT_FOUND_RATE: String(knobs.notFoundRate),
      MOCK_RATE_LIMIT_RPS: '0',
    },
    logDir,
  );
  return {
    url,
    pid,
    async lookups() {
      const stats = (await (await fetch(`${url}/admin/stats`)).json()) as { providers: Record<string, Awaited<ReturnType<Mock['lookups']>>> };
      return stats.providers.demographics;
    },
    stop,
  };
}

interface WorkerProcess {
  pid: number;
  taskQueue: string;
  /** Peak resident set (VmHWM) in MB, sampled until the worker stops. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * The production start (`apps/worker/start.sh`, which execs `dist/main.js`) as a child process: its RSS and CPU are its
 * own, not the bench's (which holds the CSV, the baseline and the client).
 */
async function startWorker(options: {
  databaseUrl: string;
  mockUrl: string;
  blobDir: string;
  bundlePath: string;
  settings: PlatformSettings;
  logDir: string;
  name: string;
}): Promise<WorkerProcess> {
  const env = testEnv();
  const taskQueue = uniqueTaskQueue(`bench-${options.name}`);
  // As production starts it: apps/worker/start.sh sets the heap limit and allocator settings, then
  // execs node (same pid). BENCH_WORKER_NODE_ARGS: extra node flags (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  // main.ts logs "worker started" right before it starts polling.
  const child = await startUntilOutput(
    `${options.name}-worker`,
    'bash',
    [join(REPO_ROOT, 'apps/worker/start.sh'), ...nodeArgs],
    {
      TEMPORAL_ADDRESS: env.temporal.address,
      TEMPORAL_NAMESPACE: env.temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: options.databaseUrl,
      MOCK_ENRICHMENT_URL: options.mockUrl,
      BLOB_DIR: options.blobDir,
      PROVIDER_CONCURRENCY: String(options.settings.providerConcurrency),
      // The process-wide bound per provider: the platform gets exactly the baseline's calls in flight.
      PROVIDER_MAX_IN_FLIGHT: String(options.settings.providerConcurrency),
      WORKFLOW_BUNDLE_PATH: options.bundlePath,
      LOG_LEVEL: 'info',
    },
    options.logDir,
    '"worker started"',
  );
  const { pid } = child;
  // Sampled until the worker stops; 0 once it is gone, which leaves the peak as it was.
  let peakKb = vmKb(pid, 'VmHWM');
  const sample = () => (peakKb = Math.max(peakKb, vmKb(pid, 'VmHWM')));
  const sampler = setInterval(sample, 500);
  return {
    pid,
    taskQueue,
    peakRssMb: () => sample() / 1024,
    async stop() {
      sample();
      clearInterval(sampler);
      await child.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The baseline: the same provider calls from a plain script, no Temporal, no database.

const lookupBody = (r: Record<string, string>) =>
  JSON.stringify({ email: r.email, first_name: r.first_name, last_name: r.last_name, postal_code: r.postal_code });

/**
 * The same POSTs the platform's demographics client makes (same bodies and headers, an undici Agent
 * configured like `providerAgent`), `concurrency` at a time, answers parsed as JSON.
 */
async function baseline(mockUrl: string, bodies: string[], concurrency: number, onProgress?: (done: number) => void): Promise<{ ms: number; errors: number }> {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000, pipelining: 1 });
  const url = `${mockUrl}/v1/providers/demographics/lookup`;
  let next = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        dispatcher: agent,
      });
      if (response.statusCode === 200) await response.body.json();
      else {
        errors++;
        await response.body.text();
      }
      done++;
    }
  };
  const ticker = onProgress ? setInterval(() => onProgress(done), 5_000) : undefined;
  await Promise.all(Array.from({ length: concurrency }, lane));
  clearInterval(ticker);
  const ms = performance.now() - started;
  await agent.close();
  return { ms, errors };
}

// ---------------------------------------------------------------------------------------------
// A job through the platform, and what its history says.

interface JobRun {
  jobId: string;
  workflowId: string;
  firstRunId: string;
  counts: JobCounts;
  wallMs: number;
  /** Time at which each multiple of `markEvery` rows was done (ms since start). */
  marks: number[];
}

async function runJob(
  client: Client,
  db: TestDatabase,
  blobDir: string,
  csv: string,
  taskQueue: string,
  input: Omit<BatchEnrichmentInput, 'jobId' | 'fields'>,
  markEvery: number,
): Promise<JobRun> {
  const jobs = new JobRepository(db.prisma);
  const blobKey = `uploads/bench-${Date.now().toString(36)}.csv`;
  await new FileBlobStore(blobDir).put(blobKey, Readable.from([Buffer.from(csv)]));
  const { id: jobId } = await jobs.create({ sourceName: 'bench.csv', blobKey, fields: ['demographics'] });
  const workflowId = jobWorkflowId(jobId);
  const started = performance.now();
  const handle = await client.workflow.start('batchEnrichmentWorkflow', { workflowId, taskQueue, args: [{ jobId, fields: ['demographics'], ...input }] });
  const marks: number[] = [];
  let polling = true;
  const poller = (async () => {
    let lastPrint = 0;
    while (polling) {
      await sleep(1_000);
      if (!polling) break;
      const progress = await handle.query<BatchProgress>('progress').catch(() => undefined);
      if (!progress) continue;
      const done = progress.done.enriched + progress.done.notFound + progress.done.failed + progress.done.quarantined;
      while ((marks.length + 1) * markEvery <= done) marks.push(performance.now() - started);
      if (performance.now() - lastPrint >= 5_000) {
        lastPrint = performance.now();
        const elapsed = (performance.now() - started) / 1000;
        const detail =
          progress.phase === 'staging'
            ? 'staging the file'
            : `${fmt(done)} / ${fmt(progress.totalRows)} rows (${fmt(done / elapsed)} rows/s overall, run ${progress.runs})`;
        log(`  ${seconds(performance.now() - started)}: ${detail}`);
      }
    }
  })();
  try {
    const counts = (await handle.result()) as JobCounts;
    const wallMs = performance.now() - started;
    while ((marks.length + 1) * markEvery <= counts.total) marks.push(wallMs);
    return { jobId, workflowId, firstRunId: handle.firstExecutionRunId, counts, wallMs, marks };
  } finally {
    polling = false;
    await poller;
  }
}

interface HistoryStats {
  runs: number;
  eventsPerRun: number[];
  stagingMs: number;
  /** Workflow start to first page scheduled: how long enrichment waited for staging. */
  firstPageMs: number;
  /** First page scheduled to last page completed. */
  enrichMs: number;
  pages: number;
  pageAttempts: number;
  /** Mean activity task schedule-to-start (queue + dispatch) of pages. */
  pageQueueMs: number;
  /** Mean start-to-close of page attempts. */
  pageRunMs: number;
  workflowTasks: number;
}

const eventMs = (event: temporal.api.history.v1.IHistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);

/** Follows the continue-as-new chain from the first run, reading each run's history. */
async function historyStats(client: Client, workflowId: string, firstRunId: string): Promise<HistoryStats> {
  const stats: HistoryStats = {
    runs: 0,
    eventsPerRun: [],
    stagingMs: 0,
    firstPageMs: 0,
    enrichMs: 0,
    pages: 0,
    pageAttempts: 0,
    pageQueueMs: 0,
    pageRunMs: 0,
    workflowTasks: 0,
  };
  let firstPage = Infinity;
  let startedAtMs: number | undefined;
  let lastPage = 0;
  let queueTotal = 0;
  let runTotal = 0;
  for (let runId: string | undefined = firstRunId; runId;) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    stats.runs++;
    stats.eventsPerRun.push(events.length);
    const scheduled = new Map<string, { type: string; at: number }>();
    const startedAt = new Map<string, number>();
    runId = undefined;
    for (const event of events) {
      const id = String(event.eventId);
      startedAtMs ??= eventMs(event);
      if (event.workflowTaskCompletedEventAttributes) stats.workflowTasks++;
      const sched = event.activityTaskScheduledEventAttributes;
      if (sched) {
        scheduled.set(id, { type: sched.activityType?.name ?? '', at: eventMs(event) });
        if (sched.activityType?.name === 'enrichPage') {
          stats.pages++;
          firstPage = Math.min(firstPage, eventMs(event));
        }
      }
      const start = event.activityTaskStartedEventAttributes;
      if (start) {
        const of = scheduled.get(String(start.scheduledEventId));
        startedAt.set(String(start.scheduledEventId), eventMs(event));
        if (of?.type === 'enrichPage') {
          stats.pageAttempts += start.attempt ?? 1;
          queueTotal += eventMs(event) - of.at;
        }
      }
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const of = scheduled.get(String(done.scheduledEventId));
        if (of?.type === 'stageJob') stats.stagingMs = eventMs(event) - of.at;
        if (of?.type === 'enrichPage') {
          lastPage = Math.max(lastPage, eventMs(event));
          runTotal += eventMs(event) - (startedAt.get(String(done.scheduledEventId)) ?? eventMs(event));
        }
      }
      const next: string | null | undefined = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) runId = next;
    }
  }
  stats.enrichMs = lastPage > firstPage ? lastPage - firstPage : 0;
  stats.firstPageMs = Number.isFinite(firstPage) && startedAtMs !== undefined ? firstPage - startedAtMs : 0;
  stats.pageQueueMs = stats.pages ? queueTotal / stats.pages : 0;
  stats.pageRunMs = stats.pages ? runTotal / stats.pages : 0;
  return stats;
}

/** Statement time PostgreSQL spent in one database (all connections), in ms (PG 14+). */
async function databaseActiveMs(serverUrl: string, databaseUrl: string): Promise<number> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const pg = new PgClient({ connectionString: serverUrl });
  await pg.connect();
  try {
    const result = await pg.query<{ active_time: number | null }>('SELECT active_time FROM pg_stat_database WHERE datname = $1', [name]);
    return Number(result.rows[0]?.active_time ?? 0);
  } finally {
    await pg.end();
  }
}

/** Enriched rows that have no stored field: an "empty result". */
async function emptyResults(db: TestDatabase, jobId: string): Promise<number> {
  const [{ count }] = await db.prisma.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM job_row r
     WHERE r.job_id = ${jobId}::uuid AND r.status = 'ENRICHED'
       AND NOT EXISTS (SELECT 1 FROM enrichment_result e WHERE e.job_id = r.job_id AND e.row_number = r.row_number)`;
  return Number(count);
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

interface Context {
  client: Client;
  bundlePath: string;
  dir: string;
}

/** One scenario's platform side: its database, blob dir, mock and worker, cleaned up afterwards. */
async function withPlatform<T>(
  ctx: Context,
  name: string,
  knobs: Knobs,
  settings: PlatformSettings,
  fn: (parts: { db: TestDatabase; blobDir: string; mock: Mock; worker: WorkerProcess }) => Promise<T>,
): Promise<T> {
  const env = testEnv();
  const db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
  const blobDir = join(ctx.dir, `${name}-blobs`);
  const mock = await startMock(knobs, ctx.dir, `${name}-mock`);
  let worker: WorkerProcess | undefined;
  try {
    worker = await startWorker({ databaseUrl: db.url, mockUrl: mock.url, blobDir, bundlePath: ctx.bundlePath, settings, logDir: ctx.dir, name });
    return await fn({ db, blobDir, mock, worker });
  } catch (error) {
    if (worker) console.error(`worker log (${name}):\n${await tail(join(ctx.dir, `${name}-worker.log`))}`);
    throw error;
  } finally {
    await worker?.stop();
    await mock.stop();
    // A failed drop must not hide the scenario's own error.
    await db.drop().catch((error: unknown) => console.error(`could not drop ${db.url}: ${(error as Error).message}`));
  }
}

function describePlatform(s: PlatformSettings): string {
  return `pageSize ${s.pageSize}, windowSize ${s.windowSize}, PROVIDER_CONCURRENCY ${s.providerConcurrency}${s.pagesPerRun ? `, pagesPerRun ${s.pagesPerRun}` : ''}`;
}

/**
 * S1's platform settings unless overridden on the command line: the workflow's default page and
 * window sizes (what a job gets unless it asks otherwise), 24 provider calls in flight.
 */
const S1_DEFAULTS: PlatformSettings = { providerConcurrency: 24, pageSize: DEFAULT_PAGE_SIZE, windowSize: DEFAULT_WINDOW_SIZE };

const S1_KNOBS: Knobs = { latencyMs: 20, jitterMs: 0, failureRate: 0, notFoundRate: 0 };

/** S1; returns the baseline's rows per second (for the sweep). */
async function s1Throughput(ctx: Context, total: number, settings: PlatformSettings): Promise<number> {
  const S = 'S1';
  const knobs = S1_KNOBS;
  const concurrency = settings.providerConcurrency;
  log(`${S} throughput: ${fmt(total)} rows, mock latency ${knobs.latencyMs} ms (no jitter, failures, not-found); ${describePlatform(settings)}`);
  const csv = customersCsv({ rows: total, seed: 42 });
  const bodies = (parse(csv, { columns: true }) as Record<string, string>[]).map(lookupBody);

  return withPlatform(ctx, 's1', knobs, settings, async ({ db, blobDir, mock, worker }) => {
    // (a) Baseline, after a short warm-up so neither side pays for the mock's JIT.
    await baseline(mock.url, bodies.slice(0, Math.min(2_000, total)), concurrency);
    log(`${S} (a) baseline: ${fmt(total)} POSTs, ${concurrency} in flight, undici, no Temporal, no database`);
    const baseCpu = new CpuWindow({ mock: mock.pid });
    const base = await baseline(mock.url, bodies, concurrency, (done) => log(`  baseline ${fmt(done)} / ${fmt(total)} rows`));
    const baseUse = baseCpu.end();
    const baseRate = (total / base.ms) * 1000;
    log(`${S} (a) baseline done: ${seconds(base.ms)}, ${fmt(baseRate)} rows/s`);
    const callsBefore = await mock.lookups();

    // (b) The platform end to end.
    log(`${S} (b) platform: upload, staging activity, sliding window, DB writes (worker pid ${worker.pid})`);
    const cpu = new CpuWindow({ worker: worker.pid, mock: mock.pid });
    const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, { pageSize: settings.pageSize, windowSize: settings.windowSize }, total);
    const use = cpu.end();
    const calls = await mock.lookups();
    const peak = worker.peakRssMb();
    const history = await historyStats(ctx.client, run.workflowId, run.firstRunId);
    await worker.stop();
    const dbActive = await databaseActiveMs(testEnv().databaseUrl, db.url);
    const rate = (total / run.wallMs) * 1000;
    const enrichRate = history.enrichMs ? (total / history.enrichMs) * 1000 : 0;
    const ratio = rate / baseRate;
    const platformCalls = calls.ok + calls.not_found + calls.failed - (callsBefore.ok + callsBefore.not_found + callsBefore.failed);
    const inFlight = history.enrichMs ? (platformCalls * knobs.latencyMs) / history.enrichMs : 0;
    log(`${S} (b) platform done: ${seconds(run.wallMs)}, ${fmt(rate)} rows/s`);

    exact(
      S,
      `(a) baseline: plain undici script, ${concurrency} in flight; its errors`,
      `${fmt(baseRate)} rows/s (${seconds(base.ms)}; ideal ${fmt((concurrency * 1000) / knobs.latencyMs)}); ${base.errors}`,
      '0 errors',
      base.errors === 0,
    );
    info(S, '(b) platform end to end (start → result)', `${fmt(rate)} rows/s (${seconds(run.wallMs)})`);
    record({
      scenario: S,
      metric: 'ratio platform / baseline',
      measured: `${fmt(ratio * 100, 1)} %`,
      target: '>= 60 %',
      met: ratio >= 0.6,
      gate: '>= 30 %',
      held: ratio >= 0.3,
    });
    const empty = await emptyResults(db, run.jobId);
    exact(
      S,
      'rows enriched (all rows, each with fields)',
      `${fmt(run.counts.enriched)} / ${fmt(total)}, ${empty} empty`,
      'all',
      run.counts.enriched === total && empty === 0,
    );
    info(
      S,
      'time in staging (stageJob activity); first page started after',
      `${seconds(history.stagingMs)} (${fmt((total / Math.max(history.stagingMs, 1)) * 1000)} rows/s); ${seconds(history.firstPageMs)}`,
    );
    info(
      S,
      'time enriching (first page scheduled → last page done)',
      `${seconds(history.enrichMs)} (${fmt(enrichRate)} rows/s = ${fmt((enrichRate / baseRate) * 100, 1)} % of baseline)`,
    );
    info(S, 'provider calls in flight while enriching (calls × latency ÷ time)', `${fmt(inFlight, 1)} of ${concurrency}`);
    info(S, 'pages; mean queue wait (scheduled → started); mean run', `${history.pages}; ${fmt(history.pageQueueMs)} ms; ${fmt(history.pageRunMs)} ms`);
    info(S, 'runs; history events per run (max); workflow tasks', `${history.runs}; ${fmt(Math.max(...history.eventsPerRun))}; ${fmt(history.workflowTasks)}`);
    info(S, 'PostgreSQL statement time in the job database', `${seconds(dbActive)} (${fmt((dbActive / run.wallMs) * 100)} % of wall time)`);
    info(
      S,
      'CPU during platform run: worker / mock (% of a core); host',
      `${fmt(use.percent.worker)} % / ${fmt(use.percent.mock)} %; host ${fmt(use.host)} % of ${coreCount()} cores`,
    );
    info(S, 'CPU during baseline: mock (% of a core); host', `${fmt(baseUse.percent.mock)} %; host ${fmt(baseUse.host)} % of ${coreCount()} cores`);
    info(S, 'worker peak RSS', `${fmt(peak)} MB`);
    return baseRate;
  });
}

/**
 * The platform side of S1 again for other page and window sizes (same rows, knobs and
 * concurrency; a fresh database, mock and worker each), against S1's baseline: how the defaults
 * were chosen.
 */
async function s1Sweep(
  ctx: Context,
  total: number,
  concurrency: number,
  grid: Array<Pick<PlatformSettings, 'pageSize' | 'windowSize'>>,
  baseRate: number,
): Promise<void> {
  const csv = customersCsv({ rows: total, seed: 42 });
  for (const { pageSize, windowSize } of grid) {
    const settings: PlatformSettings = { providerConcurrency: concurrency, pageSize, windowSize };
    log(`S1 sweep: ${describePlatform(settings)}`);
    await withPlatform(ctx, `sweep-${pageSize}x${windowSize}`, S1_KNOBS, settings, async ({ db, blobDir, worker }) => {
      const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, { pageSize, windowSize }, total);
      const history = await historyStats(ctx.client, run.workflowId, run.firstRunId);
      const rate = (total / run.wallMs) * 1000;
      const inFlight = history.enrichMs ? (total * S1_KNOBS.latencyMs) / history.enrichMs : 0;
      info(
        'S1 sweep',
        `pageSize ${pageSize}, windowSize ${windowSize}: rows/s; % of baseline; calls in flight; RSS`,
        `${fmt(rate)}; ${fmt((rate / baseRate) * 100, 1)} %; ${fmt(inFlight, 1)} of ${concurrency}; ${fmt(worker.peakRssMb())} MB`,
      );
    });
  }
}

async function s2LatencyFailures(ctx: Context): Promise<void> {
  const S = 'S2';
  const total = 1_000;
  const knobs: Knobs = { latencyMs: 200, jitterMs: 300, failureRate: 0.1, notFoundRate: 0 };
  const settings: PlatformSettings = { providerConcurrency: 32, pageSize: DEFAULT_PAGE_SIZE, windowSize: DEFAULT_WINDOW_SIZE };
  const meanLatency = knobs.latencyMs + knobs.jitterMs / 2;
  // One retry backoff: the page activity's first Temporal retry interval (1 s), for the rare row
  // that fails all of its quick in-activity attempts.
  const retryBackoffMs = 1_000;
  const boundMs = (total * meanLatency) / settings.providerConcurrency + retryBackoffMs;
  log(
    `${S} latency + failures: ${fmt(total)} rows, latency ${knobs.latencyMs}–${knobs.latencyMs + knobs.jitterMs} ms, ${knobs.failureRate * 100} % 5xx; ${describePlatform(settings)}`,
  );
  const csv = customersCsv({ rows: total, seed: 7 });
  await withPlatform(ctx, 's2', knobs, settings, async ({ db, blobDir, mock, worker }) => {
    const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, { pageSize: settings.pageSize, windowSize: settings.windowSize }, total);
    const calls = await mock.lookups();
    const history = await historyStats(ctx.client, run.workflowId, run.firstRunId);
    await worker.stop();
    const peak = worker.peakRssMb();
    const empty = await emptyResults(db, run.jobId);
    record({
      scenario: S,
      metric: `wall time vs bound (${fmt(total)} × ${meanLatency} ms ÷ ${settings.providerConcurrency} + ${seconds(retryBackoffMs)} = ${seconds(boundMs)})`,
      measured: `${seconds(run.wallMs)} = ${fmt(run.wallMs / boundMs, 2)}×`,
      target: '<= 1.5×',
      met: run.wallMs <= boundMs * 1.5,
      gate: '<= 4×',
      held: run.wallMs <= boundMs * 4,
    });
    exact(
      S,
      'rows enriched; failed; empty results',
      `${fmt(run.counts.enriched)} / ${fmt(total)}; ${run.counts.failed}; ${empty}`,
      'all; 0; 0',
      run.counts.enriched === total && run.counts.failed === 0 && empty === 0,
    );
    info(S, 'provider answers: 200 / 503 (each 503 retried)', `${fmt(calls.ok)} / ${fmt(calls.failed)}`);
    info(S, 'page attempts / pages (Temporal retries of a page)', `${history.pageAttempts} / ${history.pages}`);
    info(S, 'time in staging; enriching', `${seconds(history.stagingMs)}; ${seconds(history.enrichMs)}`);
    info(S, 'worker peak RSS (VmHWM)', `${fmt(peak)} MB`);
  });
}

async function s3Scale(ctx: Context, total: number): Promise<void> {
  const S = 'S3';
  const knobs: Knobs = { latencyMs: 20, jitterMs: 0, failureRate: 0, notFoundRate: 0 };
  const settings = S1_DEFAULTS;
  const step = 100_000;
  log(`${S} scale: ${fmt(total)} rows, mock latency ${knobs.latencyMs} ms; ${describePlatform(settings)}`);
  const csv = customersCsv({ rows: total, seed: 1 });
  await withPlatform(ctx, 's3', knobs, settings, async ({ db, blobDir, worker }) => {
    const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, { pageSize: settings.pageSize, windowSize: settings.windowSize }, step);
    const history = await historyStats(ctx.client, run.workflowId, run.firstRunId);
    await worker.stop();
    const peak = worker.peakRssMb();
    const maxEvents = Math.max(...history.eventsPerRun);
    // The first mark includes staging, so compare the enrichment-only steps: second vs last.
    const perStep = run.marks.map((at, i) => at - (i === 0 ? 0 : run.marks[i - 1]));
    const startStep = perStep[1] ?? perStep[0] ?? 0;
    const endStep = perStep.at(-1) ?? 0;
    record({
      scenario: S,
      metric: 'worker peak RSS (VmHWM)',
      measured: `${fmt(peak)} MB`,
      target: '< 400 MB',
      met: peak < 400,
      gate: '< 800 MB',
      held: peak < 800,
    });
    // Temporal's own limits start at 10,000 events (warning) and 50,000 (termination).
    record({
      scenario: S,
      metric: `history events per run (max of ${history.runs} runs)`,
      measured: fmt(maxEvents),
      target: '< 10,000',
      met: maxEvents < 10_000,
      gate: '< 20,000',
      held: maxEvents < 20_000,
    });
    record({
      scenario: S,
      metric: 'time per 100k rows: second 100k vs last 100k',
      measured: `${seconds(startStep)} vs ${seconds(endStep)} = ${fmt(endStep / Math.max(startStep, 1), 2)}×`,
      target: '<= 1.25× (linear)',
      met: endStep <= startStep * 1.25,
      gate: '<= 2.5×',
      held: endStep <= startStep * 2.5,
    });
    exact(S, 'rows enriched', `${fmt(run.counts.enriched)} / ${fmt(total)}`, 'all', run.counts.enriched === total);
    info(S, 'time per 100k rows, each step', perStep.map((ms) => fmt(ms / 1000, 0)).join(' / ') + ' s');
    info(S, 'total wall time; staging', `${seconds(run.wallMs)}; ${seconds(history.stagingMs)}`);
  });
}

/**
 * S4: a 50 MB file staged with the job paused from the start (so no page runs): the worker's peak
 * RSS while it streams, seals and inserts the whole file, against its RSS before the job.
 */
async function s4StagingMemory(ctx: Context): Promise<void> {
  const S = 'S4';
  const targetBytes = 50 * 1024 * 1024;
  // Rows of customersCsv are 70-80 bytes: generate enough, then cut at the first line end past 50 MB.
  const generated = customersCsv({ rows: Math.ceil(targetBytes / 65), seed: 4 });
  const csv = generated.slice(0, generated.indexOf('\n', targetBytes) + 1);
  const total = csv.split('\n').length - 2;
  log(`${S} staging memory: ${fmt(csv.length / 1024 / 1024, 1)} MB, ${fmt(total)} rows, job paused so only staging runs`);
  await withPlatform(ctx, 's4', S1_KNOBS, S1_DEFAULTS, async ({ db, blobDir, worker }) => {
    const idleMb = vmKb(worker.pid, 'VmRSS') / 1024;
    const jobs = new JobRepository(db.prisma);
    const blobKey = `uploads/bench-${Date.now().toString(36)}.csv`;
    await new FileBlobStore(blobDir).put(blobKey, Readable.from([Buffer.from(csv)]));
    const { id: jobId } = await jobs.create({ sourceName: 'bench.csv', blobKey, fields: ['demographics'] });
    const started = performance.now();
    const handle = await ctx.client.workflow.start('batchEnrichmentWorkflow', {
      workflowId: jobWorkflowId(jobId),
      taskQueue: worker.taskQueue,
      args: [{ jobId, fields: ['demographics'] }],
    });
    await handle.executeUpdate<BatchProgress, []>('pause');
    let progress: BatchProgress | undefined;
    let lastPrint = performance.now();
    for (;;) {
      progress = await handle.query<BatchProgress>('progress');
      if (progress.totalRows > 0 || progress.phase === 'failed') break;
      if (performance.now() - lastPrint >= 5_000) {
        lastPrint = performance.now();
        log(`  ${seconds(performance.now() - started)}: ${fmt(progress.stagedRows)} rows staged`);
      }
      await sleep(500);
    }
    const stagingMs = performance.now() - started;
    const peak = worker.peakRssMb();
    const enriched = (await jobs.counts(jobId)).enriched;
    await handle.cancel();
    await handle.result().catch(() => undefined);
    record({
      scenario: S,
      metric: `worker peak RSS staging ${fmt(csv.length / 1024 / 1024)} MB (RSS before the job: ${fmt(idleMb)} MB)`,
      measured: `${fmt(peak)} MB`,
      target: '< 400 MB',
      met: peak < 400,
      gate: '< 800 MB',
      held: peak < 800,
    });
    exact(S, 'rows staged', `${fmt(progress.totalRows)} / ${fmt(total)}`, 'all', progress.totalRows === total);
    info(S, 'time staging; rows enriched meanwhile (job paused)', `${seconds(stagingMs)}; ${fmt(enriched)}`);
  });
}

// ---------------------------------------------------------------------------------------------

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  // --rows: rows of S1; --scale: also S3; --scale-rows: rows of S3; --only: a subset of s1,s2,s3,s4;
  // --concurrency, --page-size, --window: S1's platform settings (the baseline follows --concurrency).
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      scale: { type: 'boolean', default: false },
      'scale-rows': { type: 'string' },
      only: { type: 'string' },
      concurrency: { type: 'string' },
      'page-size': { type: 'string' },
      window: { type: 'string' },
      sweep: { type: 'string' },
    },
  });
  const s1Rows = positive('rows', values.rows, 100_000);
  // The provider budget is per worker process (PROVIDER_MAX_IN_FLIGHT, set to --concurrency), so the
  // platform's calls in flight are bounded by the baseline's whatever the window: the window only
  // has to keep that budget busy while pages write their chunks.
  const s1Settings: PlatformSettings = {
    providerConcurrency: positive('concurrency', values.concurrency, S1_DEFAULTS.providerConcurrency),
    pageSize: positive('page-size', values['page-size'], S1_DEFAULTS.pageSize),
    windowSize: positive('window', values.window, S1_DEFAULTS.windowSize),
  };
  const s3Rows = positive('scale-rows', values['scale-rows'], 1_000_000);
  // --sweep 100x4,200x8: S1's platform side again for each pageSize x windowSize.
  const sweep = (values.sweep ?? '')
    .split(',')
    .filter(Boolean)
    .map((cell) => {
      const [page, window] = cell.split('x');
      return { pageSize: positive('sweep', page ?? cell, 0), windowSize: positive('sweep', window ?? cell, 0) };
    });
  const only = values.only?.split(',').map((name) => name.trim().toLowerCase());
  const wanted = (name: string) => (only ? only.includes(name) : name !== 's3' || values.scale === true);

  const env = testEnv();
  const codec = createCodecKit(env.codec, { namespace: env.temporal.namespace });
  const connection = await Connection.connect({ address: env.temporal.address });
  const client = new Client({ connection, namespace: env.temporal.namespace, dataConverter: codec.dataConverter });
  const dir = await mkdtemp(join(tmpdir(), 'batch-bench-'));
  const started = performance.now();
  try {
    log(`batch benchmark: node ${process.version}, ${coreCount()} cores, Temporal ${env.temporal.address}, logs in ${dir}`);
    // The bench's own workflow bundle (as `bundle-workflows` builds it), so the worker starts
    // without webpack and the shared dist/ is left alone.
    const bundlePath = join(dir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('@enrich/workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('WARN'),
    });
    await writeFile(bundlePath, code);
    const ctx: Context = { client, bundlePath, dir };
    if (wanted('s1')) {
      const baseRate = await s1Throughput(ctx, s1Rows, s1Settings);
      if (sweep.length > 0) await s1Sweep(ctx, s1Rows, s1Settings.providerConcurrency, sweep, baseRate);
    }
    if (wanted('s2')) await s2LatencyFailures(ctx);
    if (wanted('s4')) await s4StagingMemory(ctx);
    if (wanted('s3')) await s3Scale(ctx, s3Rows);
    console.log('');
    report.print();
    const passed = report.verdict(strictFromEnv());
    console.log(`finished in ${seconds(performance.now() - started)}`);
    if (passed) {
      await rm(dir, { recursive: true, force: true });
    } else {
      console.error(`logs kept in ${dir}`);
      process.exitCode = 1;
    }
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
