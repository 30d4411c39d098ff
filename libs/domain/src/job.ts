/** Lifecycle of a CSV job, mirrored by the `job.status` column. */
export type JobStatus = 'PENDING' | 'STAGING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** Lifecycle of one row, mirrored by the `job_row.status` column. */
export type RowStatus = 'PENDING' | 'ENRICHED' | 'NOT_FOUND' | 'FAILED' | 'QUARANTINED';

/** Row counts of a job by status. */
export interface JobCounts {
  total: number;
  pending: number;
  enriched: number;
  notFound: number;
  failed: number;
  quarantined: number;
}

export const EMPTY_COUNTS: JobCounts = { total: 0, pending: 0, enriched: 0, notFound: 0, failed: 0, quarantined: 0 };

/** Rows that reached a final status. */
export function doneRows(counts: JobCounts): number {
  return counts.enriched + counts.notFound + counts.failed + counts.quarantined;
}

/** Share of rows in a final status, 0..1; an empty job is complete. */
export function completion(counts: JobCounts): number {
  return counts.total === 0 ? 1 : doneRows(counts) / counts.total;
}

export function isTerminal(status: JobStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
}

/** A half-open range of row numbers `[from, to)`. */
export interface RowRange {
  from: number;
  to: number;
}

/**
 * The page that starts at `from` (row numbers start at 1), or `undefined` past the last row.
 * Pages are contiguous and never overlap, so every row belongs to exactly one page.
 */
export function pageAt(from: number, totalRows: number, pageSize: number): RowRange | undefined {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  if (from > totalRows) return undefined;
  return { from, to: Math.min(from + pageSize, totalRows + 1) };
}
