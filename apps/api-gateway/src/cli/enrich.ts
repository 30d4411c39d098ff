#!/usr/bin/env node
import { loadCliConfig } from '@enrich/config';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, EnrichApiClient, type JobResponse } from './api-client';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** `enrich` — submit CSV jobs to the gateway and follow them with a progress bar. */
export function buildCli(): Command {
  const config = loadCliConfig();
  const program = new Command('enrich')
    .description('Enrich customer files through the enrichment platform')
    .option('--api <url>', 'gateway base URL (env ENRICH_API_URL)', config.apiUrl);

  const jobs = program.command('jobs').description('CSV enrichment jobs');

  jobs
    .command('submit <file>')
    .description('upload a CSV and follow the job until it finishes')
    .option('--fields <list>', 'enrichment groups, comma-separated', 'demographics')
    .option('--no-wait', 'return as soon as the job is accepted')
    .option('--interval <ms>', 'polling interval', parseMs, 500)
    .action(async (file: string, options: { fields: string; wait: boolean; interval: number }) => {
      const api = new EnrichApiClient(program.opts<{ api: string }>().api);
      const job = await api.submitJob(file, options.fields);
      process.stderr.write(`job ${job.id} accepted (workflow ${job.workflowId})\n`);
      if (!options.wait) {
        process.stdout.write(`${JSON.stringify({ id: job.id, status: job.status })}\n`);
        return;
      }
      const final = await follow(api, job.id, options.interval);
      printSummary(final);
      if (final.status !== 'COMPLETED') process.exitCode = 1;
    });

  jobs
    .command('status <id>')
    .description('print a job and its row counts as JSON')
    .action(async (id: string) => {
      const api = new EnrichApiClient(program.opts<{ api: string }>().api);
      process.stdout.write(`${JSON.stringify(await api.getJob(id), null, 2)}\n`);
    });

  return program;
}

/** Polls a job, drawing a progress bar on a terminal and a line every few seconds elsewhere. */
async function follow(api: EnrichApiClient, id: string, intervalMs: number): Promise<JobResponse> {
  const tty = Boolean(process.stderr.isTTY);
  const bar = new SingleBar(
    { format: 'enriching |{bar}| {percentage}% {value}/{total} rows | {status} | enriched {enriched} · not found {notFound} · failed {failed} · quarantined {quarantined} | eta {eta_formatted}', noTTYOutput: !tty, notTTYSchedule: 5_000, stream: process.stderr },
    Presets.shades_classic,
  );
  let started = false;
  for (;;) {
    const job = await api.getJob(id);
    const done = job.counts.enriched + job.counts.notFound + job.counts.failed + job.counts.quarantined;
    const payload = { status: job.status, ...job.counts };
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

function parseMs(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 50) throw new InvalidArgumentError('must be a whole number of milliseconds ≥ 50');
  return ms;
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
