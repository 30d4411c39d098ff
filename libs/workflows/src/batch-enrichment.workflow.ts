import type { JobCounts } from '@enrich/domain';
import type { BatchEnrichmentInput } from './batch/contract';
import { BatchJob } from './batch/job';
import { complete, endOnError } from './batch/outcome';
import { PageWindow } from './batch/page-window';
import { researchRows } from './batch/research-window';
import { stageRows, stageWholeFile } from './batch/staging';

export type { BatchEnrichmentInput, BatchPhase, BatchProgress, CreditBudget, ResumeOptions } from './batch/contract';
export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_PAGES_PER_RUN,
  DEFAULT_RESEARCH_WINDOW_SIZE,
  DEFAULT_WINDOW_SIZE,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  rowsStagedSignal,
  startUpdate,
} from './batch/contract';

/**
 * Enriches one CSV job: stages its file into rows and runs a sliding window of page activities over
 * row-number ranges (the first pages start as soon as their rows are staged, while the rest of the
 * file is still being read), then researches rows on the web if asked and records the final status.
 * Holds counters and cursors only; continues as new when the server suggests it or after
 * `pagesPerRun` pages. Workflow id: `jobWorkflowId(jobId)` (`@enrich/domain`).
 */
export async function batchEnrichmentWorkflow(input: BatchEnrichmentInput): Promise<JobCounts> {
  const job = new BatchJob(input);
  try {
    const staging = input.resume ? undefined : stageRows(job);
    if (staging && job.lookupFields.length === 0) await stageWholeFile(job, staging);
    await new PageWindow(job, staging).run();
    // Only reached with no page in flight, so the cursor is exact for the next run.
    if (job.state.nextRow <= job.state.totalRows) await job.continueAsNew();
    if (job.researchFields.length > 0) await researchRows(job);
    return await complete(job);
  } catch (error) {
    return endOnError(job, error);
  }
}
