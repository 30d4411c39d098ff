import { CUSTOMER_COLUMNS, type FieldValue, GROUP_FIELDS, isEnrichmentGroup, type RowStatus } from '@enrich/domain';
import { stringify } from 'csv-stringify';
import { pipeline, Readable } from 'node:stream';

/** One row to export, opened: its cells as written (null for rows staged before cells were kept). */
export interface CsvExportRow {
  rowNumber: number;
  status: RowStatus;
  lastError: string | null;
  input: Record<string, unknown>;
  cells: string[] | null;
  fields: Array<{ field: string; value: FieldValue; provider: string; confidence: number }>;
}

export interface CsvExportOptions {
  /** The file's header row as written; empty for jobs staged before it was kept (their canonical columns are exported). */
  header: readonly string[];
  /** The job's enrichment groups: which enriched columns there are. */
  groups: readonly string[];
  /**
   * Cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a
   * leading `'` (OWASP "CSV injection"). On unless turned off.
   */
  neutraliseFormulas?: boolean;
  /** Start the file with a UTF-8 byte order mark, which spreadsheet programs read the encoding from. */
  bom?: boolean;
}

const PREFIX = 'enriched.';

/**
 * The export's columns: every input column with its header as written, in file order, then the
 * platform's columns under a prefix no input header starts with (`enriched.` unless the file uses
 * it, then `_enriched.`, ...): the row number, status and error, then each enriched field of the
 * job's groups with its provider and confidence. Input columns are never renamed or replaced.
 */
export function exportColumns(header: readonly string[], groups: readonly string[]): { input: string[]; fields: string[]; columns: string[] } {
  const input = header.length > 0 ? [...header] : [...CUSTOMER_COLUMNS];
  let prefix = PREFIX;
  while (input.some((name) => name.toLowerCase().startsWith(prefix.toLowerCase()))) prefix = `_${prefix}`;
  const fields = groups.filter(isEnrichmentGroup).flatMap((group) => GROUP_FIELDS[group]);
  const ours = ['row_number', 'status', 'error', ...fields.flatMap((f) => [f, `${f}.provider`, `${f}.confidence`])];
  return { input, fields, columns: [...input, ...ours.map((name) => `${prefix}${name}`)] };
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell a spreadsheet would evaluate, made plain text. */
export function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One CSV record (an array: input headers may repeat) of a row whose input is already opened. */
function toRecord(row: CsvExportRow, input: readonly string[], fields: readonly string[], fromHeader: boolean): string[] {
  const cells = fromHeader && row.cells ? input.map((_, i) => row.cells?.[i] ?? '') : input.map((column) => text(row.input[column]));
  const byField = new Map(row.fields.map((f) => [f.field, f]));
  const enriched = fields.flatMap((name) => {
    const field = byField.get(name);
    return field ? [text(field.value), field.provider, String(field.confidence)] : ['', '', ''];
  });
  return [...cells, String(row.rowNumber), row.status, row.lastError ?? '', ...enriched];
}

/**
 * Turns pages of rows (opened) into CSV bytes with csv-stringify. Both ends are streams with
 * backpressure: a page is read only when the consumer has taken the previous one.
 */
export function csvExport(options: CsvExportOptions, pages: AsyncIterable<CsvExportRow[]>): Readable {
  const { input, fields, columns } = exportColumns(options.header, options.groups);
  const fromHeader = options.header.length > 0;
  const guard = options.neutraliseFormulas === false ? (cells: string[]) => cells : (cells: string[]) => cells.map(neutralise);
  async function* records() {
    yield guard(columns);
    for await (const page of pages) for (const row of page) yield guard(toRecord(row, input, fields, fromHeader));
  }
  const csv = stringify({ bom: options.bom === true });
  // A failed read destroys `csv` with the error, which reaches whoever consumes it; nothing to add here.
  pipeline(Readable.from(records()), csv, () => undefined);
  return csv;
}
