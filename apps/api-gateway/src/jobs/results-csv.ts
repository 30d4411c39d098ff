import type { ExportRow } from '@enrich/db';
import { CUSTOMER_COLUMNS, GROUP_FIELDS, isEnrichmentGroup } from '@enrich/domain';
import { stringify } from 'csv-stringify';
import { pipeline, Readable } from 'node:stream';

/**
 * Header of a job's CSV export: the row number, the input columns, the row's status and error,
 * then each enriched field of the job's groups with its provider and confidence.
 */
export function exportColumns(groups: readonly string[]): string[] {
  const fields = groups.filter(isEnrichmentGroup).flatMap((group) => GROUP_FIELDS[group]);
  return ['row_number', ...CUSTOMER_COLUMNS, 'status', 'error', ...fields.flatMap((f) => [f, `${f}_provider`, `${f}_confidence`])];
}

/** One CSV record of a row whose input is already opened. */
function toRecord(row: ExportRow): Record<string, unknown> {
  const record: Record<string, unknown> = { row_number: row.rowNumber, status: row.status, error: row.lastError ?? '' };
  for (const column of CUSTOMER_COLUMNS) record[column] = row.input[column] ?? '';
  for (const field of row.fields) {
    record[field.field] = field.value;
    record[`${field.field}_provider`] = field.provider;
    record[`${field.field}_confidence`] = field.confidence;
  }
  return record;
}

/**
 * Turns pages of rows (inputs opened) into CSV bytes with csv-stringify. Both ends are streams
 * with backpressure: a page is read only when the consumer has taken the previous one.
 */
export function csvExport(groups: readonly string[], pages: AsyncIterable<ExportRow[]>): Readable {
  async function* records() {
    for await (const page of pages) yield* page.map(toRecord);
  }
  const csv = stringify({
    header: true,
    columns: exportColumns(groups),
    cast: { boolean: (value) => String(value), object: (value) => JSON.stringify(value) },
  });
  // A failed read destroys `csv` with the error, which reaches whoever consumes it; nothing to add here.
  pipeline(Readable.from(records()), csv, () => undefined);
  return csv;
}
