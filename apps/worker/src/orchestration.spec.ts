import type { Activities } from '@enrich/activities';
import { EMPTY_COUNTS, type JobCounts, type RowRange } from '@enrich/domain';
import { createTimeSkippingEnv, uniqueTaskQueue } from '@enrich/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Context, heartbeat } from '@temporalio/activity';
import type { BatchEnrichmentInput, BatchProgress, batchEnrichmentWorkflow } from '@enrich/workflows';

type Calls = { pages: RowRange[]; failed: Array<{ range: RowRange; reason: string }>; finished: Array<{ status: string; error?: string }>; maxInFlight: number };

/**
 * The workflow's orchestration alone, on the time-skipping test server with stand-in activities:
 * the sliding window, continue-as-new, exhausted pages, cancellation and staging failures.
 */
describe('batchEnrichmentWorkflow orchestration', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  function activities(totalRows: number, options: { failPage?: number; stageError?: Error; hang?: boolean } = {}) {
    const calls: Calls = { pages: [], failed: [], finished: [], maxInFlight: 0 };
    let inFlight = 0;
    const impl: Pick<Activities, 'stageJob' | 'markJobRunning' | 'enrichPage' | 'failPendingRows' | 'finishJob'> = {
      async stageJob() {
        if (options.stageError) throw options.stageError;
        return { totalRows, quarantined: 1 };
      },
      async markJobRunning() {
        return undefined;
      },
      async enrichPage({ range }) {
        calls.pages.push(range);
        inFlight++;
        calls.maxInFlight = Math.max(calls.maxInFlight, inFlight);
        try {
          if (options.hang) {
            // Heartbeating is how an activity learns it was cancelled; sleep rejects when it is.
            for (;;) {
              heartbeat();
              await Context.current().sleep(100);
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (range.from === options.failPage) throw ApplicationFailure.nonRetryable('provider down for good', 'ProviderUnavailable');
          return { ...EMPTY_COUNTS, total: range.to - range.from, enriched: range.to - range.from };
        } finally {
          inFlight--;
        }
      },
      async failPendingRows({ range, reason }) {
        calls.failed.push({ range, reason });
        return range.to - range.from;
      },
      async finishJob({ status, error }): Promise<JobCounts> {
        calls.finished.push({ status, error });
        return { ...EMPTY_COUNTS, total: totalRows };
      },
    };
    return { impl, calls };
  }

  async function run(input: Partial<BatchEnrichmentInput>, acts: ReturnType<typeof activities>, drive?: (handle: { cancel(): Promise<unknown> }) => Promise<void>) {
    const taskQueue = uniqueTaskQueue('orchestration');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('@enrich/workflows'),
      activities: acts.impl,
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
        taskQueue,
        workflowId: `orchestration-${taskQueue}`,
        args: [{ jobId: 'job-1', fields: ['demographics'], ...input }],
      });
      if (drive) await drive(handle);
      return handle.result().then(
        async (counts) => ({ counts, progress: await handle.query<BatchProgress>('progress'), error: undefined }),
        (error: unknown) => ({ counts: undefined, progress: undefined, error }),
      );
    });
  }

  it('covers every row once with at most windowSize pages in flight', async () => {
    const acts = activities(95);
    const { progress } = await run({ pageSize: 10, windowSize: 3 }, acts);
    expect(acts.calls.pages.map((p) => p.from).sort((a, b) => a - b)).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(acts.calls.pages.at(-1)).toEqual({ from: 91, to: 96 });
    expect(acts.calls.maxInFlight).toBeLessThanOrEqual(3);
    expect(acts.calls.maxInFlight).toBeGreaterThan(1);
    expect(progress).toMatchObject({ phase: 'completed', runs: 1, nextRow: 96 });
    expect(acts.calls.finished).toEqual([{ status: 'COMPLETED', error: undefined }]);
  });

  it('continues as new after pagesPerRun pages, keeping counters', async () => {
    const acts = activities(50);
    const { progress } = await run({ pageSize: 5, windowSize: 2, pagesPerRun: 3 }, acts);
    expect(acts.calls.pages).toHaveLength(10);
    expect(new Set(acts.calls.pages.map((p) => p.from)).size).toBe(10);
    expect(progress?.runs).toBe(4);
  });

  it('records the rows of a page whose retries are spent as failed, and finishes the job', async () => {
    const failing = activities(30, { failPage: 11 });
    const { error } = await run({ pageSize: 10, windowSize: 2 }, failing);
    expect(error).toBeUndefined();
    expect(failing.calls.failed).toEqual([{ range: { from: 11, to: 21 }, reason: 'provider down for good' }]);
    expect(failing.calls.finished).toEqual([{ status: 'COMPLETED', error: undefined }]);
  });

  it('fails the job with the staging error message when the file cannot be read', async () => {
    const acts = activities(0, { stageError: ApplicationFailure.nonRetryable('line 3: Quote Not Closed', 'CsvFormatError') });
    const { error } = await run({}, acts);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(acts.calls.finished).toEqual([{ status: 'FAILED', error: 'line 3: Quote Not Closed' }]);
  });

  it('marks the job cancelled when the workflow is cancelled mid-page', async () => {
    const acts = activities(100, { hang: true });
    const { error } = await run({ pageSize: 10, windowSize: 2 }, acts, async (handle) => {
      for (let i = 0; i < 100 && acts.calls.pages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await handle.cancel();
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(acts.calls.finished).toEqual([{ status: 'CANCELLED', error: 'cancelled by request' }]);
  });
});
