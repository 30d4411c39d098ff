import { ApplicationFailure, CancelledFailure, Context, activityInfo, heartbeat, log } from '@temporalio/activity';
import type { CustomerRecord, JobCounts, RowOutcome, RowRange } from '@enrich/domain';
import type { FieldSealer } from '@enrich/codec';
import type { JobRepository, PendingRow, RowResult } from '@enrich/db';
import pLimit from 'p-limit';
import type { DemographicsClient, ProviderLookup } from './providers/demographics.client';
import { isRetryable, ProviderRateLimitedError, ProviderRejectedError } from './providers/provider-errors';

export interface EnrichPageInput {
  jobId: string;
  range: RowRange;
  fields: string[];
}

export interface EnrichmentDeps {
  jobs: JobRepository;
  demographics: Pick<DemographicsClient, 'lookup'>;
  /** Opens the sealed personal fields of a row right before they go to a provider. */
  sealer: Pick<FieldSealer, 'openRecord'>;
  /** Provider calls in flight per page activity. */
  concurrency: number;
  /** Attempts of one provider call inside an activity attempt before the activity itself is retried. */
  callAttempts?: number;
  /** First backoff between call attempts; doubles each time, and Retry-After wins when longer. */
  callBackoffMs?: number;
}

/** Failure type of a page whose rows could not all be enriched yet; Temporal retries it with backoff. */
export const PROVIDER_UNAVAILABLE_FAILURE = 'ProviderUnavailable';

export function createEnrichmentActivities({ jobs, demographics, sealer, concurrency, callAttempts = 3, callBackoffMs = 200 }: EnrichmentDeps) {
  const limit = pLimit(concurrency);

  /** One provider call with a few quick retries; rate limits wait as long as the provider asks. */
  async function lookupWithRetry(record: CustomerRecord, signal: AbortSignal): Promise<ProviderLookup> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await demographics.lookup(record, signal);
      } catch (error) {
        if (!isRetryable(error) || attempt >= callAttempts || signal.aborted) throw error;
        const backoff = callBackoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        const wait = error instanceof ProviderRateLimitedError ? Math.max(error.retryAfterMs, backoff) : backoff;
        await Context.current().sleep(wait);
      }
    }
  }

  async function enrichRow(row: PendingRow, signal: AbortSignal): Promise<RowResult | { rowNumber: number; retryable: Error }> {
    try {
      const record = (await sealer.openRecord(row.input)) as CustomerRecord;
      const outcome = toOutcome(await lookupWithRetry(record, signal));
      return toRowResult(row.rowNumber, outcome);
    } catch (error) {
      if (error instanceof ProviderRejectedError) return toRowResult(row.rowNumber, { kind: 'failed', reason: error.message });
      return { rowNumber: row.rowNumber, retryable: error as Error };
    }
  }

  return {
    /**
     * Enriches the still-pending rows of one page, in chunks: each chunk's outcomes and fields are
     * written in one transaction and the last finished row is heartbeated, so a retried attempt
     * (or a crash) resumes after it. Rows the provider could not serve yet stay pending and the
     * activity fails retryably once the rest of the page is saved: Temporal's backoff does the rest.
     */
    async enrichPage({ jobId, range }: EnrichPageInput): Promise<JobCounts> {
      const context = Context.current();
      // Finished rows are no longer PENDING, so a retried attempt picks up exactly where the last
      // committed chunk left off, including rows an earlier attempt deferred.
      const rows = await jobs.pendingRows(jobId, range);
      let lastError: Error | undefined;
      let deferred = 0;
      const chunkSize = Math.max(concurrency * 2, 10);
      for (let start = 0; start < rows.length; start += chunkSize) {
        if (context.cancellationSignal.aborted) break;
        const chunk = rows.slice(start, start + chunkSize);
        const settled = await Promise.all(chunk.map((row) => limit(() => enrichRow(row, context.cancellationSignal))));
        const done = settled.filter((r): r is RowResult => !('retryable' in r));
        for (const r of settled) {
          if ('retryable' in r) {
            deferred++;
            lastError = r.retryable;
          }
        }
        await jobs.saveRowResults(jobId, done);
        heartbeat({ lastRow: chunk.at(-1)?.rowNumber, attempt: activityInfo().attempt });
      }
      // Cancellation is honoured between chunks, so nothing is ever half written.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new CancelledFailure('page cancelled');
      if (deferred > 0) {
        log.warn('page left rows pending after provider errors', { jobId, range, deferred, error: lastError?.message });
        throw ApplicationFailure.create({
          message: `${deferred} row(s) of rows ${range.from}-${range.to - 1} are still pending: ${lastError?.message}`,
          type: PROVIDER_UNAVAILABLE_FAILURE,
          ...(lastError instanceof ProviderRateLimitedError ? { nextRetryDelay: lastError.retryAfterMs } : {}),
        });
      }
      return jobs.rangeCounts(jobId, range);
    },
  };
}

function toOutcome(lookup: ProviderLookup): RowOutcome {
  return lookup.kind === 'found' ? { kind: 'enriched', fields: lookup.fields } : { kind: 'not_found', provider: lookup.provider };
}

function toRowResult(rowNumber: number, outcome: RowOutcome): RowResult {
  switch (outcome.kind) {
    case 'enriched':
      return { rowNumber, status: 'ENRICHED', fields: outcome.fields };
    case 'not_found':
      return { rowNumber, status: 'NOT_FOUND', error: `no record at ${outcome.provider}`, fields: [] };
    case 'failed':
      return { rowNumber, status: 'FAILED', error: outcome.reason, fields: [] };
  }
}
