import { type JobCounts, type LookupStats, ROWS_STAGED_SIGNAL, type RowsStaged } from '@enrich/domain';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Input of `batchEnrichmentWorkflow`; `resume` is set only by its own continue-as-new. */
export interface BatchEnrichmentInput {
  jobId: string;
  fields: string[];
  /** Rows per page activity. */
  pageSize?: number;
  /** Page activities in flight at once. */
  windowSize?: number;
  /** Pages per run before continuing as new (history stays bounded whatever the file size). */
  pagesPerRun?: number;
  /** Rows researched on the web at once (child workflows in flight), for research groups. */
  researchWindowSize?: number;
  /**
   * Created now, started later (`POST /v1/jobs/:id/start`): the file is staged at once (so the
   * upload does not wait in the clear), but no page starts until {@link startUpdate}.
   */
  awaitStart?: boolean;
  resume?: {
    totalRows: number;
    nextRow: number;
    done: JobCounts;
    runs: number;
    paused?: boolean;
    awaitingStart?: boolean;
    researchNext?: number;
    lookups?: LookupStats;
  };
}

/** `cancelling`: staging, pages and research children are stopping; the job is marked cancelled once they have. */
export type BatchPhase = 'staging' | 'enriching' | 'researching' | 'finishing' | 'completed' | 'failed' | 'cancelling' | 'cancelled';

/** What the `progress` query answers: counters and cursors, never rows. */
export interface BatchProgress {
  jobId: string;
  phase: BatchPhase;
  /** Rows of the file; 0 until staging is done. */
  totalRows: number;
  /** Rows already in `job_row`: pages start on them while the rest of the file is staged. */
  stagedRows: number;
  /** First row not yet handed to a page. */
  nextRow: number;
  /** Rows in a final status, by status, from finished pages. */
  done: JobCounts;
  /** How the lookups of finished pages were served (all runs of the job). */
  lookups: LookupStats;
  pagesInFlight: number;
  runs: number;
  /** Paused by request: no new page starts (pages in flight finish) until resumed. */
  paused: boolean;
  /** Created with `awaitStart` and not started yet (it is paused too). */
  awaitingStart?: boolean;
  /** First row not yet handed to a web-research child workflow. */
  researchNext?: number;
}

export const progressQuery = defineQuery<BatchProgress>('progress');

/** From the staging activity: rows up to `through` are staged, so their pages can start. */
export const rowsStagedSignal = defineSignal<[RowsStaged]>(ROWS_STAGED_SIGNAL);

/**
 * Stops handing out new pages; pages in flight finish. Answers the progress after the change.
 * Rejected (by its validator, so nothing is written to history) once the job is finishing or over,
 * with a failure of type `FAILURE_TYPES.JOB_NOT_CONTROLLABLE`.
 */
export const pauseUpdate = defineUpdate<BatchProgress>('pause');

/** Lets pages start again after {@link pauseUpdate}; rejected once the job is finishing or over. */
export const resumeUpdate = defineUpdate<BatchProgress>('resume');

/** Starts a job created with `awaitStart`; rejected once it has started (or is over). */
export const startUpdate = defineUpdate<BatchProgress>('start');

/**
 * Pages of 200 rows, 16 in flight: chosen by measurement (`tools/bench`, S1 sweep; see its README).
 * Executions started before these defaults (no `measured-page-defaults` marker in their history)
 * keep the old ones, 100 and 4, so their replay schedules the same pages.
 */
export const DEFAULT_PAGE_SIZE = 200;
export const DEFAULT_WINDOW_SIZE = 16;
export const DEFAULT_PAGES_PER_RUN = 500;
export const DEFAULT_RESEARCH_WINDOW_SIZE = 8;
