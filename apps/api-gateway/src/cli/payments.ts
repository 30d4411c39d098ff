import { type Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import type { EnrichApiClient } from './api-client';
import { parsePositive } from './arguments';

/** `enrich payments quarantine …`: the platform operators' desk of quarantined payment events, through the API (an admin key). */
export function addPaymentCommands(program: Command, client: () => EnrichApiClient): void {
  const payments = program.command('payments').description('payment events (an admin key)');
  const quarantine = payments.command('quarantine').description('payment events set aside: unreadable, breaking a business rule, or out of retries');
  quarantine
    .command('list')
    .description('entries, newest first, as JSON (pass the `next` it prints as --cursor for the next page)')
    .option('--status <status>', 'QUARANTINED, RELEASED or DISCARDED')
    .option('--kind <kind>', 'schema, rules or processing')
    .option('--limit <n>', 'entries per page (default 20, at most 100)', parsePositive)
    .option('--cursor <cursor>', 'the `next` of the previous page')
    .action(async (options: { status?: string; kind?: string; limit?: number; cursor?: string }) => {
      printJson(await client().listQuarantine(options));
    });
  quarantine
    .command('show <id>')
    .description("an entry with its review's live state and what it holds (never a card number)")
    .action(async (id: string) => {
      printJson(await client().getQuarantined(id));
    });
  quarantine
    .command('release <id>')
    .description('re-run the event (as it was, or corrected with --event): the entry turns RELEASED once it is stored')
    .option('--event <file>', 'a corrected event as JSON, as on the topic ("-" reads stdin)')
    .option('--note <text>', 'why, for the record')
    .action(async (id: string, options: { event?: string; note?: string }) => {
      const event = options.event === undefined ? undefined : parseJson(options.event, await readText(options.event));
      printJson(await client().decideQuarantined(id, 'release', { ...(event === undefined ? {} : { event }), ...note(options.note) }));
    });
  quarantine
    .command('discard <id>')
    .description('close the review with the event unstored')
    .option('--note <text>', 'why, for the record')
    .action(async (id: string, options: { note?: string }) => {
      printJson(await client().decideQuarantined(id, 'discard', note(options.note)));
    });
}

const note = (text: string | undefined) => (text === undefined ? {} : { note: text });

async function readText(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  let body = '';
  for await (const chunk of process.stdin) body += String(chunk);
  return body;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError(`${file} is not JSON`);
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
