import type { Activities } from '@enrich/activities';
import type { PaymentInference, QuarantineKind, SealedPaymentEvent } from '@enrich/domain';
import { paymentReviewWorkflowId } from '@enrich/domain/workflow';
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  ParentClosePolicy,
  proxyLocalActivities,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { paymentReviewWorkflow } from './payment-review.workflow';

/** Input of {@link paymentEventWorkflow}. */
export interface PaymentEventInput {
  /** The event, card number and email sealed by the stream consumer. */
  event: SealedPaymentEvent;
  /** When the event reached the broker (ISO 8601): the rules' clock, and where event-to-row latency starts. */
  receivedAt: string;
  /**
   * What a failure does: `quarantine` (from the stream: the event is set aside with a review
   * workflow of its own) or `report` (a review's re-run: the review keeps the event).
   */
  onFailure?: 'quarantine' | 'report';
}

/** How an event's workflow ended: stored (or found stored already), or set aside and why. */
export type PaymentEventOutcome =
  { status: 'stored' | 'duplicate'; inference: PaymentInference } | { status: 'quarantined'; kind: Exclude<QuarantineKind, 'schema'>; reason: string };

// Every step is a local activity: milliseconds of work each, run by the worker that runs the
// workflow, so an event costs one workflow task or two instead of a task round trip per step (the
// difference between tens and hundreds of events per second on one server). Their results are
// recorded in the history all the same, so a replay never runs them again.

// Validation is a pure check: what it refuses it would refuse again.
const { validatePaymentEvent } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

// A model answers in milliseconds or not at all: a few quick tries, then the event is quarantined
// instead of holding its place for hours (a reviewer releases it once the service is back).
const { scoreFraud, recommendRetry, predictChurn } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 6 },
});

// The database is ours: keep trying for a day (a restart, a failover) before giving up on the event.
// (Backoffs beyond a minute wait on a durable timer, so the workflow holds no worker slot meanwhile.)
const { storePaymentEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  localRetryThreshold: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One payment event from the stream (workflow id `payment-<eventId>`, so a redelivered event
 * starts nothing): business rules → fraud score (a successful payment) or retry strategy (a failed
 * one) → churn prediction → stored once in `payment_events` (keyed by event id, so a redelivery
 * after this workflow is gone from the server stores nothing either). A broken rule, or a step out
 * of retries, quarantines the event with a review workflow of its own; nothing is dropped.
 */
export async function paymentEventWorkflow({ event, receivedAt, onFailure = 'quarantine' }: PaymentEventInput): Promise<PaymentEventOutcome> {
  const violations = await validatePaymentEvent({ event, receivedAt });
  if (violations.length > 0) return failed(event, receivedAt, onFailure, 'rules', violations.map((violation) => violation.message).join('; '));
  let inference: PaymentInference;
  let stored: boolean;
  let step = 'scoreFraud';
  try {
    const fraud = event.type === 'payment.succeeded' ? await scoreFraud({ event }) : null;
    step = 'recommendRetry';
    const retry = event.type === 'payment.failed' ? await recommendRetry({ event }) : null;
    step = 'predictChurn';
    inference = { fraud, retry, churn: await predictChurn({ event }) };
    step = 'storePaymentEvent';
    ({ stored } = await storePaymentEvent({ event, receivedAt, inference }));
  } catch (error) {
    // A local activity out of retries rejects with its last failure (an ApplicationFailure), a
    // scheduled one with an ActivityFailure around it.
    if (isCancellation(error) || !(error instanceof ActivityFailure || error instanceof ApplicationFailure)) throw error;
    return failed(
      event,
      receivedAt,
      onFailure,
      'processing',
      `${step} failed: ${error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : error.message}`,
    );
  }
  return { status: stored ? 'stored' : 'duplicate', inference };
}

async function failed(
  event: SealedPaymentEvent,
  receivedAt: string,
  onFailure: PaymentEventInput['onFailure'],
  kind: 'rules' | 'processing',
  reason: string,
): Promise<PaymentEventOutcome> {
  if (onFailure === 'quarantine') {
    try {
      // Abandoned: the review outlives this workflow, which ends once its event is set aside.
      await startChild<typeof paymentReviewWorkflow>('paymentReviewWorkflow', {
        workflowId: paymentReviewWorkflowId({ eventId: event.eventId }),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [{ kind, reason, eventId: event.eventId, source: event.source, receivedAt, event }],
      });
    } catch (error) {
      // Reviewed already (a release of this very event that failed again is reported, not re-quarantined).
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  return { status: 'quarantined', kind, reason };
}
