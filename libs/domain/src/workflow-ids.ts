/**
 * Ids of the platform's workflows and schedules, built in one place. Running workflows, the jobs'
 * `workflow_id` column and recorded histories (`libs/workflows/src/histories/workflow-ids.json`)
 * hold these exact strings: a changed format would leave the gateway unable to reach a running
 * job's workflow, and a replayed batch workflow deriving other child ids would be nondeterministic.
 */

/** The batch workflow of a job: one id per job, so Temporal refuses to start a job's workflow twice. */
export function jobWorkflowId(jobId: string): string {
  return `job-${jobId}`;
}

/** A row's research child workflow under the batch workflow `parentId` (whatever that id is, e.g. a test's own). */
export function rowResearchWorkflowId(parentId: string, rowNumber: number): string {
  return `${parentId}/row-${rowNumber}`;
}

/** The schedule that refreshes stale customers' demographics, declared by the scheduler app. */
export const CUSTOMER_REFRESH_SCHEDULE_ID = 'customer-demographics-refresh';

/** Workflow id of the runs {@link CUSTOMER_REFRESH_SCHEDULE_ID} starts (Temporal appends each run's scheduled time). */
export const CUSTOMER_REFRESH_WORKFLOW_ID = 'customer-refresh';

/** The workflow of one payment event: one id per event, so a redelivered event starts nothing. */
export function paymentEventWorkflowId(eventId: string): string {
  return `payment-${eventId}`;
}

/**
 * The review workflow of one quarantined payment event: keyed by the event's id when it has one
 * (rules broken, retries exhausted), else by where it was read (an unreadable message), so a
 * redelivery quarantines nothing twice.
 */
export function paymentReviewWorkflowId(key: { eventId: string } | { topic: string; partition: number; offset: string }): string {
  return 'eventId' in key ? `payment-review-${key.eventId}` : `payment-review-${key.topic}-${key.partition}-${key.offset}`;
}
