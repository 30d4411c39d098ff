/**
 * Benchmark of the CSV batch engine end to end: the compiled worker (`apps/worker/dist/main.js`) as
 * a child process on the test stack's Temporal server and PostgreSQL, against mock-enrichment
 * processes of its own whose knobs each scenario sets.
 *
 * - S1 throughput: N rows at a fixed provider latency, the platform (staging, sliding window, DB
 *   writes) against a plain undici script making the same calls at the same concurrency.
 * - S2 latency + failures: 1,000 rows, 200–500 ms latency, 10 % 5xx: wall time against the bound,
 *   every row enriched, worker peak RSS.
 * - S2d: S2 at the worker's default settings (no PROVIDER_* variable, default page and window
 *   sizes): wall time against rows × mean latency ÷ the default per-provider budget, and how soon
 *   the first enriched row can be read after the job is accepted.
 * - S3 scale (opt-in): 1,000,000 rows: peak RSS, history events per run, time per 100k rows.
 *
 * Prints one table; exits non-zero only when a CI gate breaks (rows lost, failed or empty, or a
 * figure collapsed far below its target: see ./report.ts).
 * Run: bash tools/bench/run-batch-bench.sh (builds, compiles this file, runs it with node).
 */
import { createCodecKit } from '@enrich/codec';
import { jobWorkflowId, type JobCounts } from '@enrich/domain';
import { FileBlobStore, JobRepository } from '@enrich/db';
import { createTestDatabase, customersCsv, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import { type BatchEnrichmentInput, type BatchProgress, DEFAULT_PAGE_SIZE, DEFAULT_WINDOW_SIZE } from '@enrich/workflows';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { parse } from 'csv-parse/sync';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import { databaseActiveMs } from './pg-stats';
import { Agent, request } from 'undici';
import {
  coreCount,
  CpuWindow,
  inFlightWhileStarting,
  type InFlightWindow,
  readProbe,
  startHttpChild,
  startUntilOutput,
  tail,
  vmKb,
  writeInFlightProbe,
} from './children';
import { BenchReport, type ReportLine, strictFromEnv } from './report';
import { writeWorkflowBundle } from './workflow-bundle';

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
  /**
   * PROVIDER_CONCURRENCY and PROVIDER_MAX_IN_FLIGHT of the worker (a page looks up twice this many
   * rows at once; this many calls in flight per provider). Unset: the worker's own defaults, no
   * PROVIDER_* variable at all.
   */
  providerConcurrency?: number;
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

/**
 * The worker's per-provider budget when PROVIDER_MAX_IN_FLIGHT is not set, and PROVIDER_CONCURRENCY
 * (apps/worker/src/config.ts); the in-flight probe's peak confirms the first.
 */
const WORKER_DEFAULT_MAX_IN_FLIGHT = 64;
const WORKER_DEFAULT_PROVIDER_CONCURRENCY = 8;

/** Epoch ms, comparable with the in-flight probes' timestamps (other processes). */
const epochNow = () => performance.timeOrigin + performance.now();

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const seconds = (ms: number) => `${fmt(ms / 1000, 1)} s`;

// ---------------------------------------------------------------------------------------------
// The mock and the worker as children.

interface Mock {
  url: string;
  pid: number;
  /** The in-flight probe's file: lookups the mock is serving (request in → answer sent). */
  probeFile: string;
  lookups(): Promise<{ ok: number; not_found: number; failed: number; rate_limited: number; invalid: number }>;
  stop(): Promise<void>;
}

/** The in-flight probe's variables: `mode` client (the worker's provider calls) or server (the mock's lookups). */
const probeEnv = (file: string, mode: 'client' | 'server') => ({ BENCH_PROBE_FILE: file, BENCH_PROBE_MODE: mode, BENCH_PROBE_PATH: '/v1/providers/' });

/** A mock-enrichment process of our own on a free port, its knobs as server defaults, with the in-flight probe. */
async function startMock(knobs: Knobs, logDir: string, name: string, probePath: string): Promise<Mock> {
  const probeFile = join(logDir, `${name}-in-flight.txt`);
  const { url, pid, stop } = await startHttpChild(
    name,
    process.execPath,
    ['--require', probePath, join(REPO_ROOT, 'apps/mock-enrichment/dist/main.js')],
    {
      ...probeEnv(probeFile, 'server'),
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
    probeFile,
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
  /** The in-flight probe's file: the worker's provider calls (handed to undici → answer parsed). */
  probeFile: string;
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
  probePath: string;
}): Promise<WorkerProcess> {
  const env = testEnv();
  const taskQueue = uniqueTaskQueue(`bench-${options.name}`);
  // As production starts it: apps/worker/start.sh sets the heap limit and allocator settings, then
  // execs node (same pid). BENCH_WORKER_NODE_ARGS: extra node flags (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = ['--require', options.probePath, ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const probeFile = join(options.logDir, `${options.name}-worker-in-flight.txt`);
  const concurrency = options.settings.providerConcurrency;
  // main.ts logs "worker started" right before it starts polling.
  const child = await startUntilOutput(
    `${options.name}-worker`,
    'bash',
    [join(REPO_ROOT, 'apps/worker/start.sh'), ...nodeArgs],
    {
      TEMPORAL_ADDRESS: env.temporal.address,
      TEMPORAL_NAMESPACE: env.temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      // The operations endpoint on a free port: several workers may run here at once.
      OPS_PORT: '0',
      DATABASE_URL: options.databaseUrl,
      MOCK_ENRICHMENT_URL: options.mockUrl,
      BLOB_DIR: options.blobDir,
      // The process-wide bound per provider: the platform gets exactly the baseline's calls in flight.
      // Unset (undefined drops an inherited variable too): the worker's defaults, nothing tuned.
      PROVIDER_CONCURRENCY: concurrency === undefined ? undefined : String(concurrency),
      PROVIDER_MAX_IN_FLIGHT: concurrency === undefined ? undefined : String(concurrency),
      PROVIDER_BUDGETS: undefined,
      PROVIDER_RATE_LIMIT_RPS: undefined,
      ...probeEnv(probeFile, 'client'),
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
    probeFile,
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
  /** `watchFirstRow`: how long `workflow.start` took (the job is accepted once it returns), in ms. */
  acceptedMs?: number;
  /** `watchFirstRow`: accepted → the first row ENRICHED in the job's database, in ms (polled every 50 ms). */
  firstRowMs?: number;
}

/**
 * Polls the job's database every `everyMs` until one of its rows is ENRICHED (or `stop()` is
 * called); resolves to the time it was seen, in `performance.now()` ms.
 */
function watchFirstEnrichedRow(databaseUrl: string, jobId: string, everyMs = 50): { seen: Promise<number | undefined>; stop(): void } {
  let stopped = false;
  const seen = (async () => {
    const pg = new PgClient({ connectionString: databaseUrl });
    await pg.connect();
    try {
      while (!stopped) {
        const { rowCount } = await pg.query(`SELECT 1 FROM job_row WHERE job_id = $1::uuid AND status = 'ENRICHED' LIMIT 1`, [jobId]);
        if (rowCount) return performance.now();
        await sleep(everyMs);
      }
      return undefined;
    } finally {
      await pg.end();
    }
  })().catch((error: unknown) => {
    log(`  could not poll for the first enriched row: ${(error as Error).message}`);
    return undefined;
  });
  return {
    seen,
    stop: () => {
      stopped = true;
    },
  };
}

async function runJob(
  client: Client,
  db: TestDatabase,
  blobDir: string,
  csv: string,
  taskQueue: string,
  input: Omit<BatchEnrichmentInput, 'jobId' | 'fields'>,
  markEvery: number,
  options: { watchFirstRow?: boolean } = {},
): Promise<JobRun> {
  const jobs = new JobRepository(db.prisma);
  const blobKey = `uploads/bench-${Date.now().toString(36)}.csv`;
  await new FileBlobStore(blobDir).put(blobKey, Readable.from([Buffer.from(csv)]));
  const { id: jobId } = await jobs.create({ sourceName: 'bench.csv', blobKey, fields: ['demographics'] });
  const workflowId = jobWorkflowId(jobId);
  const started = performance.now();
  const handle = await client.workflow.start('batchEnrichmentWorkflow', { workflowId, taskQueue, args: [{ jobId, fields: ['demographics'], ...input }] });
  // Accepted: the gateway answers 202 once the workflow has started.
  const accepted = performance.now();
  const firstRow = options.watchFirstRow ? watchFirstEnrichedRow(db.url, jobId) : undefined;
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
    firstRow?.stop();
    const firstRowAt = await firstRow?.seen;
    return {
      jobId,
      workflowId,
      firstRunId: handle.firstExecutionRunId,
      counts,
      wallMs,
      marks,
      ...(firstRow ? { acceptedMs: accepted - started, firstRowMs: firstRowAt === undefined ? undefined : firstRowAt - accepted } : {}),
    };
  } finally {
    polling = false;
    firstRow?.stop();
    await poller;
    await firstRow?.seen;
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
  /** The in-flight probe (`node --require`) every mock and worker is started with. */
  probePath: string;
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
  const mock = await startMock(knobs, ctx.dir, `${name}-mock`, ctx.probePath);
  let worker: WorkerProcess | undefined;
  try {
    worker = await startWorker({
      databaseUrl: db.url,
      mockUrl: mock.url,
      blobDir,
      bundlePath: ctx.bundlePath,
      settings,
      logDir: ctx.dir,
      name,
      probePath: ctx.probePath,
    });
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
  const provider =
    s.providerConcurrency === undefined
      ? `worker defaults (PROVIDER_CONCURRENCY ${WORKER_DEFAULT_PROVIDER_CONCURRENCY}, PROVIDER_MAX_IN_FLIGHT ${WORKER_DEFAULT_MAX_IN_FLIGHT})`
      : `PROVIDER_CONCURRENCY = PROVIDER_MAX_IN_FLIGHT ${s.providerConcurrency}`;
  return `pageSize ${s.pageSize}, windowSize ${s.windowSize}, ${provider}${s.pagesPerRun ? `, pagesPerRun ${s.pagesPerRun}` : ''}`;
}

/** Provider calls in flight from a probe's file over a window ({@link inFlightWhileStarting}). */
async function inFlight(probeFile: string, since: number, requests: number): Promise<InFlightWindow | undefined> {
  return inFlightWhileStarting(await readProbe(probeFile), since, requests);
}

/** `mean of budget (share %) over time, peak`, or why there is no figure. */
function describeInFlight(window: InFlightWindow | undefined, budget: number, withPeak = true): string {
  if (!window) return 'no calls seen';
  return `${fmt(window.mean, 1)} of ${budget} (${fmt((window.mean / budget) * 100, 1)} %) over ${seconds(window.ms)}${withPeak ? `, peak ${window.peak}` : ''}`;
}

/** Settings with an explicit per-provider budget (every scenario but S2d). */
type TunedSettings = PlatformSettings & { providerConcurrency: number };

/**
 * S1's platform settings unless overridden on the command line: the workflow's default page and
 * window sizes (what a job gets unless it asks otherwise), 24 provider calls in flight.
 */
const S1_DEFAULTS: TunedSettings = { providerConcurrency: 24, pageSize: DEFAULT_PAGE_SIZE, windowSize: DEFAULT_WINDOW_SIZE };

const S1_KNOBS: Knobs = { latencyMs: 20, jitterMs: 0, failureRate: 0, notFoundRate: 0 };

/** S1; returns the baseline's rows per second (for the sweep). */
async function s1Throughput(ctx: Context, total: number, settings: TunedSettings): Promise<number> {
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
    const baseSince = epochNow();
    const base = await baseline(mock.url, bodies, concurrency, (done) => log(`  baseline ${fmt(done)} / ${fmt(total)} rows`));
    const baseUse = baseCpu.end();
    const baseRate = (total / base.ms) * 1000;
    log(`${S} (a) baseline done: ${seconds(base.ms)}, ${fmt(baseRate)} rows/s`);

    // (b) The platform end to end.
    log(`${S} (b) platform: upload, staging activity, sliding window, DB writes (worker pid ${worker.pid})`);
    const cpu = new CpuWindow({ worker: worker.pid, mock: mock.pid });
    const since = epochNow();
    const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, { pageSize: settings.pageSize, windowSize: settings.windowSize }, total);
    const use = cpu.end();
    // Calls in flight while rows remain to be sent (first call → the last row's call): at the
    // worker's HTTP client (what its budget bounds), and at the mock for both sides.
    const workerInFlight = await inFlight(worker.probeFile, since, total);
    const mockInFlight = await inFlight(mock.probeFile, since, total);
    const baseInFlight = await inFlight(mock.probeFile, baseSince, total);
    const peak = worker.peakRssMb();
    const history = await historyStats(ctx.client, run.workflowId, run.firstRunId);
    await worker.stop();
    const dbActive = await databaseActiveMs(testEnv().databaseUrl, db.url);
    const rate = (total / run.wallMs) * 1000;
    const enrichRate = history.enrichMs ? (total / history.enrichMs) * 1000 : 0;
    const ratio = rate / baseRate;
    const share = workerInFlight ? workerInFlight.mean / concurrency : 0;
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
      target: '>= 90 %',
      met: ratio >= 0.9,
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
    record({
      scenario: S,
      metric: 'provider calls in flight while rows remain, share of the budget (worker, sampled)',
      measured: describeInFlight(workerInFlight, concurrency),
      target: '>= 95 %',
      met: share >= 0.95,
    });
    info(
      S,
      'the same at the mock (request in → answer sent): platform; baseline',
      `${describeInFlight(mockInFlight, concurrency, false)}; ${describeInFlight(baseInFlight, concurrency, false)}`,
    );
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
    await withPlatform(ctx, `sweep-${pageSize}x${windowSize}`, S1_KNOBS, settings, async ({ db, blobDir, mock, worker }) => {
      const since = epochNow();
      const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, { pageSize, windowSize }, total);
      const rate = (total / run.wallMs) * 1000;
      const atWorker = await inFlight(worker.probeFile, since, total);
      const atMock = await inFlight(mock.probeFile, since, total);
      info(
        'S1 sweep',
        `pageSize ${pageSize}, windowSize ${windowSize}: rows/s; % of baseline; calls in flight at the worker / the mock; RSS`,
        `${fmt(rate)}; ${fmt((rate / baseRate) * 100, 1)} %; ${fmt(atWorker?.mean ?? 0, 1)} / ${fmt(atMock?.mean ?? 0, 1)} of ${concurrency}; ${fmt(worker.peakRssMb())} MB`,
      );
    });
  }
}

/** S2's and S2d's mock: 1,000 rows at 200 + uniform(0, 300) ms, 10 % of calls a 503. */
const S2_ROWS = 1_000;
const S2_KNOBS: Knobs = { latencyMs: 200, jitterMs: 300, failureRate: 0.1, notFoundRate: 0 };

/**
 * One job of S2's rows against S2's mock: wall time against `boundMs` (target `targetX`, CI gate a
 * collapse at 4×), every row enriched, none failed or empty; what the mock answered, the worker's
 * calls in flight (first call → last call, retries included), pages and their retries, staging.
 * `watchFirstRow`: also how soon after the job was accepted its first enriched row could be read.
 * `warmUpRows`: a job of that many other rows first, so the measured one finds the worker as a
 * worker in service is (workflow sandbox created, code paths compiled, connections open).
 */
async function latencyFailures(
  ctx: Context,
  S: string,
  settings: PlatformSettings,
  input: Omit<BatchEnrichmentInput, 'jobId' | 'fields'>,
  bound: { ms: number; how: string; budget: number },
  targetX: number,
  options: { watchFirstRow?: boolean; warmUpRows?: number } = {},
): Promise<void> {
  const total = S2_ROWS;
  const knobs = S2_KNOBS;
  log(
    `${S} latency + failures: ${fmt(total)} rows, latency ${knobs.latencyMs}–${knobs.latencyMs + knobs.jitterMs} ms, ${knobs.failureRate * 100} % 5xx; ${describePlatform(settings)}`,
  );
  const csv = customersCsv({ rows: total, seed: 7 });
  await withPlatform(ctx, S.toLowerCase(), knobs, settings, async ({ db, blobDir, mock, worker }) => {
    if (options.warmUpRows) {
      const warm = await runJob(ctx.client, db, blobDir, customersCsv({ rows: options.warmUpRows, seed: 8 }), worker.taskQueue, input, options.warmUpRows);
      log(`  warm-up job: ${fmt(options.warmUpRows)} rows in ${seconds(warm.wallMs)}`);
    }
    const before = await mock.lookups();
    const since = epochNow();
    const run = await runJob(ctx.client, db, blobDir, csv, worker.taskQueue, input, total, { watchFirstRow: options.watchFirstRow });
    const after = await mock.lookups();
    const calls = { ok: after.ok - before.ok, failed: after.failed - before.failed };
    const requests = calls.ok + calls.failed + after.not_found - before.not_found + after.rate_limited - before.rate_limited;
    const workerInFlight = await inFlight(worker.probeFile, since, requests);
    const history = await historyStats(ctx.client, run.workflowId, run.firstRunId);
    await worker.stop();
    const peak = worker.peakRssMb();
    const empty = await emptyResults(db, run.jobId);
    record({
      scenario: S,
      metric: `wall time vs bound (${bound.how} = ${seconds(bound.ms)})`,
      measured: `${seconds(run.wallMs)} = ${fmt(run.wallMs / bound.ms, 2)}×`,
      target: `<= ${targetX}×`,
      met: run.wallMs <= bound.ms * targetX,
      gate: '<= 4×',
      held: run.wallMs <= bound.ms * 4,
    });
    exact(
      S,
      'rows enriched; failed; empty results',
      `${fmt(run.counts.enriched)} / ${fmt(total)}; ${run.counts.failed}; ${empty}`,
      'all; 0; 0',
      run.counts.enriched === total && run.counts.failed === 0 && empty === 0,
    );
    if (options.watchFirstRow) {
      const firstRowMs = run.firstRowMs ?? Infinity;
      record({
        scenario: S,
        metric: `first enriched rows readable after upload (job accepted → first row ENRICHED in the database, polled every 50 ms; start call ${fmt(run.acceptedMs ?? 0)} ms)`,
        measured: Number.isFinite(firstRowMs) ? seconds(firstRowMs) : 'not seen',
        target: '<= 1 s',
        met: firstRowMs <= 1_000,
      });
    }
    info(S, 'provider answers: 200 / 503 (each 503 retried)', `${fmt(calls.ok)} / ${fmt(calls.failed)}`);
    info(S, 'provider calls in flight at the worker, first call → last call (retries too)', describeInFlight(workerInFlight, bound.budget));
    info(S, 'page attempts / pages (Temporal retries of a page)', `${history.pageAttempts} / ${history.pages}`);
    info(
      S,
      'time in staging; first page started after; enriching (first page → last page done)',
      `${seconds(history.stagingMs)}; ${seconds(history.firstPageMs)}; ${seconds(history.enrichMs)}`,
    );
    info(S, 'worker peak RSS (VmHWM)', `${fmt(peak)} MB`);
  });
}

/** S2: 32 calls in flight per provider, the workflow's default page and window sizes. */
async function s2LatencyFailures(ctx: Context): Promise<void> {
  const settings: TunedSettings = { providerConcurrency: 32, pageSize: DEFAULT_PAGE_SIZE, windowSize: DEFAULT_WINDOW_SIZE };
  const meanLatency = S2_KNOBS.latencyMs + S2_KNOBS.jitterMs / 2;
  // One retry backoff: the page activity's first Temporal retry interval (1 s), for the rare row
  // that fails all of its quick in-activity attempts.
  const retryBackoffMs = 1_000;
  const boundMs = (S2_ROWS * meanLatency) / settings.providerConcurrency + retryBackoffMs;
  const how = `${fmt(S2_ROWS)} × ${meanLatency} ms ÷ ${settings.providerConcurrency} + ${seconds(retryBackoffMs)}`;
  await latencyFailures(
    ctx,
    'S2',
    settings,
    { pageSize: settings.pageSize, windowSize: settings.windowSize },
    { ms: boundMs, how, budget: settings.providerConcurrency },
    1.15,
  );
}

/**
 * S2d: S2 at the worker's defaults, nothing tuned: no PROVIDER_* variable (so 64 calls in flight
 * per provider) and no page or window size in the job's input, as the gateway starts a job. The
 * bound has no retry term: rows × mean latency ÷ the default budget. Also the first enriched row's
 * latency after the job is accepted.
 */
async function s2dDefaults(ctx: Context): Promise<void> {
  const settings: PlatformSettings = { pageSize: DEFAULT_PAGE_SIZE, windowSize: DEFAULT_WINDOW_SIZE };
  const meanLatency = S2_KNOBS.latencyMs + S2_KNOBS.jitterMs / 2;
  const boundMs = (S2_ROWS * meanLatency) / WORKER_DEFAULT_MAX_IN_FLIGHT;
  const how = `${fmt(S2_ROWS)} × ${meanLatency} ms ÷ ${WORKER_DEFAULT_MAX_IN_FLIGHT}`;
  await latencyFailures(ctx, 'S2d', settings, {}, { ms: boundMs, how, budget: WORKER_DEFAULT_MAX_IN_FLIGHT }, 1.2, { watchFirstRow: true, warmUpRows: 50 });
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

/** Scenario names for --only; all but s3 run by default. */
const SCENARIOS = ['s1', 's2', 's2d', 's3', 's4'];

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  // --rows: rows of S1; --scale: also S3; --scale-rows: rows of S3; --only: a subset of s1,s2,s2d,s3,s4;
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
  const s1Settings: TunedSettings = {
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
  const unknown = only?.filter((name) => !SCENARIOS.includes(name));
  if (unknown?.length) throw new Error(`--only: no scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  const wanted = (name: string) => (only ? only.includes(name) : name !== 's3' || values.scale === true);

  const env = testEnv();
  const codec = createCodecKit(env.codec, { namespace: env.temporal.namespace });
  const connection = await Connection.connect({ address: env.temporal.address });
  const client = new Client({ connection, namespace: env.temporal.namespace, dataConverter: codec.dataConverter });
  const dir = await mkdtemp(join(tmpdir(), 'batch-bench-'));
  const started = performance.now();
  try {
    log(`batch benchmark: node ${process.version}, ${coreCount()} cores, Temporal ${env.temporal.address}, logs in ${dir}`);
    const bundlePath = await writeWorkflowBundle(dir);
    const ctx: Context = { client, bundlePath, dir, probePath: await writeInFlightProbe(dir) };
    if (wanted('s1')) {
      const baseRate = await s1Throughput(ctx, s1Rows, s1Settings);
      if (sweep.length > 0) await s1Sweep(ctx, s1Rows, s1Settings.providerConcurrency, sweep, baseRate);
    }
    if (wanted('s2')) await s2LatencyFailures(ctx);
    if (wanted('s2d')) await s2dDefaults(ctx);
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
