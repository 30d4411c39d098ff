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

/** What one vendor was asked and what it billed, from the calls actually made (a type, so it is JSON for Prisma). */
export type VendorUsage = {
  /** Requests sent (every attempt, retries included). */
  calls: number;
  /** Answers with a record. */
  matches: number;
  /** Credits spent by the vendor's billing (per call answered, or per match), at its configured cost. */
  credits: number;
};

/** How a job's provider lookups were served. */
export interface LookupStats {
  /** Answers reused from the lookup cache. */
  cacheHits: number;
  /** Calls paid for at the provider. */
  providerCalls: number;
  /** Lookups answered by a call made at the same time for the same contact (a duplicate in the job). */
  sharedCalls: number;
  /** Per vendor (registry name); absent in figures recorded before vendors were counted. */
  vendors?: Record<string, VendorUsage>;
}

export const EMPTY_LOOKUPS: Readonly<LookupStats> = { cacheHits: 0, providerCalls: 0, sharedCalls: 0 };

/** Adds `more` (absent in results recorded before lookups were counted) to `target`; returns `target`. */
export function addLookups(target: LookupStats, more: Partial<LookupStats> | undefined): LookupStats {
  target.cacheHits += more?.cacheHits ?? 0;
  target.providerCalls += more?.providerCalls ?? 0;
  target.sharedCalls += more?.sharedCalls ?? 0;
  for (const [vendor, usage] of Object.entries(more?.vendors ?? {})) addVendorUsage(target, vendor, usage);
  return target;
}

/** Adds `usage` to `vendor`'s figures in `target`. */
export function addVendorUsage(target: LookupStats, vendor: string, usage: Partial<VendorUsage>): void {
  const vendors = (target.vendors ??= {});
  const sum = (vendors[vendor] ??= { calls: 0, matches: 0, credits: 0 });
  sum.calls += usage.calls ?? 0;
  sum.matches += usage.matches ?? 0;
  // Costs may be fractional (e.g. 0.1 credit a call): keep them exact to a millionth.
  sum.credits = Math.round((sum.credits + (usage.credits ?? 0)) * 1e6) / 1e6;
}

/**
 * A job's lookups with its calls and their cost as the provider-call ledger recorded them (every
 * attempt's, crashed ones included). The workflow's tally counts finished attempts only, so the
 * ledger is the larger figure; the larger of the two is kept per vendor, so a job that began before
 * the ledger existed still shows its earlier calls.
 */
export function withBilledUsage(tally: LookupStats, billed: Pick<LookupStats, 'providerCalls' | 'vendors'>): LookupStats {
  const vendors: Record<string, VendorUsage> = { ...tally.vendors };
  for (const [vendor, usage] of Object.entries(billed.vendors ?? {})) {
    const counted = vendors[vendor];
    vendors[vendor] = counted
      ? { calls: Math.max(counted.calls, usage.calls), matches: Math.max(counted.matches, usage.matches), credits: Math.max(counted.credits, usage.credits) }
      : usage;
  }
  return { ...tally, providerCalls: Math.max(tally.providerCalls, billed.providerCalls), vendors };
}

/** Credits spent at every vendor, from the calls counted in `lookups`. */
export function creditsSpent(lookups: LookupStats): number {
  const total = Object.values(lookups.vendors ?? {}).reduce((sum, usage) => sum + usage.credits, 0);
  return Math.round(total * 1e6) / 1e6;
}

/**
 * The credits the rows not done yet would take at the credits per looked-up row so far (rows
 * enriched, not found or failed; quarantined rows cost nothing); undefined before any row is done.
 */
export function creditsToFinish(spent: number, done: JobCounts, totalRows: number): number | undefined {
  const rowsDone = done.enriched + done.notFound + done.failed;
  return rowsDone > 0 ? Math.ceil((spent / rowsDone) * Math.max(0, totalRows - doneRows(done))) : undefined;
}

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
 * Name of the signal the staging activity sends its job's workflow as rows land in `job_row`, so
 * pages start while the rest of the file is still being staged. Carries {@link RowsStaged}.
 */
export const ROWS_STAGED_SIGNAL = 'rowsStaged';

/** Payload of {@link ROWS_STAGED_SIGNAL}: every row numbered up to `through` is in `job_row`. */
export interface RowsStaged {
  through: number;
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

/** Where a job stands, for people: how far, how fast, how long still. */
export interface JobProgress {
  /** Rows in a final status (quarantined ones included). */
  done: number;
  total: number;
  /** 0..100, one decimal; 100 only once every row is final. */
  percent: number;
  /** Rows enriched, not found or failed per second since enrichment started; 0 before it has. */
  rowsPerSecond: number;
  /** Seconds until the pending rows are done at the current rate; null while unknown or paused. */
  etaSeconds: number | null;
  paused: boolean;
  /** The workflow's phase while it runs (`staging`, `enriching`, `finishing`), else from the status. */
  phase: string;
}

export interface JobProgressInput {
  status: JobStatus;
  counts: JobCounts;
  /** When enrichment started (the job turned RUNNING), if it has. */
  startedAt: Date | null;
  now: Date;
  paused?: boolean;
  /** The live phase reported by the workflow, when it answered. */
  phase?: string;
}

const STATUS_PHASES: Record<JobStatus, string> = {
  PENDING: 'pending',
  STAGING: 'staging',
  RUNNING: 'enriching',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

/**
 * Progress of a job from its row counts and start time. The rate counts rows the providers
 * answered for (quarantined rows are done at staging and would inflate it) over wall time since
 * enrichment started, pauses included: an average, not an instantaneous speed.
 */
export function jobProgress({ status, counts, startedAt, now, paused = false, phase }: JobProgressInput): JobProgress {
  const done = doneRows(counts);
  const final = isTerminal(status);
  const percent = counts.total === 0 ? (final ? 100 : 0) : Math.floor((done / counts.total) * 1000) / 10;
  const processed = counts.enriched + counts.notFound + counts.failed;
  const elapsedSeconds = startedAt ? (now.getTime() - startedAt.getTime()) / 1000 : 0;
  const rowsPerSecond = (status === 'RUNNING' || final) && elapsedSeconds > 0 ? processed / elapsedSeconds : 0;
  let etaSeconds: number | null = null;
  if (final || (status === 'RUNNING' && counts.pending === 0)) etaSeconds = 0;
  else if (status === 'RUNNING' && !paused && rowsPerSecond > 0) etaSeconds = Math.ceil(counts.pending / rowsPerSecond);
  return {
    done,
    total: counts.total,
    percent,
    rowsPerSecond: Math.round(rowsPerSecond * 100) / 100,
    etaSeconds,
    paused: paused && !final,
    phase: final ? STATUS_PHASES[status] : (phase ?? STATUS_PHASES[status]),
  };
}
