import type { JobCounts, LookupStats, RowsStaged } from '@enrich/domain';
import { ROWS_STAGED_SIGNAL } from '@enrich/domain/workflow';
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
  /**
   * Credits the job may spend at its vendors (their configured cost, from the calls made). Once
   * spent, no new page starts and the job waits in phase `budget_exhausted` until resumed with more.
   */
  maxCredits?: number;
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
/** `budget_exhausted`: the job spent its `maxCredits`; it is paused until resumed with a higher budget. */
export type BatchPhase = 'staging' | 'enriching' | 'researching' | 'budget_exhausted' | 'finishing' | 'completed' | 'failed' | 'cancelling' | 'cancelled';

/** A job's credit budget: what it may spend, what it has, and what the rest would take at the rate so far. */
export interface CreditBudget {
  max: number;
  /** From the pages finished so far (pages in flight add theirs when they finish). */
  spent: number;
  /** Credits the rows not done yet would take at the credits per row so far; absent before any row is done. */
  toFinish?: number;
}

/** What `resume` may change: a job out of credits resumes only with a budget above what it spent. */
export interface ResumeOptions {
  maxCredits?: number;
}

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
  /** Present when the job has a credit budget (`maxCredits`). */
  credits?: CreditBudget;
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

/**
 * Lets pages start again after {@link pauseUpdate}, or after the credit budget was spent (then with
 * a higher `maxCredits`, else it is rejected with `FAILURE_TYPES.CREDIT_BUDGET_EXHAUSTED`); rejected
 * once the job is finishing or over.
 */
export const resumeUpdate = defineUpdate<BatchProgress, [ResumeOptions]>('resume');

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
