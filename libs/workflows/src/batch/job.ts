import type { JobCounts } from '@enrich/domain';
import { creditsSpent, creditsToFinish, EMPTY_COUNTS, EMPTY_LOOKUPS, FAILURE_TYPES, GROUP_FIELDS, RESEARCH_GROUPS } from '@enrich/domain/workflow';
import { ActivityCancellationType, ApplicationFailure, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { markJobRunning, workActivities, type WorkActivities } from './activities';
import {
  type BatchEnrichmentInput,
  type BatchProgress,
  DEFAULT_PAGE_SIZE,
  DEFAULT_PAGES_PER_RUN,
  DEFAULT_WINDOW_SIZE,
  pauseUpdate,
  progressQuery,
  type ResumeOptions,
  resumeUpdate,
  startUpdate,
} from './contract';

/** Executions started before this marker keep the old page defaults (see {@link DEFAULT_PAGE_SIZE}). */
const PAGE_DEFAULTS_PATCH = 'measured-page-defaults';

/**
 * A cancelled job waits for its staging, pages and research children to stop (at a row boundary)
 * before it is marked CANCELLED, so nothing about it changes afterwards. Executions started before
 * this marker told their activities to stop and went on without waiting (the SDK's default,
 * TRY_CANCEL); their replay keeps doing so.
 */
const STOP_BEFORE_CANCELLED_PATCH = 'stop-work-before-cancelled';

/** The batch workflow's signature, as continue-as-new needs it (without importing the workflow: no import cycle). */
type BatchWorkflow = (input: BatchEnrichmentInput) => Promise<JobCounts>;

/** One run of a batch job: its settings, its progress (with the query and pause/resume updates on it) and its work under way. */
export class BatchJob {
  readonly state: BatchProgress;
  /** Whether a cancelled job waits for its work under way to stop ({@link STOP_BEFORE_CANCELLED_PATCH}). */
  readonly stopsBeforeCancelled: boolean;
  readonly work: WorkActivities;
  readonly pageSize: number;
  readonly windowSize: number;
  /** Pages, and then research children, started per run before continuing as new. */
  readonly pagesPerRun: number;
  /** Lookup groups are enriched page by page; research groups row by row, in child workflows. */
  readonly lookupFields: string[];
  readonly researchFields: string[];
  /** The job is marked RUNNING (a resumed run's always is). */
  running: boolean;
  /** Staging, pages and research children under way: a cancelled job waits for them to stop. */
  private readonly outstanding = new Set<Promise<unknown>>();

  constructor(readonly input: BatchEnrichmentInput) {
    const measuredDefaults = patched(PAGE_DEFAULTS_PATCH);
    this.stopsBeforeCancelled = patched(STOP_BEFORE_CANCELLED_PATCH);
    this.work = workActivities(this.stopsBeforeCancelled ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL);
    this.pageSize = input.pageSize ?? (measuredDefaults ? DEFAULT_PAGE_SIZE : 100);
    this.windowSize = input.windowSize ?? (measuredDefaults ? DEFAULT_WINDOW_SIZE : 4);
    this.pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
    this.lookupFields = input.fields.filter((f) => !(RESEARCH_GROUPS as readonly string[]).includes(f));
    this.researchFields = RESEARCH_GROUPS.filter((group) => input.fields.includes(group)).flatMap((group) => GROUP_FIELDS[group]);
    this.state = initialProgress(input);
    this.running = input.resume !== undefined;
    handleControls(this.state);
  }

  /** Registers work under way (staging, a page, a research child) and hands it back. */
  track<T>(work: Promise<T>): Promise<T> {
    this.outstanding.add(work);
    work.then(
      () => this.outstanding.delete(work),
      () => this.outstanding.delete(work),
    );
    return work;
  }

  /** Settles once every piece of work under way has, successfully or not. */
  workStopped(): Promise<unknown> {
    return Promise.allSettled(this.outstanding);
  }

  /** Marks the job RUNNING: its first page is about to start (or, research only, its file is staged). */
  async markRunning(): Promise<void> {
    this.running = true;
    this.state.phase = 'enriching';
    await markJobRunning({ jobId: this.input.jobId });
  }

  /**
   * Tallies the credits spent by the pages finished so far; once they reach the job's budget, the
   * job pauses in phase `budget_exhausted` (pages in flight finish) until resumed with more.
   */
  checkBudget(): void {
    const { state } = this;
    const { credits } = state;
    if (!credits) return;
    credits.spent = creditsSpent(state.lookups);
    const toFinish = creditsToFinish(credits.spent, state.done, state.totalRows);
    if (toFinish !== undefined) credits.toFinish = toFinish;
    if (credits.spent >= credits.max && state.phase === 'enriching') {
      state.paused = true;
      state.phase = 'budget_exhausted';
    }
  }

  /** Continues as new, carrying counters and cursors: called with nothing in flight, so they are exact. */
  continueAsNew(): Promise<never> {
    return continueAsNew<BatchWorkflow>({ ...this.input, maxCredits: this.state.credits?.max, resume: carriedOver(this.state) });
  }
}

/** The progress a run starts from: a new job's, or what the previous run carried over. */
function initialProgress(input: BatchEnrichmentInput): BatchProgress {
  return {
    jobId: input.jobId,
    phase: input.resume ? 'enriching' : 'staging',
    totalRows: input.resume?.totalRows ?? 0,
    stagedRows: input.resume?.totalRows ?? 0,
    nextRow: input.resume?.nextRow ?? 1,
    done: input.resume?.done ?? { ...EMPTY_COUNTS },
    lookups: input.resume?.lookups ?? { ...EMPTY_LOOKUPS },
    pagesInFlight: 0,
    runs: (input.resume?.runs ?? 0) + 1,
    paused: input.resume?.paused ?? input.awaitStart ?? false,
    ...((input.resume?.awaitingStart ?? input.awaitStart) ? { awaitingStart: true } : {}),
    ...(input.resume?.researchNext !== undefined ? { researchNext: input.resume.researchNext } : {}),
    ...(input.maxCredits !== undefined ? { credits: { max: input.maxCredits, spent: creditsSpent(input.resume?.lookups ?? EMPTY_LOOKUPS) } } : {}),
  };
}

/** What the next run of the job carries over: counters and cursors only. */
function carriedOver(state: BatchProgress): NonNullable<BatchEnrichmentInput['resume']> {
  return {
    totalRows: state.totalRows,
    nextRow: state.nextRow,
    done: state.done,
    lookups: state.lookups,
    runs: state.runs,
    paused: state.paused,
    ...(state.awaitingStart ? { awaitingStart: true } : {}),
    ...(state.researchNext !== undefined ? { researchNext: state.researchNext } : {}),
  };
}

/** Answers the progress query, and pauses or resumes the job on request while it can still be controlled. */
function handleControls(state: BatchProgress): void {
  setHandler(progressQuery, () => state);
  const controllable = () => {
    if (state.phase !== 'staging' && state.phase !== 'enriching' && state.phase !== 'researching' && state.phase !== 'budget_exhausted') {
      throw ApplicationFailure.create({
        message: `the job is ${state.phase}: it can no longer be paused or resumed`,
        type: FAILURE_TYPES.JOB_NOT_CONTROLLABLE,
        nonRetryable: true,
      });
    }
  };
  setHandler(
    pauseUpdate,
    () => {
      state.paused = true;
      return state;
    },
    { validator: controllable },
  );
  setHandler(
    resumeUpdate,
    (options?: ResumeOptions) => {
      if (state.credits && options?.maxCredits !== undefined) state.credits.max = options.maxCredits;
      if (state.phase === 'budget_exhausted') state.phase = 'enriching';
      state.paused = false;
      // Resuming a job that awaits its start starts it.
      delete state.awaitingStart;
      return state;
    },
    {
      validator: (options?: ResumeOptions) => {
        controllable();
        const { credits } = state;
        const max = options?.maxCredits ?? credits?.max;
        if (credits && max !== undefined && credits.spent >= max) {
          const more = credits.toFinish !== undefined ? ` (the rest would take about ${credits.toFinish} more at the rate so far)` : '';
          throw ApplicationFailure.create({
            message: `the job spent ${credits.spent} of ${max} credits: resume it with maxCredits above ${credits.spent}${more}`,
            type: FAILURE_TYPES.CREDIT_BUDGET_EXHAUSTED,
            nonRetryable: true,
          });
        }
      },
    },
  );
  setHandler(
    startUpdate,
    () => {
      delete state.awaitingStart;
      state.paused = false;
      return state;
    },
    {
      validator: () => {
        controllable();
        if (!state.awaitingStart)
          throw ApplicationFailure.create({ message: 'the job has started already', type: FAILURE_TYPES.JOB_NOT_CONTROLLABLE, nonRetryable: true });
      },
    },
  );
}
