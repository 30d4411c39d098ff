import { type JobCounts, EMPTY_COUNTS, pageAt, type RowRange } from '@enrich/domain';
import type { Activities } from '@enrich/activities';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

/** Input of {@link batchEnrichmentWorkflow}; `resume` is set only by its own continue-as-new. */
export interface BatchEnrichmentInput {
  jobId: string;
  fields: string[];
  /** Rows per page activity. */
  pageSize?: number;
  /** Page activities in flight at once. */
  windowSize?: number;
  /** Pages per run before continuing as new (history stays bounded whatever the file size). */
  pagesPerRun?: number;
  resume?: { totalRows: number; nextRow: number; done: JobCounts; runs: number };
}

export type BatchPhase = 'staging' | 'enriching' | 'finishing' | 'completed' | 'failed' | 'cancelled';

/** What the `progress` query answers: counters and cursors, never rows. */
export interface BatchProgress {
  jobId: string;
  phase: BatchPhase;
  totalRows: number;
  /** First row not yet handed to a page. */
  nextRow: number;
  /** Rows in a final status, by status, from finished pages. */
  done: JobCounts;
  pagesInFlight: number;
  runs: number;
}

export const progressQuery = defineQuery<BatchProgress>('progress');

export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_WINDOW_SIZE = 4;
export const DEFAULT_PAGES_PER_RUN = 500;

const { stageJob, markJobRunning } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// 5xx and 429 keep a page pending; its retries back off up to a minute (429 uses Retry-After).
const { enrichPage } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['JobNotFound'],
  },
});

const { failPendingRows, finishJob } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Enriches one CSV job: stages its file into rows, then runs a sliding window of page activities
 * over row-number ranges, and records the final status. Holds counters and cursors only; continues
 * as new when the server suggests it or after `pagesPerRun` pages. Workflow id: `job-<jobId>`.
 */
export async function batchEnrichmentWorkflow(input: BatchEnrichmentInput): Promise<JobCounts> {
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const windowSize = input.windowSize ?? DEFAULT_WINDOW_SIZE;
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  const state: BatchProgress = {
    jobId: input.jobId,
    phase: input.resume ? 'enriching' : 'staging',
    totalRows: input.resume?.totalRows ?? 0,
    nextRow: input.resume?.nextRow ?? 1,
    done: input.resume?.done ?? { ...EMPTY_COUNTS },
    pagesInFlight: 0,
    runs: (input.resume?.runs ?? 0) + 1,
  };
  setHandler(progressQuery, () => state);

  try {
    if (!input.resume) {
      const staged = await stageJob({ jobId: input.jobId });
      state.totalRows = staged.totalRows;
      state.done = { ...EMPTY_COUNTS, total: staged.totalRows, quarantined: staged.quarantined };
      state.phase = 'enriching';
      await markJobRunning({ jobId: input.jobId });
    }

    const inFlight = new Map<number, Promise<void>>();
    let pagesStarted = 0;
    const runPage = async (range: RowRange) => {
      try {
        addCounts(state.done, await enrichPage({ jobId: input.jobId, range, fields: input.fields }));
      } catch (error) {
        if (isCancellation(error)) throw error;
        // Every retry is spent: the rows still pending are recorded as failed, never dropped.
        const reason = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
        state.done.failed += await failPendingRows({ jobId: input.jobId, range, reason });
        log.warn('page failed after retries', { jobId: input.jobId, range, reason });
      }
    };

    for (;;) {
      const canContinue = pagesStarted < pagesPerRun && !workflowInfo().continueAsNewSuggested;
      const page = canContinue ? pageAt(state.nextRow, state.totalRows, pageSize) : undefined;
      if (page && inFlight.size < windowSize) {
        state.nextRow = page.to;
        pagesStarted++;
        const promise = runPage(page).finally(() => inFlight.delete(page.from));
        inFlight.set(page.from, promise);
        state.pagesInFlight = inFlight.size;
        continue;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
      state.pagesInFlight = inFlight.size;
    }

    if (state.nextRow <= state.totalRows) {
      // Only reached with no page in flight, so the cursor is exact for the next run.
      await continueAsNew<typeof batchEnrichmentWorkflow>({
        ...input,
        resume: { totalRows: state.totalRows, nextRow: state.nextRow, done: state.done, runs: state.runs },
      });
    }

    state.phase = 'finishing';
    const counts = await finishJob({ jobId: input.jobId, status: 'COMPLETED' });
    state.done = counts;
    state.phase = 'completed';
    return counts;
  } catch (error) {
    if (isCancellation(error)) {
      state.phase = 'cancelled';
      await CancellationScope.nonCancellable(() => finishJob({ jobId: input.jobId, status: 'CANCELLED', error: 'cancelled by request' }));
      throw error;
    }
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
      // A file that cannot be staged (no header, an unterminated quote) fails the job, with its line.
      state.phase = 'failed';
      await finishJob({ jobId: input.jobId, status: 'FAILED', error: error.cause.message });
      throw ApplicationFailure.create({ message: error.cause.message, type: error.cause.type ?? 'JobFailed', nonRetryable: true });
    }
    throw error;
  }
}

function addCounts(target: JobCounts, page: JobCounts): void {
  target.enriched += page.enriched;
  target.notFound += page.notFound;
  target.failed += page.failed;
}
