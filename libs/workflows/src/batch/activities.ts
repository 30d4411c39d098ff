import type { Activities } from '@enrich/activities';
import { type ActivityOptions, type ActivityCancellationType, proxyActivities } from '@temporalio/workflow';

// Heartbeat timeouts bound how long a job stalls when its worker dies: the server retries an
// attempt that stopped heartbeating (the worker throttles heartbeats to one per 2 s). They cost no
// history event (only an activity's last attempt is recorded), one small call per running activity
// every 2 s.
const STAGING_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
};

// 5xx and 429 keep a page pending; its retries back off up to a minute (429 uses Retry-After).
// Every failure of a page is worth retrying: one whose job is gone finds no pending row and ends.
const PAGE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '6 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 12 },
};

/** Marks the job RUNNING; retried like staging, which it follows. */
export const markJobRunning: Activities['markJobRunning'] = proxyActivities<Activities>(STAGING_OPTIONS).markJobRunning;

/** The staging and page activities, as the job's steps call them. */
export type WorkActivities = Pick<Activities, 'stageJob' | 'enrichPage'>;

/** The activities that stage and enrich rows, told how a cancellation of the job reaches them. */
export function workActivities(cancellationType: ActivityCancellationType): WorkActivities {
  return {
    stageJob: proxyActivities<Activities>({ ...STAGING_OPTIONS, cancellationType }).stageJob,
    enrichPage: proxyActivities<Activities>({ ...PAGE_OPTIONS, cancellationType }).enrichPage,
  };
}

const closing = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Records the rows of a range still pending as failed: a short database write, retried until it succeeds. */
export const failPendingRows: Activities['failPendingRows'] = closing.failPendingRows;

/** Records the job's final status: a short database write, retried until it succeeds. */
export const finishJob: Activities['finishJob'] = closing.finishJob;
