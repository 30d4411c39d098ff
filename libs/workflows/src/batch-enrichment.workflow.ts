import {
  addLookups,
  type JobCounts,
  EMPTY_COUNTS,
  EMPTY_LOOKUPS,
  GROUP_FIELDS,
  type LookupStats,
  pageAt,
  RESEARCH_GROUPS,
  ROWS_STAGED_SIGNAL,
  type RowRange,
  type RowsStaged,
} from '@enrich/domain';
import { DEFAULT_RESEARCH_ROUNDS, rowResearchWorkflow, rowResearchWorkflowId } from './row-research.workflow';
import type { Activities } from '@enrich/activities';
import {
  type ActivityOptions,
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  isCancellation,
  log,
  patched,
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
  /** Rows researched on the web at once (child workflows in flight), for research groups. */
  researchWindowSize?: number;
  resume?: { totalRows: number; nextRow: number; done: JobCounts; runs: number; paused?: boolean; researchNext?: number; lookups?: LookupStats };
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
  /** First row not yet handed to a web-research child workflow. */
  researchNext?: number;
}

export const progressQuery = defineQuery<BatchProgress>('progress');

/** From the staging activity: rows up to `through` are staged, so their pages can start. */
export const rowsStagedSignal = defineSignal<[RowsStaged]>(ROWS_STAGED_SIGNAL);

/**
 * Stops handing out new pages; pages in flight finish. Answers the progress after the change.
 * Rejected (by its validator, so nothing is written to history) once the job is finishing or over.
 */
export const pauseUpdate = defineUpdate<BatchProgress>('pause');

/** Lets pages start again after {@link pauseUpdate}; rejected once the job is finishing or over. */
export const resumeUpdate = defineUpdate<BatchProgress>('resume');

/** Thrown by the pause/resume validators: the job can no longer be paused or resumed. */
export const JOB_NOT_CONTROLLABLE = 'JobNotControllable';

/**
 * Pages of 200 rows, 16 in flight: chosen by measurement (`tools/bench`, S1 sweep; see its README).
 * Executions started before these defaults (no `measured-page-defaults` marker in their history)
 * keep the old ones, 100 and 4, so their replay schedules the same pages.
 */
export const DEFAULT_PAGE_SIZE = 200;
export const DEFAULT_WINDOW_SIZE = 16;
const PAGE_DEFAULTS_PATCH = 'measured-page-defaults';
export const DEFAULT_PAGES_PER_RUN = 500;
export const DEFAULT_RESEARCH_WINDOW_SIZE = 8;

/**
 * A cancelled job waits for its staging, pages and research children to stop (at a row boundary)
 * before it is marked CANCELLED, so nothing about it changes afterwards. Executions started before
 * this marker told their activities to stop and went on without waiting (the SDK's default,
 * TRY_CANCEL); their replay keeps doing so.
 */
const STOP_BEFORE_CANCELLED_PATCH = 'stop-work-before-cancelled';

const STAGING_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
};

// 5xx and 429 keep a page pending; its retries back off up to a minute (429 uses Retry-After).
const PAGE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['JobNotFound'],
  },
};

const { markJobRunning } = proxyActivities<Activities>(STAGING_OPTIONS);

/** The activities that stage and enrich rows, told how a cancellation of the job reaches them. */
function workActivities(cancellationType: ActivityCancellationType) {
  return {
    stageJob: proxyActivities<Activities>({ ...STAGING_OPTIONS, cancellationType }).stageJob,
    enrichPage: proxyActivities<Activities>({ ...PAGE_OPTIONS, cancellationType }).enrichPage,
  };
}

const { failPendingRows, finishJob } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Enriches one CSV job: stages its file into rows and runs a sliding window of page activities over
 * row-number ranges (the first pages start as soon as their rows are staged, while the rest of the
 * file is still being read), then records the final status. Holds counters and cursors only; continues
 * as new when the server suggests it or after `pagesPerRun` pages. Workflow id: `job-<jobId>`.
 */
export async function batchEnrichmentWorkflow(input: BatchEnrichmentInput): Promise<JobCounts> {
  const measuredDefaults = patched(PAGE_DEFAULTS_PATCH);
  const stopsBeforeCancelled = patched(STOP_BEFORE_CANCELLED_PATCH);
  const { stageJob, enrichPage } = workActivities(
    stopsBeforeCancelled ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL,
  );
  // Staging, pages and research children under way: a cancelled job waits for them to stop.
  const outstanding = new Set<Promise<unknown>>();
  const track: Track = (work) => {
    outstanding.add(work);
    work.then(
      () => outstanding.delete(work),
      () => outstanding.delete(work),
    );
    return work;
  };
  const pageSize = input.pageSize ?? (measuredDefaults ? DEFAULT_PAGE_SIZE : 100);
  const windowSize = input.windowSize ?? (measuredDefaults ? DEFAULT_WINDOW_SIZE : 4);
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  // Lookup groups are enriched page by page; research groups row by row, in child workflows.
  const lookupFields = input.fields.filter((f) => !(RESEARCH_GROUPS as readonly string[]).includes(f));
  const researchFields = RESEARCH_GROUPS.filter((group) => input.fields.includes(group)).flatMap((group) => GROUP_FIELDS[group]);
  const state: BatchProgress = {
    jobId: input.jobId,
    phase: input.resume ? 'enriching' : 'staging',
    totalRows: input.resume?.totalRows ?? 0,
    stagedRows: input.resume?.totalRows ?? 0,
    nextRow: input.resume?.nextRow ?? 1,
    done: input.resume?.done ?? { ...EMPTY_COUNTS },
    lookups: input.resume?.lookups ?? { ...EMPTY_LOOKUPS },
    pagesInFlight: 0,
    runs: (input.resume?.runs ?? 0) + 1,
    paused: input.resume?.paused ?? false,
    ...(input.resume?.researchNext !== undefined ? { researchNext: input.resume.researchNext } : {}),
  };
  setHandler(progressQuery, () => state);
  const controllable = () => {
    if (state.phase !== 'staging' && state.phase !== 'enriching' && state.phase !== 'researching') {
      throw ApplicationFailure.create({
        message: `the job is ${state.phase}: it can no longer be paused or resumed`,
        type: JOB_NOT_CONTROLLABLE,
        nonRetryable: true,
      });
    }
  };
  const setPaused = (paused: boolean) => () => {
    state.paused = paused;
    return state;
  };
  setHandler(pauseUpdate, setPaused(true), { validator: controllable });
  setHandler(resumeUpdate, setPaused(false), { validator: controllable });

  try {
    const staging = input.resume ? undefined : stageRows(input.jobId, state, stageJob, track);
    let running = input.resume !== undefined;
    const markRunning = async () => {
      running = true;
      state.phase = 'enriching';
      await markJobRunning({ jobId: input.jobId });
    };
    if (staging && lookupFields.length === 0) {
      // Research only: rows are researched once the whole file is staged; no lookup pages to run.
      await staging.settled;
      staging.throwIfFailed();
      await markRunning();
      state.nextRow = state.totalRows + 1;
    }

    const inFlight = new Map<number, Promise<void>>();
    let pagesStarted = 0;
    const runPage = async (range: RowRange) => {
      try {
        const page = await enrichPage({ jobId: input.jobId, range, fields: lookupFields });
        addCounts(state.done, page);
        // Results recorded before pages reported their lookups have none.
        addLookups(state.lookups, page.lookups);
      } catch (error) {
        if (isCancellation(error)) throw error;
        // Every retry is spent: the rows still pending are recorded as failed, never dropped.
        const reason = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
        state.done.failed += await failPendingRows({ jobId: input.jobId, range, reason });
        log.warn('page failed after retries', { jobId: input.jobId, range, reason });
      }
    };

    for (;;) {
      // A job staged before its first page starts (a small file) runs in the order staged → running → pages.
      if (staging?.over && !staging.failure && !running) await markRunning();
      const stagingRows = staging?.over === false;
      // A file that cannot be staged starts no more pages; the ones in flight finish first.
      const canContinue = !staging?.failure && pagesStarted < pagesPerRun && !workflowInfo().continueAsNewSuggested;
      let page = canContinue ? pageAt(state.nextRow, stagingRows ? state.stagedRows : state.totalRows, pageSize) : undefined;
      // While staging, only whole pages start: the rows staged so far may end mid-page.
      if (page && stagingRows && page.to - page.from < pageSize) page = undefined;
      if (page && inFlight.size < windowSize && !state.paused) {
        if (!running) await markRunning();
        state.nextRow = page.to;
        pagesStarted++;
        const promise = track(runPage(page)).finally(() => inFlight.delete(page.from));
        inFlight.set(page.from, promise);
        state.pagesInFlight = inFlight.size;
        continue;
      }
      // Wake on a finished page, on staging progress, and (while paused) on resume. Waiting on a
      // condition or a signal adds no command, so runs that are never paused replay as before.
      const waits: Array<Promise<unknown>> = [...inFlight.values()];
      if (staging && stagingRows) waits.push(staging.progressed());
      if (waits.length > 0) {
        if (state.paused) waits.push(condition(() => !state.paused));
        await Promise.race(waits);
        state.pagesInFlight = inFlight.size;
        continue;
      }
      staging?.throwIfFailed();
      // Nothing in flight: either paused with rows left, or done with this run.
      if (!page || !state.paused) break;
      await condition(() => !state.paused || workflowInfo().continueAsNewSuggested);
    }

    if (state.nextRow <= state.totalRows) {
      // Only reached with no page in flight, so the cursor is exact for the next run.
      await continueAsNew<typeof batchEnrichmentWorkflow>({
        ...input,
        resume: carriedOver(state),
      });
    }

    if (researchFields.length > 0) await researchRows(input, state, researchFields, pagesPerRun, track);

    state.phase = 'finishing';
    const counts = await finishJob({ jobId: input.jobId, status: 'COMPLETED', lookups: state.lookups });
    state.done = counts;
    state.phase = 'completed';
    return counts;
  } catch (error) {
    if (isCancellation(error)) {
      state.phase = 'cancelling';
      await CancellationScope.nonCancellable(async () => {
        // Each stops at a row boundary (the activities learn of the cancellation from their
        // heartbeats), so the rows of a cancelled job never change after it says so.
        if (stopsBeforeCancelled) await Promise.allSettled(outstanding);
        await finishJob({ jobId: input.jobId, status: 'CANCELLED', error: 'cancelled by request', lookups: state.lookups });
      });
      state.phase = 'cancelled';
      throw error;
    }
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
      // A file that cannot be staged (no header, an unterminated quote) fails the job, with its line.
      state.phase = 'failed';
      await finishJob({ jobId: input.jobId, status: 'FAILED', error: error.cause.message, lookups: state.lookups });
      throw ApplicationFailure.create({ message: error.cause.message, type: error.cause.type ?? 'JobFailed', nonRetryable: true });
    }
    throw error;
  }
}

/**
 * Researches every row on the web through a sliding window of `rowResearchWorkflow` children
 * (`<parent id>/row-<n>`, ids only in their input). Continues as new after `childrenPerRun`
 * children, carrying the cursor. A child that fails leaves its row failed with the reason.
 */
async function researchRows(input: BatchEnrichmentInput, state: BatchProgress, fields: string[], childrenPerRun: number, track: Track): Promise<void> {
  state.phase = 'researching';
  state.researchNext ??= 1;
  const windowSize = input.researchWindowSize ?? DEFAULT_RESEARCH_WINDOW_SIZE;
  const inFlight = new Map<number, Promise<void>>();
  let started = 0;
  const parentId = workflowInfo().workflowId;
  const research = async (rowNumber: number) => {
    try {
      await executeChild(rowResearchWorkflow, {
        workflowId: rowResearchWorkflowId(parentId, rowNumber),
        args: [{ jobId: input.jobId, rowNumber, fields, maxRounds: DEFAULT_RESEARCH_ROUNDS }],
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      state.done.failed += await failPendingRows({
        jobId: input.jobId,
        range: { from: rowNumber, to: rowNumber + 1 },
        reason: `web research failed: ${reason}`,
      });
    }
  };
  for (;;) {
    const next: number = state.researchNext ?? 1;
    const canStart = next <= state.totalRows && started < childrenPerRun && !workflowInfo().continueAsNewSuggested;
    if (canStart && inFlight.size < windowSize && !state.paused) {
      state.researchNext = next + 1;
      started++;
      inFlight.set(
        next,
        track(research(next)).finally(() => inFlight.delete(next)),
      );
      continue;
    }
    if (inFlight.size > 0) {
      await Promise.race(state.paused ? [...inFlight.values(), condition(() => !state.paused)] : inFlight.values());
      continue;
    }
    if (!canStart || !state.paused) break;
    await condition(() => !state.paused || workflowInfo().continueAsNewSuggested);
  }
  if ((state.researchNext ?? 1) <= state.totalRows) {
    await continueAsNew<typeof batchEnrichmentWorkflow>({
      ...input,
      resume: carriedOver(state),
    });
  }
}

/** Registers work under way (staging, a page, a research child) and hands it back. */
type Track = <T>(work: Promise<T>) => Promise<T>;

/** What the next run of the job carries over: counters and cursors only. */
function carriedOver(state: BatchProgress): NonNullable<BatchEnrichmentInput['resume']> {
  return {
    totalRows: state.totalRows,
    nextRow: state.nextRow,
    done: state.done,
    lookups: state.lookups,
    runs: state.runs,
    paused: state.paused,
    ...(state.researchNext !== undefined ? { researchNext: state.researchNext } : {}),
  };
}

/** The staging activity as the page loop sees it. */
interface StagingRun {
  /** Staging finished, successfully or not. */
  over: boolean;
  /** Why staging failed (an unreadable file, a cancellation), once it has. */
  failure?: unknown;
  /** Resolves when staging is over, never rejects. */
  settled: Promise<void>;
  /** Resolves at the next {@link rowsStagedSignal} or when staging is over. */
  progressed(): Promise<void>;
  throwIfFailed(): void;
}

/**
 * Starts the staging activity and follows its {@link rowsStagedSignal}s in `state.stagedRows`, so
 * pages can start on the rows already staged. One pending promise at a time stands for "more rows
 * staged", however often the loop waits on it.
 */
function stageRows(jobId: string, state: BatchProgress, stageJob: ReturnType<typeof workActivities>['stageJob'], track: Track): StagingRun {
  let wake: () => void = () => undefined;
  let tick = new Promise<void>((resolve) => (wake = resolve));
  const progressed = () => {
    wake();
    tick = new Promise<void>((resolve) => (wake = resolve));
  };
  const run: StagingRun = {
    over: false,
    settled: track(stageJob({ jobId }))
      .then(
        (staged) => {
          state.totalRows = staged.totalRows;
          state.stagedRows = staged.totalRows;
          // Pages that finished while staging ran have already added their counts.
          state.done.total = staged.totalRows;
          state.done.quarantined = staged.quarantined;
        },
        (error: unknown) => {
          run.failure = error;
        },
      )
      .finally(() => {
        run.over = true;
        progressed();
      }),
    progressed: () => tick,
    throwIfFailed: () => {
      if (run.failure) throw run.failure;
    },
  };
  setHandler(rowsStagedSignal, ({ through }) => {
    if (run.over || through <= state.stagedRows) return;
    state.stagedRows = through;
    progressed();
  });
  return run;
}

function addCounts(target: JobCounts, page: JobCounts): void {
  target.enriched += page.enriched;
  target.notFound += page.notFound;
  target.failed += page.failed;
}
