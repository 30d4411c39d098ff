import type { Activities } from '@enrich/activities';
import { EMPTY_COUNTS, FAILURE_TYPES, type JobCounts, type RowRange } from '@enrich/domain';
import { createTimeSkippingEnv, uniqueTaskQueue } from '@enrich/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Context, heartbeat } from '@temporalio/activity';
import type { BatchEnrichmentInput, BatchProgress, batchEnrichmentWorkflow } from '@enrich/workflows';

type Calls = {
  pages: RowRange[];
  failed: Array<{ range: RowRange; reason: string }>;
  finished: Array<{ status: string; error?: string }>;
  maxInFlight: number;
  /** Pages still running when the job's final status was recorded. */
  inFlightAtFinish: number[];
};

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

  function activities(totalRows: number, options: { failPage?: number; stageError?: Error; hang?: boolean; gate?: Promise<void> } = {}) {
    const calls: Calls = { pages: [], failed: [], finished: [], maxInFlight: 0, inFlightAtFinish: [] };
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
            // The page then stops at its next row boundary, a moment later.
            try {
              for (;;) {
                heartbeat();
                await Context.current().sleep(100);
              }
            } catch (error) {
              await new Promise((resolve) => setTimeout(resolve, 300));
              throw error;
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (options.gate) await options.gate;
          if (range.from === options.failPage) throw ApplicationFailure.nonRetryable('provider down for good', FAILURE_TYPES.PROVIDER_UNAVAILABLE);
          return {
            ...EMPTY_COUNTS,
            total: range.to - range.from,
            enriched: range.to - range.from,
            lookups: { cacheHits: 0, providerCalls: range.to - range.from, sharedCalls: 0 },
          };
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
        calls.inFlightAtFinish.push(inFlight);
        return { ...EMPTY_COUNTS, total: totalRows };
      },
    };
    return { impl, calls };
  }

  async function run(
    input: Partial<BatchEnrichmentInput>,
    acts: ReturnType<typeof activities>,
    drive?: (handle: WorkflowHandle<typeof batchEnrichmentWorkflow>) => Promise<void>,
  ) {
    const taskQueue = uniqueTaskQueue('orchestration');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('@enrich/workflows'),
      activities: acts.impl,
      // As in the worker: cancellations reach heartbeating activities within a second.
      maxHeartbeatThrottleInterval: '1 second',
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
    expect(acts.calls.pages).toContainEqual({ from: 91, to: 96 });
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
    // Lookup counters are carried across runs like the row counts.
    expect(progress?.lookups).toEqual({ cacheHits: 0, providerCalls: 50, sharedCalls: 0 });
  });

  it('records the rows of a page whose retries are spent as failed, and finishes the job', async () => {
    const failing = activities(30, { failPage: 11 });
    const { error } = await run({ pageSize: 10, windowSize: 2 }, failing);
    expect(error).toBeUndefined();
    expect(failing.calls.failed).toEqual([{ range: { from: 11, to: 21 }, reason: 'provider down for good' }]);
    expect(failing.calls.finished).toEqual([{ status: 'COMPLETED', error: undefined }]);
  });

  it('fails the job with the staging error message when the file cannot be read', async () => {
    const acts = activities(0, { stageError: ApplicationFailure.nonRetryable('line 3: Quote Not Closed', FAILURE_TYPES.CSV_FORMAT) });
    const { error } = await run({}, acts);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The job's workflow fails with the staging failure's type, so its caller can tell why.
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: FAILURE_TYPES.CSV_FORMAT, message: 'line 3: Quote Not Closed' });
    expect(acts.calls.finished).toEqual([{ status: 'FAILED', error: 'line 3: Quote Not Closed' }]);
  });

  it('marks the job cancelled once the pages in flight have stopped', async () => {
    const acts = activities(100, { hang: true });
    const { error } = await run({ pageSize: 10, windowSize: 2 }, acts, async (handle) => {
      for (let i = 0; i < 100 && acts.calls.pages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await handle.cancel();
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(acts.calls.finished).toEqual([{ status: 'CANCELLED', error: 'cancelled by request' }]);
    expect(acts.calls.pages).toHaveLength(2);
    expect(acts.calls.inFlightAtFinish).toEqual([0]);
  });

  /**
   * Polls (real time) until `predicate` holds. The bound only ends a broken run: on a loaded host the
   * first pages took over 5 s to start (the worker bundles the workflows first).
   */
  async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1500; i++) {
      if (await predicate()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('starts no page while paused, lets pages in flight finish, and keeps the pause across continue-as-new', async () => {
    let release!: () => void;
    const acts = activities(50, { gate: new Promise<void>((resolve) => (release = resolve)) });
    const seen: BatchProgress[] = [];
    const { counts, progress, error } = await run({ pageSize: 10, windowSize: 2, pagesPerRun: 2 }, acts, async (handle) => {
      try {
        await until(() => acts.calls.pages.length === 2, 'the first two pages');
        seen.push(await handle.executeUpdate<BatchProgress, []>('pause'));
      } finally {
        // Whatever happened, the gated pages end: a worker shutting down waits for them, and a
        // failure here must fail the test, not hang the suite.
        release();
      }
      // The first run reaches its page cap with both pages done and continues as new, still paused.
      await until(async () => (await handle.query<BatchProgress>('progress')).runs === 2, 'the second run');
      await new Promise((r) => setTimeout(r, 300));
      seen.push(await handle.query<BatchProgress>('progress'));
      expect(acts.calls.pages).toHaveLength(2);
      seen.push(await handle.executeUpdate<BatchProgress, []>('resume'));
    });
    expect(error).toBeUndefined();
    expect(seen).toMatchObject([
      { paused: true, runs: 1, pagesInFlight: 2 },
      { paused: true, runs: 2, pagesInFlight: 0, nextRow: 21, phase: 'enriching' },
      { paused: false, runs: 2 },
    ]);
    expect(acts.calls.pages.map((p) => p.from).sort((a, b) => a - b)).toEqual([1, 11, 21, 31, 41]);
    expect(counts).toMatchObject({ total: 50 });
    expect(progress).toMatchObject({ phase: 'completed', paused: false, runs: 3, nextRow: 51 });
  });

  it('stays paused from staging on and cancels cleanly while paused', async () => {
    let release!: () => void;
    const staged = new Promise<void>((resolve) => (release = resolve));
    const acts = activities(30);
    const stageJob = acts.impl.stageJob;
    acts.impl.stageJob = async (input) => {
      await staged;
      return stageJob(input);
    };
    const { error } = await run({ pageSize: 10, windowSize: 2 }, acts, async (handle) => {
      expect(await handle.executeUpdate<BatchProgress, []>('pause')).toMatchObject({ phase: 'staging', paused: true });
      release();
      await until(async () => (await handle.query<BatchProgress>('progress')).phase === 'enriching', 'staging to finish');
      await new Promise((r) => setTimeout(r, 200));
      expect(acts.calls.pages).toEqual([]);
      await handle.cancel();
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(acts.calls.pages).toEqual([]);
    expect(acts.calls.finished).toEqual([{ status: 'CANCELLED', error: 'cancelled by request' }]);
  });
});
