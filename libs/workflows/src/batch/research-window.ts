import { rowResearchWorkflowId } from '@enrich/domain/workflow';
import { condition, executeChild, isCancellation, workflowInfo } from '@temporalio/workflow';
import { DEFAULT_RESEARCH_ROUNDS, rowResearchWorkflow } from '../row-research.workflow';
import { failPendingRows } from './activities';
import { DEFAULT_RESEARCH_WINDOW_SIZE } from './contract';
import type { BatchJob } from './job';

/**
 * Researches every row on the web through a sliding window of `rowResearchWorkflow` children
 * (`rowResearchWorkflowId`: `<parent id>/row-<n>`, ids only in their input). Continues as new
 * after the job's `pagesPerRun` children, carrying the cursor.
 */
export async function researchRows(job: BatchJob): Promise<void> {
  const { input, state } = job;
  state.phase = 'researching';
  state.researchNext ??= 1;
  const windowSize = input.researchWindowSize ?? DEFAULT_RESEARCH_WINDOW_SIZE;
  const inFlight = new Map<number, Promise<void>>();
  let started = 0;
  const parentId = workflowInfo().workflowId;
  for (;;) {
    const next: number = state.researchNext ?? 1;
    const canStart = next <= state.totalRows && started < job.pagesPerRun && !workflowInfo().continueAsNewSuggested;
    if (canStart && inFlight.size < windowSize && !state.paused) {
      state.researchNext = next + 1;
      started++;
      inFlight.set(
        next,
        job.track(researchRow(job, parentId, next)).finally(() => inFlight.delete(next)),
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
  if ((state.researchNext ?? 1) <= state.totalRows) await job.continueAsNew();
}

/** Researches one row in its child workflow; a child that fails leaves its row failed with the reason. */
async function researchRow(job: BatchJob, parentId: string, rowNumber: number): Promise<void> {
  const { jobId } = job.input;
  try {
    await executeChild(rowResearchWorkflow, {
      workflowId: rowResearchWorkflowId(parentId, rowNumber),
      args: [{ jobId, rowNumber, fields: job.researchFields, maxRounds: DEFAULT_RESEARCH_ROUNDS }],
    });
  } catch (error) {
    if (isCancellation(error)) throw error;
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    job.state.done.failed += await failPendingRows({
      jobId,
      range: { from: rowNumber, to: rowNumber + 1 },
      reason: `web research failed: ${reason}`,
    });
  }
}
