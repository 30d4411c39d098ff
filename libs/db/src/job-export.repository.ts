import type { FieldValue, RowStatus, StoredFieldValue } from '@enrich/domain';
import type { PrismaClient } from './prisma-client';

/**
 * One enriched field of an exported row: value and provenance, without timestamps. `V` is the
 * type of its value: opened by default (what the CSV is written from), {@link StoredFieldValue} as
 * read (personal values sealed; open them with `openEnrichedFields` of `@enrich/domain`).
 */
export interface ExportField<V = FieldValue> {
  field: string;
  value: V;
  provider: string;
  confidence: number;
}

/**
 * One row of a job as exported: its input, outcome and enriched fields. As read ({@link StoredExportRow})
 * the input's personal fields and the personal enriched values are sealed; `ExportRow` itself has
 * its fields opened (the input is sealed or opened, depending on who holds it).
 */
export interface ExportRow<V = FieldValue> {
  rowNumber: number;
  lineNumber: number;
  status: RowStatus;
  lastError: string | null;
  input: Record<string, unknown>;
  /** Every cell of the record as written, sealed as one value; null for rows staged before cells were kept. */
  cells: unknown;
  fields: Array<ExportField<V>>;
}

/** An {@link ExportRow} as read from the tables: personal values sealed. */
export type StoredExportRow = ExportRow<StoredFieldValue>;

interface RawExportRow {
  row_number: number;
  line_number: number;
  status: RowStatus;
  last_error: string | null;
  input: Record<string, unknown>;
  cells: unknown;
  fields: Array<ExportField<StoredFieldValue>>;
}

/**
 * Reads a job's rows for export in keyset pages: one query per page (rows with their fields
 * aggregated), so an export of any size holds one page in memory and never offsets.
 */
export class JobExportRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Rows after `afterRow`, in row order, at most `limit`, each with its fields ordered by name. */
  async page(jobId: string, afterRow: number, limit: number): Promise<StoredExportRow[]> {
    const rows = await this.prisma.$queryRaw<RawExportRow[]>`
      SELECT r.row_number, r.line_number, r.status::text AS status, r.last_error, r.input, r.cells,
             COALESCE(
               (SELECT jsonb_agg(jsonb_build_object('field', e.field, 'value', e.value, 'provider', e.provider, 'confidence', e.confidence) ORDER BY e.field)
                  FROM enrichment_result e
                 WHERE e.job_id = r.job_id AND e.row_number = r.row_number),
               '[]'::jsonb) AS fields
        FROM job_row r
       WHERE r.job_id = ${jobId}::uuid AND r.row_number > ${afterRow}
       ORDER BY r.row_number
       LIMIT ${limit}`;
    return rows.map((r) => ({
      rowNumber: r.row_number,
      lineNumber: r.line_number,
      status: r.status,
      lastError: r.last_error,
      input: r.input,
      cells: r.cells,
      fields: r.fields,
    }));
  }

  /** Every row of a job after `afterRow`, a page (`pageSize` rows, one query) at a time. */
  async *pages(jobId: string, { afterRow = 0, pageSize = 1_000 }: { afterRow?: number; pageSize?: number } = {}): AsyncGenerator<StoredExportRow[]> {
    for (let after = afterRow; ;) {
      const page = await this.page(jobId, after, pageSize);
      if (page.length > 0) yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].rowNumber;
    }
  }
}
