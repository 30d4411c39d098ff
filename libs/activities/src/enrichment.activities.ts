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
  sealPersonalFieldsOfRows,
  type StoredFieldValue,
} from '@enrich/domain';
import type { FieldSealer } from '@enrich/codec';
import type { JobRepository, RowResult } from '@enrich/db';
import { ProviderOutOfCreditsError, ProviderRateLimitedError, runWaterfall, type WaterfallOptions } from '@enrich/providers';

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
  /** Rows looked up together (and written in one transaction) within a page. */
  chunkSize: number;
}

/** What a page reports: its rows' counts, and how its lookups were served. */
export interface EnrichPageResult extends JobCounts {
  /** Over every attempt of the page: answers reused from the lookup cache, and calls paid for. */
  lookups: LookupStats;
}

/** Heartbeat details of a page: the last finished row and the lookups so far. */
interface PageProgress extends LookupStats {
  lastRow?: number;
  attempt: number;
}

export function createEnrichmentActivities({ jobs, waterfall, sealer, chunkSize }: EnrichmentDeps) {
  return {
    /**
     * Enriches the still-pending rows of one page, in chunks: each chunk's outcomes and fields are
     * written in one transaction and the last finished row is heartbeated, so a retried attempt
     * (or a crash) resumes after it. Rows the provider could not serve yet stay pending and the
     * activity fails retryably once the rest of the page is saved: Temporal's backoff does the rest.
     * Enriched personal values come sealed from the lookup services and are written sealed (any
     * still in plaintext, e.g. from a provider plugged in without sealing, is sealed here first);
     * the page never opens them, and returns only counts.
     */
    async enrichPage({ jobId, range, fields }: EnrichPageInput): Promise<EnrichPageResult> {
      const groups = fields.filter(isEnrichmentGroup);
      const context = Context.current();
      const signal = context.cancellationSignal;
      // Finished rows are no longer PENDING, so a retried attempt picks up exactly where the last
      // committed chunk left off, including rows an earlier attempt deferred.
      const rows = await jobs.pendingRows(jobId, range);
      // Lookups of earlier attempts count too: the heartbeat carries them over.
      const previous = activityInfo().heartbeatDetails as PageProgress | undefined;
      const stats = addLookups({ ...EMPTY_LOOKUPS }, previous);
      let lastError: Error | undefined;
      let deferred = 0;
      for (let start = 0; start < rows.length && !signal.aborted; start += chunkSize) {
        const chunk = rows.slice(start, start + chunkSize);
        const records = await Promise.all(chunk.map(async (row) => (await sealer.openRecord(row.input)) as CustomerRecord));
        const outcomes = await runWaterfall(records, groups, waterfall, signal, stats);
        const done: RowResult[] = [];
        outcomes.forEach((result, index) => {
          if (result.kind === 'unavailable') {
            deferred++;
            lastError = result.error;
          } else {
            done.push(toRowResult(chunk[index].rowNumber, result.outcome));
          }
        });
        await jobs.saveRowResults(jobId, await sealPersonalFieldsOfRows(sealer, done));
        heartbeat({ lastRow: chunk.at(-1)?.rowNumber, attempt: activityInfo().attempt, ...stats } satisfies PageProgress);
      }
      // Cancellation is honoured between chunks, so nothing is ever half written.
      if (signal.aborted) throw signal.reason ?? new CancelledFailure('page cancelled');
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
