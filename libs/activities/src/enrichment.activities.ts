import { ApplicationFailure, CancelledFailure, Context, activityInfo, heartbeat, log } from '@temporalio/activity';
import {
  addLookups,
  type CustomerRecord,
  EMPTY_LOOKUPS,
  FAILURE_TYPES,
  isEnrichmentGroup,
  type JobCounts,
  type LookupStats,
  type RowOutcome,
  type RowRange,
  type StoredFieldValue,
} from '@enrich/domain';
import type { FieldSealer } from '@enrich/codec';
import type { JobRepository, RowResult } from '@enrich/db';
import { RowResultsWriter } from './row-results-writer';
import { type CallLedger, ProviderOutOfCreditsError, ProviderRateLimitedError, runWaterfall, type WaterfallOptions } from '@enrich/providers';

export interface EnrichPageInput {
  jobId: string;
  range: RowRange;
  fields: string[];
}

export interface EnrichmentDeps {
  jobs: JobRepository;
  /** Providers and the order they are tried in, per group. */
  waterfall: WaterfallOptions;
  /**
   * Opens the sealed personal fields of a row right before they go to a provider, and seals any
   * personal enriched value not sealed yet before it is written.
   */
  sealer: Pick<FieldSealer, 'openRecord' | 'sealRecord'>;
  /** Rows of a page looked up at once, each on its own (the vendors' budgets bound the calls). */
  rowsInFlight: number;
  /** Each job's provider-call ledger: calls are billed there before they are made. None: billed to no ledger (unit tests). */
  ledgers?: { forJob(jobId: string): CallLedger };
  /**
   * Aborted when the worker starts shutting down: pages start no new row, finish the rows in flight
   * (their calls are paid for), write them, and hand the rest of the page to the next attempt.
   */
  draining?: AbortSignal;
  /** Told of rows written and handed over (metrics). */
  observer?: PageObserver;
  /** Finished rows written together: this many, or whatever finished within `writeDelayMs`. */
  writeBatchRows?: number;
  writeDelayMs?: number;
}

/** What pages tell the process's metrics, as it happens. */
export interface PageObserver {
  /** Rows written (one transaction), by their final status. */
  rowsWritten(statuses: readonly RowResult['status'][]): void;
  /** Rows a page handed to another worker because this one is shutting down. */
  handedOver(rows: number): void;
}

/** What a page reports: its rows' counts, and how its lookups were served. */
export interface EnrichPageResult extends JobCounts {
  /** Over every attempt of the page: answers reused from the lookup cache, and calls paid for. */
  lookups: LookupStats;
}

/** Heartbeat details of a page: rows written by this attempt, and the lookups so far. */
interface PageProgress extends LookupStats {
  /** Highest row number written so far (rows finish in any order; the database says which are done). */
  lastRow?: number;
  written?: number;
  attempt: number;
}

/** How often a running page says it is alive (the worker throttles what reaches the server: see the worker's maxHeartbeatThrottleInterval). */
const HEARTBEAT_EVERY_MS = 1_000;

export function createEnrichmentActivities({
  jobs,
  waterfall,
  sealer,
  rowsInFlight,
  ledgers,
  draining,
  observer,
  writeBatchRows = 50,
  writeDelayMs = 250,
}: EnrichmentDeps) {
  return {
    /**
     * Enriches the still-pending rows of one page. Each row goes through the waterfall on its own,
     * up to `rowsInFlight` at once, so a slow or retrying row holds up no other and the vendors'
     * budgets stay full; finished rows are written in batches (by size or time), each batch in one
     * transaction, and heartbeated. A retried attempt (or a crash) redoes only the rows still
     * PENDING: no row is written twice or skipped. Rows the provider could not serve yet stay
     * pending and the activity fails retryably once the rest of the page is saved: Temporal's
     * backoff (or the vendor's own wait) does the rest. Enriched personal values come sealed from
     * the lookup services and are written sealed (any still in plaintext is sealed here first); the
     * page never opens them, and returns only counts.
     */
    async enrichPage({ jobId, range, fields }: EnrichPageInput): Promise<EnrichPageResult> {
      const groups = fields.filter(isEnrichmentGroup);
      const signal = Context.current().cancellationSignal;
      // Rows stop starting on a cancellation or when the worker drains; rows in flight end only on a cancellation.
      const stopStarting = draining ? AbortSignal.any([signal, draining]) : signal;
      const ledger = ledgers?.forJob(jobId);
      const rows = await jobs.pendingRows(jobId, range);
      // Lookups of earlier attempts count too: the heartbeat carries them over.
      const previous = activityInfo().heartbeatDetails as PageProgress | undefined;
      const stats = addLookups({ ...EMPTY_LOOKUPS }, previous);
      let lastError: Error | undefined;
      let deferred = 0;
      let lastRow: number | undefined;
      let written = 0;
      const writer = new RowResultsWriter({
        jobs,
        jobId,
        sealer,
        maxRows: writeBatchRows,
        maxDelayMs: writeDelayMs,
        onWritten: (batch) => {
          written += batch.length;
          observer?.rowsWritten(batch.map((row) => row.status));
          lastRow = Math.max(lastRow ?? 0, ...batch.map((row) => row.rowNumber));
          beat();
        },
      });
      const beat = () => heartbeat({ lastRow, written, attempt: activityInfo().attempt, ...stats } satisfies PageProgress);
      // Rows waiting out a vendor's pause write nothing for a while: the page still says it is alive
      // (and learns of a cancellation). The SDK sends at most one heartbeat per throttle interval.
      const alive = setInterval(beat, HEARTBEAT_EVERY_MS);
      let started = 0;
      await eachAtOnce(rows, rowsInFlight, stopStarting, async (row) => {
        started++;
        const record = (await sealer.openRecord(row.input)) as CustomerRecord;
        const [result] = await runWaterfall([record], groups, waterfall, signal, stats, ledger);
        if (result.kind === 'unavailable') {
          deferred++;
          lastError = result.error;
        } else {
          await writer.add(toRowResult(row.rowNumber, result.outcome));
        }
      }).finally(() => {
        clearInterval(alive);
        return writer.close();
      });
      // Cancellation is honoured between rows; what finished before it is written, nothing half.
      if (signal.aborted) throw signal.reason ?? new CancelledFailure('page cancelled');
      if (started < rows.length) {
        // The worker is draining: what finished is written; another worker takes the rest at once.
        log.info('page handed over: the worker is shutting down', { jobId, range, written, left: rows.length - started });
        observer?.handedOver(rows.length - started);
        throw ApplicationFailure.create({
          message: `the worker shut down: ${rows.length - started} row(s) of rows ${range.from}-${range.to - 1} left pending for the next attempt`,
          type: FAILURE_TYPES.WORKER_SHUTDOWN,
          nextRetryDelay: '100 milliseconds',
        });
      }
      if (deferred > 0) {
        log.warn('page left rows pending after provider errors', { jobId, range, deferred, error: lastError?.message });
        throw ApplicationFailure.create({
          message: `${deferred} row(s) of rows ${range.from}-${range.to - 1} are still pending: ${lastError?.message}`,
          type: lastError instanceof ProviderOutOfCreditsError ? FAILURE_TYPES.PROVIDER_OUT_OF_CREDITS : FAILURE_TYPES.PROVIDER_UNAVAILABLE,
          // A vendor's own wait (Retry-After, a rate window's reset, an out-of-credits pause) beats the backoff.
          ...(lastError instanceof ProviderRateLimitedError || lastError instanceof ProviderOutOfCreditsError
            ? { nextRetryDelay: lastError.retryAfterMs }
            : {}),
        });
      }
      log.debug('page enriched', { jobId, range, ...stats });
      return { ...(await jobs.rangeCounts(jobId, range)), lookups: stats };
    },
  };
}

/**
 * Runs `work` for each item, at most `limit` at once, starting the next as soon as one ends; stops
 * starting new ones once `signal` is aborted. Rejects with the first failure, after the items
 * already running have ended.
 */
async function eachAtOnce<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !signal.aborted && !failure) {
      const item = items[next++];
      await work(item).catch((error: unknown) => {
        failure ??= { error };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}

function toRowResult(rowNumber: number, outcome: RowOutcome<StoredFieldValue>): RowResult {
  switch (outcome.kind) {
    case 'enriched':
      return { rowNumber, status: 'ENRICHED', fields: outcome.fields };
    case 'not_found':
      return { rowNumber, status: 'NOT_FOUND', error: `no record at ${outcome.provider}`, fields: [] };
    case 'failed':
      return { rowNumber, status: 'FAILED', error: outcome.reason, fields: [] };
  }
}
