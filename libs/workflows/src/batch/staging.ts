import { setHandler } from '@temporalio/workflow';
import { rowsStagedSignal } from './contract';
import type { BatchJob } from './job';

/** The staging activity as the page window sees it. */
export interface StagingRun {
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
 * staged", however often the page window waits on it.
 */
export function stageRows(job: BatchJob): StagingRun {
  const { state } = job;
  let wake: () => void = () => undefined;
  let tick = new Promise<void>((resolve) => (wake = resolve));
  const progressed = () => {
    wake();
    tick = new Promise<void>((resolve) => (wake = resolve));
  };
  const run: StagingRun = {
    over: false,
    settled: job
      .track(job.work.stageJob({ jobId: job.input.jobId }))
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

/** Research only (no lookup pages to run): waits for the whole file to be staged, then marks the job RUNNING with every row handed out. */
export async function stageWholeFile(job: BatchJob, staging: StagingRun): Promise<void> {
  await staging.settled;
  staging.throwIfFailed();
  await job.markRunning();
  job.state.nextRow = job.state.totalRows + 1;
}
