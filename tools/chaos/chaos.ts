/**
 * The chaos suite: a CSV job through the real platform (compiled workers as child processes, the
 * test stack's Temporal server and PostgreSQL, a mock-enrichment process of its own) while faults
 * are injected, each scenario ending with an exact account of the job and the seconds it lost.
 *
 * Scenarios (`--only` picks some; a clean run always goes first, as the measure of the rest):
 * - `kill9`: the worker is killed with SIGKILL `--kills` times (a new one is started at once);
 * - `temporal`: the Temporal server is stopped and started again;
 * - `postgres`: PostgreSQL is stopped (fast shutdown) and started again;
 * - `provider`: the provider answers 30 % of calls with a 5xx and rate-limits with 429 bursts;
 * - `rolling`: two workers, each restarted with SIGTERM in turn (a rolling deploy).
 *
 * The account of each: every row once in a final status (none pending, none written twice), the
 * provider's own count of calls against the job's bill (the provider-call ledger: never fewer, and
 * more only by requests billed but not yet sent when a worker was killed), the lookups answered more
 * than once (repeated calls: at most the calls in flight at each fault), and, per fault, how long until the job wrote rows at a quarter of its
 * clean rate again, counted from the worker's death or the service being healthy.
 *
 * Prints one table; exits non-zero only when an account is wrong (times are printed, never gated).
 * Run: bash tools/chaos/run-chaos.sh (builds, compiles this file, runs it with node).
 */
import { jobWorkflowId, type LookupStats } from '@enrich/domain';
import { FileBlobStore, JobRepository } from '@enrich/db';
import { createTestDatabase, customersCsv, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import { Client, Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { type Child, startHttpChild, startUntilOutput } from '../bench/children';
import { BenchReport, strictFromEnv } from '../bench/report';
import { writeWorkflowBundle } from '../bench/workflow-bundle';

const REPO_ROOT = resolve(process.cwd());
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const secs = (ms: number) => `${fmt(ms / 1000, 1)} s`;
const run = promisify(execFile);

/** A fault as it happened: when it began and when the platform could work again (worker dead: at once; a service: once healthy). */
interface Fault {
  what: string;
  at: number;
  healthyAt: number;
}

interface Knobs {
  latencyMs: number;
  jitterMs: number;
  failureRate: number;
  rateLimitRps: number;
}

const CALM: Knobs = { latencyMs: 60, jitterMs: 40, failureRate: 0, rateLimitRps: 0 };

/** The worker's default budget per vendor (PROVIDER_MAX_IN_FLIGHT): the most calls a fault can catch in flight. */
const WORKER_CALLS_IN_FLIGHT = 64;

interface Settings {
  rows: number;
  kills: number;
  dir: string;
  bundlePath: string;
  client: Client;
}

// ---------------------------------------------------------------------------------------------
// Processes: the mock, the workers, the stack's services.

interface MockCounts {
  ok: number;
  not_found: number;
  failed: number;
  rate_limited: number;
  invalid: number;
}

async function startMock(knobs: Knobs, dir: string, name: string): Promise<Child & { counts(): Promise<MockCounts> }> {
  const child = await startHttpChild(
    name,
    process.execPath,
    [join(REPO_ROOT, 'apps/mock-enrichment/dist/main.js')],
    {
      LOG_LEVEL: 'warn',
      MOCK_LATENCY_MS: String(knobs.latencyMs),
      MOCK_JITTER_MS: String(knobs.jitterMs),
      MOCK_FAILURE_RATE: String(knobs.failureRate),
      MOCK_NOT_FOUND_RATE: '0',
      MOCK_RATE_LIMIT_RPS: String(knobs.rateLimitRps),
    },
    dir,
  );
  return {
    ...child,
    async counts() {
      const stats = (await (await fetch(`${child.url}/admin/stats`)).json()) as { providers: Record<string, MockCounts> };
      return stats.providers.demographics;
    },
  };
}

/** Workers of one scenario: the production start script, on the scenario's task queue and database. */
class Workers {
  private started = 0;
  constructor(
    private readonly settings: Settings,
    private readonly scenario: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<Child> {
    const name = `${this.scenario}-worker-${++this.started}`;
    return startUntilOutput(name, 'bash', [join(REPO_ROOT, 'apps/worker/start.sh')], this.env, this.settings.dir, '"worker started"');
  }
}

/** Waits until `pid` is gone (polling /proc), up to `timeoutMs`. */
async function gone(pid: number, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

const stackDir = () => {
  const dir = process.env.STACK_DIR;
  if (!dir) throw new Error('STACK_DIR is not set: run through tools/chaos/run-chaos.sh, which loads the test stack environment');
  return dir;
};

/** Stops one service of the test stack with `signal`, then `stack.sh up` brings it back; resolves once `healthy()` says so. */
async function restartService(service: 'temporal' | 'postgres', signal: NodeJS.Signals, healthy: () => Promise<boolean>): Promise<Fault> {
  const pid = Number((await readFile(join(stackDir(), `${service}.pid`), 'utf8')).trim());
  const at = performance.now();
  process.kill(pid, signal);
  if (!(await gone(pid))) throw new Error(`${service} (pid ${pid}) did not stop`);
  log(`  ${service} stopped after ${secs(performance.now() - at)}; starting it again`);
  await run('bash', ['tools/stack/stack.sh', 'up', '--profile', 'test'], { cwd: REPO_ROOT, env: process.env, timeout: 180_000 });
  while (!(await healthy().catch(() => false))) await sleep(100);
  const healthyAt = performance.now();
  log(`  ${service} healthy again ${secs(healthyAt - at)} after it was stopped`);
  return { what: `${service} restart`, at, healthyAt };
}

async function temporalHealthy(): Promise<boolean> {
  const connection = await Connection.connect({ address: testEnv().temporal.address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function postgresHealthy(url: string): Promise<boolean> {
  const pg = new PgClient({ connectionString: url, connectionTimeoutMillis: 1_000 });
  await pg.connect();
  try {
    await pg.query('SELECT 1');
    return true;
  } finally {
    await pg.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The job, its progress, its account.

/** Rows in a final status over time, read from the database every 200 ms (gaps while it is down). */
class Progress {
  readonly samples: Array<{ t: number; done: number }> = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly jobId: string,
  ) {
    this.loop = this.poll();
  }

  get done(): number {
    return this.samples.at(-1)?.done ?? 0;
  }

  /** Resolves once `rows` rows are done. */
  async reach(rows: number): Promise<void> {
    while (this.done < rows && !this.stopped) await sleep(50);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /**
   * Seconds from `from` until the job writes rows at `rate` (rows/s, over a 1 s window) again; the
   * end of the samples when it never does.
   */
  resumedAfter(from: number, rate: number): number {
    const after = this.samples.filter((s) => s.t >= from);
    for (const sample of after) {
      const before = this.samples.findLast((s) => s.t <= sample.t - 1_000);
      // The start of the first whole second after `from` that saw `rate` rows written.
      if (before && before.t >= from && sample.done - before.done >= rate) return before.t - from;
    }
    return (after.at(-1)?.t ?? from) - from;
  }

  private async poll(): Promise<void> {
    let pg: PgClient | undefined;
    while (!this.stopped) {
      try {
        if (!pg) {
          pg = new PgClient({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
          pg.on('error', () => undefined);
          await pg.connect();
        }
        const { rows } = await pg.query<{ done: string }>(`SELECT count(*) AS done FROM job_row WHERE job_id = $1::uuid AND status <> 'PENDING'`, [this.jobId]);
        this.samples.push({ t: performance.now(), done: Number(rows[0].done) });
      } catch {
        await pg?.end().catch(() => undefined);
        pg = undefined;
      }
      await sleep(200);
    }
    await pg?.end().catch(() => undefined);
  }
}

interface Account {
  rows: number;
  final: number;
  pending: number;
  writtenTwice: number;
  /** The provider's own count of requests, and the job's bill of them. */
  providerCalls: number;
  billedCalls: number;
  /** Lookups answered more than once (answers beyond one per row). */
  repeated: number;
}

async function account(db: TestDatabase, jobId: string, rows: number, mock: Awaited<ReturnType<typeof startMock>>): Promise<Account> {
  const pg = new PgClient({ connectionString: db.url });
  await pg.connect();
  try {
    const { rows: counts } = await pg.query<{ final: string; pending: string; twice: string }>(
      `SELECT count(*) FILTER (WHERE status <> 'PENDING') AS final, count(*) FILTER (WHERE status = 'PENDING') AS pending,
              count(*) FILTER (WHERE attempts > 1) AS twice
         FROM job_row WHERE job_id = $1::uuid`,
      [jobId],
    );
    const { rows: job } = await pg.query<{ lookups: LookupStats | null }>(`SELECT lookups FROM job WHERE id = $1::uuid`, [jobId]);
    const seen = await mock.counts();
    const answered = seen.ok + seen.not_found;
    return {
      rows,
      final: Number(counts[0].final),
      pending: Number(counts[0].pending),
      writtenTwice: Number(counts[0].twice),
      providerCalls: answered + seen.failed + seen.rate_limited + seen.invalid,
      billedCalls: job[0]?.lookups?.vendors?.demographics?.calls ?? 0,
      repeated: Math.max(0, answered - rows),
    };
  } finally {
    await pg.end();
  }
}

interface Outcome {
  wallMs: number;
  faults: Fault[];
  account: Account;
  progress: Progress;
  /** SIGTERM to exit of each worker stopped that way. */
  exits: number[];
}

/**
 * One job of `settings.rows` rows on fresh workers and a fresh database, `inject` running beside it
 * (it gets the running job's progress and the workers, and returns the faults it caused).
 */
async function scenario(
  settings: Settings,
  name: string,
  options: { knobs?: Knobs; workers?: number },
  inject: (ctx: { progress: Progress; workers: Workers; running: Child[]; exits: number[] }) => Promise<Fault[]>,
): Promise<Outcome> {
  const env = testEnv();
  const db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
  const mock = await startMock(options.knobs ?? CALM, settings.dir, `${name}-mock`);
  const blobDir = await mkdtemp(join(settings.dir, `${name}-blobs-`));
  const taskQueue = uniqueTaskQueue(`chaos-${name}`);
  const workers = new Workers(settings, name, {
    TEMPORAL_ADDRESS: env.temporal.address,
    TEMPORAL_NAMESPACE: env.temporal.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    // The operations endpoint on a free port: two workers overlap in the rolling restart.
    OPS_PORT: '0',
    DATABASE_URL: db.url,
    MOCK_ENRICHMENT_URL: mock.url,
    BLOB_DIR: blobDir,
    WORKFLOW_BUNDLE_PATH: settings.bundlePath,
    PROVIDER_CONCURRENCY: undefined,
    PROVIDER_MAX_IN_FLIGHT: undefined,
    PROVIDER_BUDGETS: undefined,
    PROVIDER_RATE_LIMIT_RPS: undefined,
    LOG_LEVEL: 'info',
  });
  const running: Child[] = [];
  try {
    for (let i = 0; i < (options.workers ?? 1); i++) running.push(await workers.start());
    const jobs = new JobRepository(db.prisma);
    const blobKey = `uploads/${name}.csv`;
    await new FileBlobStore(blobDir).put(blobKey, Readable.from([Buffer.from(customersCsv({ rows: settings.rows, seed: 7 }))]));
    const { id: jobId } = await jobs.create({ sourceName: `${name}.csv`, blobKey, fields: ['demographics'] });
    const started = performance.now();
    const handle = await settings.client.workflow.start('batchEnrichmentWorkflow', {
      workflowId: jobWorkflowId(jobId),
      taskQueue,
      args: [{ jobId, fields: ['demographics'] }],
    });
    const progress = new Progress(db.url, jobId);
    const ticker = setInterval(() => log(`  ${name}: ${fmt(progress.done)} / ${fmt(settings.rows)} rows after ${secs(performance.now() - started)}`), 5_000);
    const exits: number[] = [];
    try {
      const faults = await inject({ progress, workers, running, exits });
      // Its end, through server restarts: the status is asked again until the last run closes.
      for (;;) {
        const status = await handle.describe().then(
          (d) => d.status.name,
          () => 'UNKNOWN',
        );
        if (status === 'COMPLETED') break;
        if (!['RUNNING', 'CONTINUED_AS_NEW', 'UNKNOWN'].includes(status)) throw new Error(`${name}: the job's workflow ended ${status}`);
        if (performance.now() - started > 15 * 60_000) throw new Error(`${name}: the job did not end within 15 minutes`);
        await sleep(250);
      }
      const wallMs = performance.now() - started;
      await sleep(400);
      await progress.stop();
      return { wallMs, faults, account: await account(db, jobId, settings.rows, mock), progress, exits };
    } finally {
      clearInterval(ticker);
      await progress.stop();
    }
  } finally {
    for (const child of running) await child.stop();
    await mock.stop();
    await db.drop().catch(() => undefined);
  }
}

/** Kills the newest worker with SIGKILL when the job reaches each share of its rows, starting another at once. */
async function killWorkers(settings: Settings, ctx: { progress: Progress; workers: Workers; running: Child[] }): Promise<Fault[]> {
  const faults: Fault[] = [];
  for (let k = 1; k <= settings.kills; k++) {
    await ctx.progress.reach(Math.floor((settings.rows * k) / (settings.kills + 1)));
    const victim = ctx.running.pop();
    if (!victim) break;
    const at = performance.now();
    process.kill(victim.pid, 'SIGKILL');
    await gone(victim.pid);
    await victim.stop();
    log(`  kill -9 #${k} of the worker (pid ${victim.pid}) at ${fmt(ctx.progress.done)} rows`);
    faults.push({ what: `kill -9 #${k}`, at, healthyAt: at });
    ctx.running.push(await ctx.workers.start());
  }
  return faults;
}

/** SIGTERM to each worker in turn, a new one started once it has exited (how a rolling deploy goes). */
async function rollingRestart(settings: Settings, ctx: { progress: Progress; workers: Workers; running: Child[]; exits: number[] }): Promise<Fault[]> {
  const faults: Fault[] = [];
  const old = ctx.running.splice(0);
  for (const [i, worker] of old.entries()) {
    await ctx.progress.reach(Math.floor((settings.rows * (i + 1)) / 3));
    const at = performance.now();
    process.kill(worker.pid, 'SIGTERM');
    await gone(worker.pid);
    await worker.stop();
    ctx.exits.push(performance.now() - at);
    log(`  worker ${i + 1} (pid ${worker.pid}) exited ${secs(performance.now() - at)} after SIGTERM at ${fmt(ctx.progress.done)} rows`);
    faults.push({ what: `SIGTERM worker ${i + 1}`, at, healthyAt: at });
    ctx.running.push(await ctx.workers.start());
  }
  return faults;
}

// ---------------------------------------------------------------------------------------------

const SCENARIOS = ['kill9', 'temporal', 'postgres', 'provider', 'rolling'] as const;
type Scenario = (typeof SCENARIOS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '10000' }, kills: { type: 'string', default: '5' }, only: { type: 'string' } },
  });
  const rows = Number(values.rows);
  const kills = Number(values.kills);
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...SCENARIOS];
  const unknown = only.filter((s) => !SCENARIOS.includes(s as Scenario));
  if (unknown.length > 0) throw new Error(`--only: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'chaos-'));
  const connection = await Connection.connect({ address: testEnv().temporal.address });
  const client = new Client({ connection, namespace: testEnv().temporal.namespace });
  const report = new BenchReport();
  let passed = false;
  try {
    const bundlePath = await writeWorkflowBundle(dir);
    const settings: Settings = { rows, kills, dir, bundlePath, client };

    log(`clean run: ${fmt(rows)} rows, one worker, no fault`);
    const clean = await scenario(settings, 'clean', {}, async () => []);
    const cleanRate = (rows / clean.wallMs) * 1000;
    const line = (name: string, outcome: Outcome) => {
      const a = outcome.account;
      const repeatedShare = a.repeated / a.rows;
      const lost = outcome.wallMs - clean.wallMs;
      const resumed = outcome.faults.map((f) => outcome.progress.resumedAfter(f.healthyAt, cleanRate / 4));
      report.add({
        scenario: name,
        metric: 'rows final / pending / written twice',
        measured: `${fmt(a.final)} / ${fmt(a.pending)} / ${fmt(a.writtenTwice)}`,
        target: `${fmt(a.rows)} / 0 / 0`,
        met: a.final === a.rows && a.pending === 0 && a.writtenTwice === 0,
        gate: 'exact',
        held: a.final === a.rows && a.pending === 0 && a.writtenTwice === 0,
      });
      // What a fault can cost in calls: those in flight when a worker dies (its vendor budget, one
      // vendor here) or when a failing PostgreSQL fails their page before the answers are kept.
      const faults = outcome.faults.filter((f) => !f.what.startsWith('SIGTERM')).length;
      const inFlightBound = faults * WORKER_CALLS_IN_FLIGHT;
      // A call is billed before its request leaves: a worker killed between the two has billed a
      // request the provider never saw (a few calls per kill, up to its calls in flight on a loaded
      // host), never the reverse.
      const overBilled = a.billedCalls - a.providerCalls;
      report.add({
        scenario: name,
        metric: 'calls: provider counted / job billed',
        measured: `${fmt(a.providerCalls)} / ${fmt(a.billedCalls)}`,
        target: 'equal',
        met: overBilled === 0,
        gate: `never fewer; more by <= ${fmt(inFlightBound)} (calls in flight at the faults)`,
        held: overBilled >= 0 && overBilled <= inFlightBound,
      });
      // A lookup is answered twice when the answer is lost: its worker died with the call in flight
      // (the vendor answered a process that was gone), or its page failed before it was kept. So at
      // most the calls in flight at each fault: the gate (plus 1 % of the rows); without the lookup
      // cache or the pending-row reread, a fault would repeat whole pages.
      report.add({
        scenario: name,
        metric: 'lookups answered twice (repeated calls)',
        measured: `${fmt(a.repeated)} (${fmt(repeatedShare * 100, 2)} %)`,
        target: '<= 2 %',
        met: repeatedShare <= 0.02,
        gate: `<= ${fmt(inFlightBound + Math.ceil(a.rows / 100))}`,
        held: a.repeated <= inFlightBound + Math.ceil(a.rows / 100),
      });
      report.info(
        name,
        'wall; lost vs clean',
        `${secs(outcome.wallMs)}; ${secs(lost)}${outcome.faults.length > 1 ? ` (${secs(lost / outcome.faults.length)} per fault)` : ''}`,
      );
      if (resumed.length > 0) {
        const worst = Math.max(...resumed);
        const kind = name === 'temporal' || name === 'postgres' ? 'healthy' : 'fault';
        const target = name === 'temporal' ? 5_000 : 10_000;
        report.add({
          scenario: name,
          metric: `rows flowing again after the ${kind === 'healthy' ? 'service was healthy' : 'fault'} (worst of ${resumed.length})`,
          measured: resumed.map((ms) => secs(ms)).join(', '),
          target: `<= ${secs(target)}`,
          met: worst <= target,
        });
        const outages = outcome.faults.filter((f) => f.healthyAt > f.at).map((f) => secs(f.healthyAt - f.at));
        if (outages.length > 0) report.info(name, 'service down for', outages.join(', '));
      }
      if (outcome.exits.length > 0) {
        const worst = Math.max(...outcome.exits);
        report.add({
          scenario: name,
          metric: 'SIGTERM to exit',
          measured: outcome.exits.map((ms) => secs(ms)).join(', '),
          target: '<= 30.0 s',
          met: worst <= 30_000,
        });
      }
    };
    line('clean', clean);
    report.info('clean', 'rate', `${fmt(cleanRate)} rows/s`);

    const env = testEnv();
    for (const name of only as Scenario[]) {
      log(`scenario ${name}`);
      if (name === 'kill9') line(name, await scenario(settings, name, {}, (ctx) => killWorkers(settings, ctx)));
      if (name === 'temporal')
        line(
          name,
          await scenario(settings, name, {}, async ({ progress }) => {
            await progress.reach(Math.floor(rows * 0.3));
            return [await restartService('temporal', 'SIGTERM', temporalHealthy)];
          }),
        );
      if (name === 'postgres')
        line(
          name,
          await scenario(settings, name, {}, async ({ progress }) => {
            await progress.reach(Math.floor(rows * 0.3));
            return [await restartService('postgres', 'SIGINT', () => postgresHealthy(env.databaseUrl))];
          }),
        );
      if (name === 'provider')
        line(
          name,
          await scenario(settings, name, { knobs: { ...CALM, failureRate: 0.3, rateLimitRps: Math.max(50, Math.round(cleanRate * 0.8)) } }, async () => []),
        );
      if (name === 'rolling') line(name, await scenario(settings, name, { workers: 2 }, (ctx) => rollingRestart(settings, ctx)));
    }
  } finally {
    report.print();
    passed = report.verdict(strictFromEnv());
    await connection.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (!passed) {
    console.error(
      'chaos: an account is wrong (see the table): rows lost, pending or written twice, a bill unequal to the provider count, or too many repeated calls',
    );
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
