#!/usr/bin/env node
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCliConfig } from '../config';
import { addAdminCommands } from './admin';
import { ApiError, EnrichApiClient, type JobResponse } from './api-client';
import { parseMs, parsePositive } from './arguments';
import { addPaymentCommands } from './payments';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** `enrich` — submit CSV jobs to the gateway and follow them with a progress bar. */
export function buildCli(): Command {
  const config = loadCliConfig();
  const program = new Command('enrich')
    .description('Enrich customer files through the enrichment platform')
    .option('--api <url>', 'gateway base URL (env ENRICH_API_URL)', config.apiUrl)
    .option('--api-key <key>', 'API key (env ENRICH_API_KEY)', config.apiKey);
  const client = () => {
    const { api, apiKey } = program.opts<{ api: string; apiKey?: string }>();
    return new EnrichApiClient(api, apiKey);
  };
  addAdminCommands(program, () => config.databaseUrl);

  const jobs = program.command('jobs').description('CSV enrichment jobs');

  jobs
    .command('submit <file>')
    .description('upload a CSV and follow the job until it finishes')
    .option('--fields <list>', 'enrichment groups, comma-separated', 'demographics')
    .option('--no-wait', 'return as soon as the job is accepted')
    .option('--interval <ms>', 'polling interval', parseMs, 500)
    .option('--page-size <rows>', 'rows per page activity (default 100)', parsePositive)
    .option('--window-size <pages>', 'page activities in flight at once (default 4)', parsePositive)
    .option('--max-credits <credits>', 'credits the job may spend at its vendors; then it pauses (phase budget_exhausted)', parsePositive)
    .option('--encoding <name>', "the file's text encoding: utf-8, utf-16le, utf-16be, windows-1252 or latin1 (detected when not given)")
    .action(
      async (
        file: string,
        options: { fields: string; wait: boolean; interval: number; pageSize?: number; windowSize?: number; maxCredits?: number; encoding?: string },
      ) => {
        const api = client();
        const job = await api.submitJob(file, {
          fields: options.fields,
          pageSize: options.pageSize,
          windowSize: options.windowSize,
          maxCredits: options.maxCredits,
          encoding: options.encoding,
        });
        process.stderr.write(`job ${job.id} accepted (workflow ${job.workflowId})\n`);
        if (!options.wait) {
          process.stdout.write(`${JSON.stringify({ id: job.id, status: job.status })}\n`);
          return;
        }
        const final = await follow(api, job.id, options.interval);
        printSummary(final);
        if (final.status !== 'COMPLETED') process.exitCode = 1;
      },
    );

  jobs
    .command('status <id>')
    .description('print a job and its row counts as JSON')
    .action(async (id: string) => {
      const api = client();
      process.stdout.write(`${JSON.stringify(await api.getJob(id), null, 2)}\n`);
    });

  const control = (action: 'pause' | 'resume' | 'cancel', description: string) =>
    jobs
      .command(`${action} <id>`)
      .description(description)
      .action(async (id: string, options: { maxCredits?: number }) => {
        const api = client();
        const job = await api.controlJob(id, action, options);
        process.stderr.write(`job ${job.id}: ${job.status}${job.progress?.paused ? ' (paused)' : ''}\n`);
      });
  control('pause', 'pause a job: no new page starts, pages in flight finish');
  control('resume', 'resume a paused job, or one that spent its credits (with --max-credits above what it spent)').option(
    '--max-credits <credits>',
    'a new credit budget for the job',
    parsePositive,
  );
  control('cancel', 'cancel a job: pages in flight stop at a row boundary, the job turns CANCELLED');

  jobs
    .command('export <id>')
    .description("download a job's rows as CSV (what is done so far while it runs)")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (id: string, options: { output?: string }) => {
      const api = client();
      const csv = await api.exportJob(id);
      await pipeline(csv, options.output ? createWriteStream(options.output) : process.stdout);
      if (options.output) process.stderr.write(`wrote ${options.output}\n`);
    });

  const requests = program.command('requests').description('push requests grouped by erid');
  requests
    .command('push <file>')
    .description('send a push request from a JSON file { "erid", "contact_list", "fields_to_be_enriched" } ("-" reads stdin)')
    .option('--idempotency-key <key>', 'makes a retry of this request safe (default: the body itself identifies it)')
    .action(async (file: string, options: { idempotencyKey?: string }) => {
      const body = file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
      const accepted = await client().pushRequest(body, options.idempotencyKey);
      process.stdout.write(`${JSON.stringify(accepted, null, 2)}\n`);
    });
  requests
    .command('status <erid>')
    .description('print an erid: status, counts, progress and the requests it holds')
    .action(async (erid: string) => {
      process.stdout.write(`${JSON.stringify(await client().getRequest(erid), null, 2)}\n`);
    });
  requests
    .command('close <erid>')
    .description('close an erid: no more contacts; it completes once those it holds are enriched')
    .action(async (erid: string) => {
      process.stdout.write(`${JSON.stringify(await client().closeRequest(erid), null, 2)}\n`);
    });
  requests
    .command('results <erid>')
    .description("download an erid's contacts with their enriched fields as CSV")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (erid: string, options: { output?: string }) => {
      await pipeline(await client().exportRequest(erid), options.output ? createWriteStream(options.output) : process.stdout);
      if (options.output) process.stderr.write(`wrote ${options.output}\n`);
    });

  addPaymentCommands(program, client);

  return program;
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let body = '';
  for await (const chunk of stream) body += String(chunk);
  return body;
}

/** Polls a job, drawing a progress bar on a terminal and a line every few seconds elsewhere. */
async function follow(api: EnrichApiClient, id: string, intervalMs: number): Promise<JobResponse> {
  const tty = Boolean(process.stderr.isTTY);
  const bar = new SingleBar(
    {
      format:
        'enriching |{bar}| {percentage}% {value}/{total} rows | {status} | {rate} rows/s | eta {etaText} | enriched {enriched} · not found {notFound} · failed {failed} · quarantined {quarantined}',
      noTTYOutput: !tty,
      notTTYSchedule: 5_000,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  for (;;) {
    const job = await api.getJob(id);
    const done = job.counts.enriched + job.counts.notFound + job.counts.failed + job.counts.quarantined;
    // Rate and ETA come from the gateway, which knows when enrichment started and about pauses.
    const progress = job.progress;
    const payload = {
      status: progress?.paused ? 'PAUSED' : job.status,
      rate: progress ? progress.rowsPerSecond.toFixed(1) : '–',
      etaText: formatEta(progress?.etaSeconds ?? null),
      ...job.counts,
    };
    if (!started) {
      bar.start(Math.max(job.counts.total, 1), done, payload);
      started = true;
    } else {
      bar.setTotal(Math.max(job.counts.total, 1));
      bar.update(done, payload);
    }
    if (FINAL.has(job.status)) {
      bar.stop();
      return job;
    }
    await sleep(intervalMs);
  }
}

function printSummary(job: JobResponse): void {
  const { counts } = job;
  const lines = [
    `job ${job.id}: ${job.status}${job.error ? ` — ${job.error}` : ''}`,
    `  rows        ${counts.total}`,
    `  enriched    ${counts.enriched}`,
    `  not found   ${counts.notFound}`,
    `  failed      ${counts.failed}`,
    `  quarantined ${counts.quarantined}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `42s`, `3m 05s`, `1h 02m`; `–` when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
      process.stderr.write(`enrich: ${message}\n`);
      process.exit(1);
    });
}
