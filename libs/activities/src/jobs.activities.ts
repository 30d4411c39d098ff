import { type JobCounts, type JobStatus, type LookupStats, type RowRange, withBilledUsage } from '@enrich/domain';
import type { BlobStore, JobRepository, ProviderCallRepository } from '@enrich/db';
import { log } from '@temporalio/activity';
import type { JobEvents } from './webhooks.activities';

export interface JobsDeps {
  jobs: JobRepository;
  blobs: Pick<BlobStore, 'delete'>;
  /** Tells the job's tenant (its webhooks) that the job is over. */
  events: JobEvents;
  /** The provider-call ledger: the job's calls as they were made, crashed attempts included. */
  providerCalls: Pick<ProviderCallRepository, 'usage'>;
}

export interface FinishJobInput {
  jobId: string;
  status: Extract<JobStatus, 'COMPLETED' | 'FAILED' | 'CANCELLED'>;
  error?: string;
  /** Absent from executions that finished before lookups were recorded. */
  lookups?: LookupStats;
}

export function createJobActivities({ jobs, blobs, events, providerCalls }: JobsDeps) {
  return {
    async markJobRunning({ jobId }: { jobId: string }): Promise<void> {
      await jobs.markStatus(jobId, 'RUNNING');
    },

    /**
     * Rows a page could not enrich after every retry are recorded as failed with the last error,
     * never dropped: the job's counts always add up to its rows.
     */
    async failPendingRows({ jobId, range, reason }: { jobId: string; range: RowRange; reason: string }): Promise<number> {
      const failed = await jobs.failPendingRows(jobId, range, reason);
      if (failed > 0) log.warn('rows failed after retries', { jobId, range, failed });
      return failed;
    },

    /**
     * Sets the job's final status (with how its lookups were served and what its calls cost), emits its event to the
     * tenant's webhooks, and returns its row counts from the table. Retried until it succeeds, so
     * an event is never lost; a retry starts no delivery twice.
     */
    async finishJob({ jobId, status, error, lookups }: FinishJobInput): Promise<JobCounts> {
      // The calls and their cost come from the ledger, which kept those of attempts that died; the
      // workflow's tally (finished attempts only) gives how the rest were served.
      const billed = lookups && withBilledUsage(lookups, await providerCalls.usage(jobId));
      await jobs.markStatus(jobId, status, error, billed);
      // The upload holds personal data in the clear: whatever became of the job, it goes now (staging
      // deletes it as soon as every row is staged; this covers a job cancelled or failed before that).
      const source = await jobs.source(jobId);
      if (source?.blobKey) await blobs.delete(source.blobKey);
      const counts = await jobs.counts(jobId);
      await events.jobFinished(jobId, status, counts);
      log.info('job finished', { jobId, status, ...counts });
      return counts;
    },
  };
}
