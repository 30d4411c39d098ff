import type { Activities } from '@enrich/activities';
import type { JobCounts, LookupStats, RowRange } from '@enrich/domain';
import { creditsSpent, creditsToFinish, EMPTY_COUNTS, EMPTY_LOOKUPS, FAILURE_TYPES, pageAt } from '@enrich/domain/workflow';
import {
  ActivityCancellationType,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { finishJob, workActivities } from './batch/activities';
import type { CreditBudget } from './batch/contract';
import { enrichRange } from './batch/page-window';

/** Input of {@link pushRequestWorkflow}; `resume` is set only by its own continue-as-new. */
export interface PushRequestInput {
  jobId: string;
  erid: string;
  /** Enrichment groups of its contacts. */
  fields: string[];
  /** The erid closes by itself once no contact has arrived for this long. */
  idleCloseSeconds: number;
  /** Rows per page activity at most (a request's contacts start at once, in pages of up to this many). */
  pageSize?: number;
  /** Page activities in flight at once. */
  windowSize?: number;
  /** Credits the erid may spend at its vendors; once spent no page starts until {@link raiseCreditsUpdate} gives more. */
  maxCredits?: number;
  resume?: { stagedRows: number; nextRow: number; done: JobCounts; lookups: LookupStats; runs: number; closeRequested: boolean; lastArrivalMs: number };
}

/** `open`: taking contacts; `closing`: closed, its last pages running; then the final status. */
export type PushPhase = 'open' | 'closing' | 'completed' | 'cancelled';

/** What the `progress` query answers. */
export interface PushProgress {
  jobId: string;
  erid: string;
  phase: PushPhase;
  /** Contacts staged so far, as the API reported them (all of them once closed). */
  stagedRows: number;
  /** First row not yet handed to a page. */
  nextRow: number;
  done: JobCounts;
  lookups: LookupStats;
  pagesInFlight: number;
  runs: number;
  /** Present when the erid has a credit budget; `exhausted` while no page may start for want of credits. */
  credits?: CreditBudget & { exhausted: boolean };
}

export const pushProgressQuery = defineQuery<PushProgress>('progress');

/**
 * From the API, after a request's contacts are staged (rows up to `through`): sent with
 * signal-with-start, so the first request of an erid starts its workflow and every later one joins
 * it. The server acknowledges it once it is in the history, without waiting for a workflow task, so
 * the API's 202 never waits for a busy worker. A signal after the close changes nothing: the close
 * counted every row staged before it in the database, and the database refuses staging after it.
 */
export const contactsStagedSignal = defineSignal<[{ through: number }]>('contactsStaged');

/**
 * What the API sent before {@link contactsStagedSignal}: kept (unused by the API) so that histories
 * of erids that received it still replay.
 */
export const contactsStagedUpdate = defineUpdate<PushProgress, [{ through: number }]>('contactsStaged');

/** Closes the erid: no contact is taken afterwards; answers once the close is recorded. */
export const closeUpdate = defineUpdate<PushProgress>('close');

/**
 * Gives an erid with a credit budget a new one; rejected (`FAILURE_TYPES.CREDIT_BUDGET_EXHAUSTED`)
 * when it is not above what the erid spent, or when the erid has no budget.
 */
export const raiseCreditsUpdate = defineUpdate<PushProgress, [{ maxCredits: number }]>('raiseCredits');

export const DEFAULT_PUSH_PAGE_SIZE = 200;
export const DEFAULT_PUSH_WINDOW_SIZE = 8;

const { closePushRequest } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * One erid: enriches the contacts of its requests as they arrive, page by page with the same page
 * activity as CSV jobs, until it is closed (on request or after `idleCloseSeconds` without a
 * contact) and every contact is answered; then records the job COMPLETED. Workflow id: the job's
 * (`job-<jobId>`).
 */
export async function pushRequestWorkflow(input: PushRequestInput): Promise<JobCounts> {
  const run = new PushRun(input);
  try {
    await run.enrichUntilClosed();
    const counts = await finishJob({ jobId: input.jobId, status: 'COMPLETED', lookups: run.state.lookups });
    run.state.done = counts;
    run.state.phase = 'completed';
    return counts;
  } catch (error) {
    if (!isCancellation(error)) throw error;
    run.state.phase = 'cancelled';
    await CancellationScope.nonCancellable(async () => {
      // Closed first: no request may stage contacts into an erid that will never enrich them.
      await closePushRequest({ jobId: input.jobId, reason: 'cancelled' });
      await run.stopped();
      await finishJob({ jobId: input.jobId, status: 'CANCELLED', error: 'cancelled by request', lookups: run.state.lookups });
    });
    throw error;
  }
}

/** The state of one run of {@link pushRequestWorkflow}, its handlers and its page window. */
class PushRun {
  readonly state: PushProgress;
  private closeRequested: boolean;
  /** The close is recorded: `stagedRows` is final. */
  private closed = false;
  private lastArrivalMs: number;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly work = workActivities(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED);
  private readonly pageSize: number;
  private readonly windowSize: number;

  constructor(private readonly input: PushRequestInput) {
    const { resume } = input;
    this.state = {
      jobId: input.jobId,
      erid: input.erid,
      phase: resume?.closeRequested ? 'closing' : 'open',
      stagedRows: resume?.stagedRows ?? 0,
      nextRow: resume?.nextRow ?? 1,
      done: resume?.done ?? { ...EMPTY_COUNTS },
      lookups: resume?.lookups ?? { ...EMPTY_LOOKUPS },
      pagesInFlight: 0,
      runs: (resume?.runs ?? 0) + 1,
      ...(input.maxCredits !== undefined ? { credits: { max: input.maxCredits, spent: 0, exhausted: false } } : {}),
    };
    this.closeRequested = resume?.closeRequested ?? false;
    this.lastArrivalMs = resume?.lastArrivalMs ?? Date.now();
    this.pageSize = input.pageSize ?? DEFAULT_PUSH_PAGE_SIZE;
    this.windowSize = input.windowSize ?? DEFAULT_PUSH_WINDOW_SIZE;
    setHandler(pushProgressQuery, () => this.state);
    setHandler(contactsStagedSignal, ({ through }: { through: number }) => void this.contactsStaged(through));
    setHandler(contactsStagedUpdate, ({ through }: { through: number }) => this.contactsStaged(through), {
      validator: (_staged: { through: number }) => {
        if (this.closeRequested)
          throw ApplicationFailure.create({ message: `erid ${input.erid} is closed`, type: FAILURE_TYPES.PUSH_REQUEST_CLOSED, nonRetryable: true });
      },
    });
    setHandler(closeUpdate, async () => {
      this.closeRequested = true;
      await condition(() => this.closed);
      return this.state;
    });
    setHandler(
      raiseCreditsUpdate,
      ({ maxCredits }: { maxCredits: number }) => {
        const credits = this.state.credits as NonNullable<PushProgress['credits']>;
        credits.max = maxCredits;
        this.budgetSpent();
        return this.state;
      },
      {
        validator: ({ maxCredits }: { maxCredits: number }) => {
          const { credits } = this.state;
          if (!credits || maxCredits <= credits.spent) {
            const message = credits
              ? `erid ${input.erid} spent ${credits.spent} credits: give it more than that${credits.toFinish !== undefined ? ` (the rest would take about ${credits.toFinish} more)` : ''}`
              : `erid ${input.erid} has no credit budget`;
            throw ApplicationFailure.create({ message, type: FAILURE_TYPES.CREDIT_BUDGET_EXHAUSTED, nonRetryable: true });
          }
        },
      },
    );
  }

  /** Tallies the credits spent by finished pages; true while the budget (if any) leaves no room for another page. */
  private budgetSpent(): boolean {
    const { credits, lookups, done, stagedRows } = this.state;
    if (!credits) return false;
    credits.spent = creditsSpent(lookups);
    const toFinish = creditsToFinish(credits.spent, done, stagedRows);
    if (toFinish !== undefined) credits.toFinish = toFinish;
    credits.exhausted = credits.spent >= credits.max;
    return credits.exhausted;
  }

  /** Runs pages over the contacts as they are staged until the erid is closed and every page is done. */
  async enrichUntilClosed(): Promise<void> {
    for (;;) {
      const page = pageAt(this.state.nextRow, this.state.stagedRows, this.pageSize);
      // Tallied on every turn, so the progress says at once when the credits are gone.
      const spentOut = this.budgetSpent();
      if (page && this.inFlight.size < this.windowSize && !spentOut) {
        this.start(page);
        continue;
      }
      if (this.closeRequested && !this.closed) {
        await this.close('requested');
        continue;
      }
      if (this.closed && !page && this.inFlight.size === 0) return;
      if (this.inFlight.size === 0 && workflowInfo().continueAsNewSuggested) await this.continueAsNew();
      await this.nextEvent();
    }
  }

  /** Waits for a page to finish, for contacts, for a close request, or (nothing in flight) for the idle window to pass. */
  private async nextEvent(): Promise<void> {
    const staged = this.state.stagedRows;
    // Out of credits: a new budget wakes it too (never true without a budget, so other erids wait as before).
    const exhausted = this.state.credits?.exhausted === true;
    const raised = () => exhausted && this.state.credits?.exhausted === false;
    if (this.inFlight.size > 0) {
      // Created only where it is awaited: a condition left behind would reject unhandled on cancellation.
      const woken = condition(
        () => this.state.stagedRows > staged || (this.closeRequested && !this.closed) || workflowInfo().continueAsNewSuggested || raised(),
      );
      await Promise.race([...this.inFlight.values(), woken]);
      return;
    }
    if (this.closed) {
      // Closed with contacts left and no credits: it waits for a new budget.
      if (exhausted) await condition(() => raised() || workflowInfo().continueAsNewSuggested);
      return;
    }
    const idleLeftMs = this.lastArrivalMs + this.input.idleCloseSeconds * 1_000 - Date.now();
    if (idleLeftMs <= 0 || !(await condition(() => this.state.stagedRows > staged || this.closeRequested || raised(), idleLeftMs))) await this.close('idle');
  }

  private contactsStaged(through: number): PushProgress {
    if (through > this.state.stagedRows) this.state.stagedRows = through;
    this.lastArrivalMs = Date.now();
    return this.state;
  }

  /** Records the close: from then on the API refuses contacts, and the rows staged before it are all there are. */
  private async close(reason: 'requested' | 'idle'): Promise<void> {
    this.closeRequested = true;
    this.state.phase = 'closing';
    const { totalRows } = await closePushRequest({ jobId: this.input.jobId, reason });
    // Contacts whose update never arrived (the API crashed after staging them) are counted here.
    this.state.stagedRows = Math.max(this.state.stagedRows, totalRows);
    this.closed = true;
  }

  private start(page: RowRange): void {
    this.state.nextRow = page.to;
    const promise = enrichRange(this.work.enrichPage, { jobId: this.input.jobId, range: page, fields: this.input.fields }, this.state).finally(() => {
      this.inFlight.delete(page.from);
      this.state.pagesInFlight = this.inFlight.size;
    });
    this.inFlight.set(page.from, promise);
    this.state.pagesInFlight = this.inFlight.size;
  }

  /** Settles once every page in flight has. */
  stopped(): Promise<unknown> {
    return Promise.allSettled(this.inFlight.values());
  }

  /** Continues as new with nothing in flight and every update answered, carrying counters and cursors. */
  private async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    const { stagedRows, nextRow, done, lookups, runs } = this.state;
    return continueAsNew<typeof pushRequestWorkflow>({
      ...this.input,
      maxCredits: this.state.credits?.max,
      resume: { stagedRows, nextRow, done, lookups, runs, closeRequested: this.closeRequested, lastArrivalMs: this.lastArrivalMs },
    });
  }
}
