/**
 * The benches' child processes (mock-enrichment, worker, gateway, ...) and what they read of them in
 * /proc: a free port each, output in a log file of its own, ready once it answers `/health` (or
 * prints its ready line), stopped with SIGTERM (SIGKILL after a grace period); CPU seconds and peak
 * RSS per process, the host's CPU use.
 *
 * Children start in this process's working directory: the run scripts start the benches from the
 * repository root. Every wait here ends with its timer cleared, so a bench exits once its work is
 * done (a pending timer keeps node alive).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port free on 127.0.0.1 right now (the child that gets it binds it soon after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** SIGTERM, then SIGKILL once `graceMs` have passed; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The last `lines` lines of a log file ('' when there is none). */
export async function tail(path: string, lines = 30): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Spawns a child with its stdout and stderr in `<logDir>/<name>.log`. */
export function spawnLogged(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logDir: string): { child: ChildProcess; logPath: string } {
  const logPath = join(logDir, `${name}.log`);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(logPath);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { child, logPath };
}

/** A started child: `url` is '' for one that serves no HTTP. */
export interface Child {
  name: string;
  pid: number;
  url: string;
  logPath: string;
  stop(): Promise<void>;
}

/** Waits until `url/health` answers 200 (the process must stay up meanwhile). */
async function healthy(name: string, child: ChildProcess, url: string, logPath: string, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${await tail(logPath)}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (performance.now() > until) throw new Error(`${name} did not answer on ${url}; log: ${logPath}`);
    await sleep(100);
  }
}

/**
 * An HTTP server as a child on a free port (PORT and HOST=127.0.0.1 set, over this process's
 * environment and `env`), returned once it answers `/health`; stopped again when it does not.
 */
export async function startHttpChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
  timeoutMs = 60_000,
): Promise<Child> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, logPath } = spawnLogged(name, command, args, { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, logDir);
  try {
    await healthy(name, child, url, logPath, timeoutMs);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { name, pid: child.pid ?? 0, url, logPath, stop: () => stopChild(child) };
}

/**
 * A child (over this process's environment and `env`) returned once its stdout shows `ready`
 * (the worker's `"worker started"` line); stopped again when it exits first or takes longer than
 * `timeoutMs`.
 */
export async function startUntilOutput(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
  ready: string,
  timeoutMs = 120_000,
): Promise<Child> {
  const { child, logPath } = spawnLogged(name, command, args, { ...process.env, ...env }, logDir);
  let timer: NodeJS.Timeout | undefined;
  let onData: ((chunk: Buffer) => void) | undefined;
  let onExit: ((code: number | null) => void) | undefined;
  try {
    await new Promise<void>((resolveStarted, reject) => {
      let seen = '';
      onData = (chunk) => {
        seen = (seen + chunk.toString()).slice(-4096);
        if (seen.includes(ready)) resolveStarted();
      };
      onExit = (code) => reject(new Error(`${name} exited with ${code} before starting; log: ${logPath}`));
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
      timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s; log: ${logPath}`)), timeoutMs);
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    clearTimeout(timer);
    if (onData) child.stdout?.off('data', onData);
    if (onExit) child.off('exit', onExit);
  }
  return { name, pid: child.pid ?? 0, url: '', logPath, stop: () => stopChild(child) };
}

// ---------------------------------------------------------------------------------------------
// /proc (Linux): CPU and memory of processes and of the host.

const CLOCK_TICKS = 100;

/** User + system CPU seconds of a live process; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** What /proc says of a process (or a process tree) at one moment; all counters only grow. */
export interface ProcessReading {
  /** User + system CPU seconds (for a tree: with `cutime`/`cstime`, what ended children used). */
  cpu: number;
  /** Seconds its threads ran on a CPU and seconds they waited, runnable, for one (`schedstat`; live threads only). */
  run: number;
  wait: number;
  /** Bytes it caused to be written to storage (`io` write_bytes; live processes only). */
  written: number;
}

const ZERO_READING: ProcessReading = { cpu: 0, run: 0, wait: 0, written: 0 };

/** Pids of a process and all its live descendants (empty once the root is gone). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = children.get(parent);
      if (siblings) siblings.push(Number(name));
      else children.set(parent, [Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  if (!entries.includes(String(root))) return [];
  const tree: number[] = [];
  const stack = [root];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function readOne(pid: number, withChildren: boolean): ProcessReading {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ticks = Number(fields[11]) + Number(fields[12]);
    if (withChildren) ticks += Number(fields[13]) + Number(fields[14]);
    let run = 0;
    let wait = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [ran, waited] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
        run += ran;
        wait += waited;
      } catch {
        // Thread gone meanwhile.
      }
    }
    let written = 0;
    try {
      written = Number(/^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Not readable (another user's process).
    }
    return { cpu: ticks / CLOCK_TICKS, run: run / 1e9, wait: wait / 1e9, written };
  } catch {
    return ZERO_READING;
  }
}

/**
 * A process, or with `tree` the process and all its live descendants (services made of many
 * processes: PostgreSQL's postmaster and its backends). A tree's CPU includes what its members
 * collected of their ended children (`cutime`/`cstime`), so the difference of two readings counts
 * backends that came and went in between once their parent reaped them. Zero once it is gone.
 */
export function readProcess(pid: number, tree = false): ProcessReading {
  if (!tree) return readOne(pid, false);
  const total = { ...ZERO_READING };
  for (const member of processTree(pid)) {
    const reading = readOne(member, true);
    total.cpu += reading.cpu;
    total.run += reading.run;
    total.wait += reading.wait;
    total.written += reading.written;
  }
  return total;
}

/** Busy and total jiffies of the whole host, to tell a CPU-bound host from a latency-bound run. */
export function hostCpu(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = values.map(Number);
  const idle = n[3] + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Peak (`VmHWM`) or current (`VmRSS`) resident set of a process in kB; 0 once it is gone. */
export function vmKb(pid: number, key: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function coreCount(): number {
  return readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('processor')).length;
}

/** CPU use of some processes, and of the host, over a phase. */
export class CpuWindow {
  private readonly start = new Map<string, number>();
  private readonly host = hostCpu();
  private readonly at = performance.now();

  constructor(private readonly pids: Record<string, number>) {
    for (const [name, pid] of Object.entries(pids)) this.start.set(name, cpuSeconds(pid));
  }

  /** Per process: CPU seconds used and percent of one core; host: percent of all cores; elapsed seconds. */
  end(): { seconds: Record<string, number>; percent: Record<string, number>; host: number; elapsed: number } {
    const elapsed = (performance.now() - this.at) / 1000;
    const seconds: Record<string, number> = {};
    const percent: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      seconds[name] = cpuSeconds(pid) - (this.start.get(name) ?? 0);
      percent[name] = (seconds[name] / elapsed) * 100;
    }
    const host = hostCpu();
    return { seconds, percent, host: ((host.busy - this.host.busy) / (host.total - this.host.total)) * 100, elapsed };
  }
}

// ---------------------------------------------------------------------------------------------
// Requests in flight in a child, counted by the child itself.

/**
 * A CommonJS preload (`node --require <file>`, see {@link writeInFlightProbe}) that counts the HTTP
 * requests in flight in the process it is loaded into, for requests whose path starts with
 * `BENCH_PROBE_PATH` (default `/v1/`):
 * - `BENCH_PROBE_MODE=client`: requests the process makes with undici (the npm package or Node's
 *   fetch), from `undici:request:create` (handed to the dispatcher) to `undici:request:trailers`
 *   (the whole response parsed) or `undici:request:error`;
 * - `BENCH_PROBE_MODE=server`: requests an `http.Server` of the process serves, from
 *   `http.server.request.start` until the response closes (sent, or the socket gone).
 * Every `BENCH_PROBE_EVERY_MS` (default 20) while requests are in flight or a count moved, and
 * right before a request leaves the idle state, it appends `<epoch ms> <started> <finished> <in
 * flight> <area>` to `BENCH_PROBE_FILE`; `area` is the exact integral of requests in flight over
 * time (request·ms, advanced at every start and end), so the mean in flight between two lines is
 * their difference in area over their difference in time. A few µs per request and one small
 * synchronous write per line: nothing the measured process would notice.
 */
const IN_FLIGHT_PROBE_SOURCE = String.raw`'use strict';
const { subscribe } = require('node:diagnostics_channel');
const { appendFileSync } = require('node:fs');
const file = process.env.BENCH_PROBE_FILE;
const prefix = process.env.BENCH_PROBE_PATH || '/v1/';
const every = Number(process.env.BENCH_PROBE_EVERY_MS || 20);
if (file) {
  const now = () => performance.timeOrigin + performance.now();
  let started = 0, finished = 0, inFlight = 0, area = 0, at = now(), written = '';
  const advance = () => {
    const t = now();
    area += inFlight * (t - at);
    at = t;
  };
  const line = () => {
    written = started + ' ' + finished + ' ' + inFlight;
    appendFileSync(file, at.toFixed(1) + ' ' + written + ' ' + area.toFixed(1) + '\n');
  };
  const move = (delta) => {
    advance();
    // Leaving idle: a line for the instant before, so a window can start exactly there.
    if (delta > 0 && inFlight === 0) line();
    inFlight += delta;
    if (delta > 0) started++; else finished++;
  };
  if (process.env.BENCH_PROBE_MODE === 'server') {
    subscribe('http.server.request.start', ({ request, response }) => {
      if (!String(request.url).startsWith(prefix)) return;
      move(1);
      response.once('close', () => move(-1));
    });
  } else {
    const open = new WeakSet();
    subscribe('undici:request:create', ({ request }) => {
      if (!String(request.path).startsWith(prefix)) return;
      open.add(request);
      move(1);
    });
    const end = ({ request }) => {
      if (open.delete(request)) move(-1);
    };
    subscribe('undici:request:trailers', end);
    subscribe('undici:request:error', end);
  }
  const timer = setInterval(() => {
    advance();
    if (started + ' ' + finished + ' ' + inFlight !== written || inFlight > 0) line();
  }, every);
  timer.unref();
}
`;

/** Writes the in-flight probe ({@link IN_FLIGHT_PROBE_SOURCE}) into `dir`; its path, for `node --require`. */
export async function writeInFlightProbe(dir: string): Promise<string> {
  const path = join(dir, 'in-flight-probe.cjs');
  await writeFile(path, IN_FLIGHT_PROBE_SOURCE);
  return path;
}

/** One line of a probe's file. */
export interface ProbeSample {
  /** Epoch ms (`performance.timeOrigin + performance.now()`, comparable across processes). */
  at: number;
  started: number;
  finished: number;
  inFlight: number;
  /** Integral of requests in flight since the process started, request·ms. */
  area: number;
}

/** The lines a probe has written so far (none when it has not written any). */
export async function readProbe(path: string): Promise<ProbeSample[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, started, finished, inFlight, area] = line.split(' ').map(Number);
      return { at, started, finished, inFlight, area };
    });
}

/** Requests in flight over a window of a probe's samples. */
export interface InFlightWindow {
  /** Time-weighted mean of requests in flight. */
  mean: number;
  /** Length of the window, ms. */
  ms: number;
  /** Largest count in flight seen at a sample. */
  peak: number;
  /** Requests started in the window. */
  started: number;
}

/**
 * Requests in flight from the first request started after `since` (epoch ms) until the one that
 * brings the requests started after `since` to `requests` (or the last one started, when fewer
 * were): while requests of the phase remain to be sent, every free slot is one the phase could
 * have used. The window runs from the last sample before the first start to the first sample at
 * or past the last one, so it is at most one sample interval longer than the exact one (and its
 * mean lower, never higher). Undefined when no request started after `since`.
 */
export function inFlightWhileStarting(samples: readonly ProbeSample[], since: number, requests: number): InFlightWindow | undefined {
  // The counts at the phase's start: the last line at or before `since` (none: nothing yet).
  let from: ProbeSample = { at: since, started: 0, finished: 0, inFlight: 0, area: 0 };
  let i = 0;
  for (; i < samples.length && samples[i].at <= since; i++) from = samples[i];
  const base = from.started;
  // The last line before the phase's first request: the probe writes one for the instant before a
  // request leaves the idle state, so this is where the phase's calls began.
  for (; i < samples.length && samples[i].started === base; i++) from = samples[i];
  if (i === samples.length) return undefined;
  let to = samples[i];
  let peak = 0;
  for (; i < samples.length; i++) {
    to = samples[i];
    peak = Math.max(peak, to.inFlight);
    if (to.started - base >= requests) break;
  }
  const ms = to.at - from.at;
  return { mean: ms > 0 ? (to.area - from.area) / ms : 0, ms, peak, started: to.started - base };
}
