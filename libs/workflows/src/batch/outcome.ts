import type { JobCounts } from '@enrich/domain';
import { FAILURE_TYPES } from '@enrich/domain/workflow';
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import { finishJob } from './activities';
import type { BatchJob } from './job';

/** Marks the job COMPLETED once all its work is done, and answers its final counts. */
export async function complete(job: BatchJob): Promise<JobCounts> {
  const { state } = job;
  state.phase = 'finishing';
  const counts = await finishJob({ jobId: job.input.jobId, status: 'COMPLETED', lookups: state.lookups });
  state.done = counts;
  state.phase = 'completed';
  return counts;
}

/** Ends a job on what stopped it: a cancellation marks it CANCELLED, a file that cannot be staged FAILED; then the error is thrown on. */
export async function endOnError(job: BatchJob, error: unknown): Promise<never> {
  if (isCancellation(error)) return cancel(job, error);
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return fail(job, error.cause);
  throw error;
}

/** Marks a cancelled job CANCELLED, once its work under way has stopped, and rethrows the cancellation. */
async function cancel(job: BatchJob, cancellation: unknown): Promise<never> {
  const { state } = job;
  state.phase = 'cancelling';
  await CancellationScope.nonCancellable(async () => {
    // Each stops at a row boundary (the activities learn of the cancellation from their
    // heartbeats), so the rows of a cancelled job never change after it says so.
    if (job.stopsBeforeCancelled) await job.workStopped();
    await finishJob({ jobId: job.input.jobId, status: 'CANCELLED', error: 'cancelled by request', lookups: state.lookups });
  });
  state.phase = 'cancelled';
  throw cancellation;
}

/** Marks the job FAILED with the reason its file cannot be staged (no header, an unterminated quote: with its line). */
async function fail(job: BatchJob, cause: ApplicationFailure): Promise<never> {
  job.state.phase = 'failed';
  await finishJob({ jobId: job.input.jobId, status: 'FAILED', error: cause.message, lookups: job.state.lookups });
  throw ApplicationFailure.create({ message: cause.message, type: cause.type ?? FAILURE_TYPES.JOB_FAILED, nonRetryable: true });
}
