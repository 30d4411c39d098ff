import type { Activities } from '@enrich/activities';
import type { JobCounts, LookupStats, RowRange } from '@enrich/domain';
import { addLookups, pageAt } from '@enrich/domain/workflow';
import { ActivityFailure, condition, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import { failPendingRows } from './activities';
import type { BatchJob } from './job';
import type { StagingRun } from './staging';

/**
 * The sliding window of page activities over row-number ranges: the first pages start as soon as
 * their rows are staged, while the rest of the file is still being read. Holds at most the job's
 * `windowSize` pages in flight and starts at most `pagesPerRun`.
 */
export class PageWindow {
  private readonly inFlight = new Map<number, Promise<void>>();
  private pagesStarted = 0;

  constructor(
    private readonly job: BatchJob,
    private readonly staging: StagingRun | undefined,
  ) {}

  /** Starts pages until this run has no more to start, then returns once none is in flight; throws if the file cannot be staged. */
  async run(): Promise<void> {
    const { job, staging } = this;
    const { state } = job;
    for (;;) {
      // A job staged before its first page starts (a small file) runs in the order staged → running → pages.
      if (staging?.over && !staging.failure && !job.running && !state.awaitingStart) await job.markRunning();
      // A job whose credits are spent starts no more pages (a condition, not a command: replays as before).
      job.checkBudget();
      const stagingRows = staging?.over === false;
      const page = this.nextPage(stagingRows);
      if (page && this.inFlight.size < job.windowSize && !state.paused) {
        if (!job.running) await job.markRunning();
        this.start(page);
        continue;
      }
      // Wake on a finished page, on staging progress, and (while paused) on resume. Waiting on a
      // condition or a signal adds no command, so runs that are never paused replay as before.
      const waits: Array<Promise<unknown>> = [...this.inFlight.values()];
      if (staging && stagingRows) waits.push(staging.progressed());
      if (waits.length > 0) {
        if (state.paused) waits.push(condition(() => !state.paused));
        await Promise.race(waits);
        state.pagesInFlight = this.inFlight.size;
        continue;
      }
      staging?.throwIfFailed();
      // Nothing in flight: either paused with rows left, or done with this run.
      if (!page || !state.paused) break;
      await condition(() => !state.paused || workflowInfo().continueAsNewSuggested);
    }
  }

  /** The page to start next, if this run may start one (window and pause aside). */
  private nextPage(stagingRows: boolean): RowRange | undefined {
    const { job, staging } = this;
    // A file that cannot be staged starts no more pages; the ones in flight finish first.
    const canContinue = !staging?.failure && this.pagesStarted < job.pagesPerRun && !workflowInfo().continueAsNewSuggested;
    const page = canContinue ? pageAt(job.state.nextRow, stagingRows ? job.state.stagedRows : job.state.totalRows, job.pageSize) : undefined;
    // While staging, only whole pages start: the rows staged so far may end mid-page.
    return page && stagingRows && page.to - page.from < job.pageSize ? undefined : page;
  }

  /** Hands the page's rows over and puts it in flight. */
  private start(page: RowRange): void {
    const { job, inFlight } = this;
    job.state.nextRow = page.to;
    this.pagesStarted++;
    const promise = job.track(enrichRows(job, page)).finally(() => inFlight.delete(page.from));
    inFlight.set(page.from, promise);
    job.state.pagesInFlight = inFlight.size;
  }
}

/** Enriches one page and adds up its counts and lookups; never rejects but for a cancellation. */
function enrichRows(job: BatchJob, range: RowRange): Promise<void> {
  return enrichRange(job.work.enrichPage, { jobId: job.input.jobId, range, fields: job.lookupFields }, job.state);
}

/**
 * Enriches one range of a job's rows with the page activity and adds its counts and lookups to
 * `tally`; never rejects but for a cancellation. Shared by CSV jobs and push requests.
 */
export async function enrichRange(
  enrichPage: Activities['enrichPage'],
  page: { jobId: string; range: RowRange; fields: string[] },
  tally: { done: JobCounts; lookups: LookupStats },
): Promise<void> {
  try {
    const result = await enrichPage(page);
    addCounts(tally.done, result);
    // Results recorded before pages reported their lookups have none.
    addLookups(tally.lookups, result.lookups);
  } catch (error) {
    if (isCancellation(error)) throw error;
    // Every retry is spent: the rows still pending are recorded as failed, never dropped.
    const reason = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
    tally.done.failed += await failPendingRows({ jobId: page.jobId, range: page.range, reason });
    log.warn('page failed after retries', { jobId: page.jobId, range: page.range, reason });
  }
}

/** Adds a finished page's final statuses to the job's. */
function addCounts(target: JobCounts, page: JobCounts): void {
  target.enriched += page.enriched;
  target.notFound += page.notFound;
  target.failed += page.failed;
}
