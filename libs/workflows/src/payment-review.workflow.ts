import type { Activities } from '@enrich/activities';
import type { QuarantineKind, Sealed, SealedPaymentEvent, StreamPosition } from '@enrich/domain';
import { ApplicationFailure, condition, defineQuery, defineUpdate, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PaymentEventOutcome, paymentEventWorkflow } from './payment-event.workflow';

/** Input of {@link paymentReviewWorkflow}: why the event is set aside, and the event or the message as read. */
export interface PaymentReviewInput {
  kind: QuarantineKind;
  reason: string;
  eventId?: string;
  source: StreamPosition;
  /** When the message reached the broker (ISO 8601). */
  receivedAt: string;
  /** The event (rules, processing), sealed as the consumer sealed it. */
  event?: SealedPaymentEvent;
  /** The message as read (schema: it could not be read as an event), sealed whole since it may hold a card number. */
  message?: Sealed<string>;
}

/**
 * A reviewer's decision: `release` re-runs the event (the corrected one if given: a message that
 * could not be read needs one), `discard` closes the review, the event unstored.
 */
export type PaymentReviewDecision = { action: 'release'; event?: SealedPaymentEvent; note?: string } | { action: 'discard'; note?: string };

/** Where a review stands (the `reviewState` query). */
export interface PaymentReviewState {
  quarantineId: string | null;
  status: 'QUARANTINED' | 'RELEASING' | 'RELEASED' | 'DISCARDED';
  kind: QuarantineKind;
  reason: string;
  /** Re-runs so far. */
  releases: number;
}

export const paymentReviewStateQuery = defineQuery<PaymentReviewState>('reviewState');
/** Takes a decision; rejected (never retried) when the review is over, a re-run is under way, or a release of an unreadable message brings no event. */
export const paymentReviewDecisionUpdate = defineUpdate<PaymentReviewState, [PaymentReviewDecision]>('decide');

const { quarantinePaymentEvent, recordQuarantineDecision } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Failure type of a refused decision (the gateway answers 409 with its message). */
export const REVIEW_DECISION_REFUSED = 'ReviewDecisionRefused';

/**
 * The review of one quarantined payment event (workflow id `payment-review-<eventId>`, or
 * `payment-review-<topic>-<partition>-<offset>` for a message without a readable id): stores it in
 * `payment_events_quarantine`, then waits — for days if need be — for a reviewer's decision. A
 * release re-runs the event's workflow as a child; stored, the review ends RELEASED, failed again,
 * it stays quarantined with the new reason. A discard ends it DISCARDED.
 */
export async function paymentReviewWorkflow(input: PaymentReviewInput): Promise<PaymentReviewState['status']> {
  const { workflowId } = workflowInfo();
  const state: PaymentReviewState = { quarantineId: null, status: 'QUARANTINED', kind: input.kind, reason: input.reason, releases: 0 };
  let pending: PaymentReviewDecision | undefined;
  setHandler(paymentReviewStateQuery, () => state);
  setHandler(
    paymentReviewDecisionUpdate,
    (decision) => {
      pending = decision;
      return state;
    },
    {
      validator: (decision) => {
        if (state.status !== 'QUARANTINED' || pending !== undefined) {
          throw ApplicationFailure.nonRetryable(
            `the review is ${state.status === 'QUARANTINED' ? 'deciding already' : state.status.toLowerCase()}`,
            REVIEW_DECISION_REFUSED,
          );
        }
        if (decision.action === 'release' && decision.event === undefined && current === undefined) {
          throw ApplicationFailure.nonRetryable('this message could not be read as an event: release it with a corrected event', REVIEW_DECISION_REFUSED);
        }
      },
    },
  );

  // The event a release runs: the quarantined one, or the latest correction a reviewer sent.
  let current = input.event;
  const payload = input.event ?? input.message;
  if (payload === undefined) throw ApplicationFailure.nonRetryable('a review needs the event or the message it sets aside', REVIEW_DECISION_REFUSED);
  const { quarantineId } = await quarantinePaymentEvent({
    quarantineKey: workflowId,
    eventId: input.eventId,
    kind: input.kind,
    reason: input.reason,
    payload,
    source: input.source,
    reviewWorkflowId: workflowId,
  });
  state.quarantineId = quarantineId;

  for (;;) {
    await condition(() => pending !== undefined);
    const decision = pending as PaymentReviewDecision;
    if (decision.action === 'discard') {
      await recordQuarantineDecision({ quarantineId, status: 'DISCARDED', note: decision.note });
      state.status = 'DISCARDED';
      return state.status;
    }
    state.status = 'RELEASING';
    state.releases += 1;
    current = decision.event ?? current;
    const event = current as SealedPaymentEvent;
    const outcome: PaymentEventOutcome = await executeChild<typeof paymentEventWorkflow>('paymentEventWorkflow', {
      workflowId: `${workflowId}/release-${state.releases}`,
      args: [{ event, receivedAt: input.receivedAt, onFailure: 'report' }],
    });
    if (outcome.status !== 'quarantined') {
      await recordQuarantineDecision({ quarantineId, status: 'RELEASED', note: decision.note });
      state.status = 'RELEASED';
      return state.status;
    }
    await recordQuarantineDecision({ quarantineId, status: 'QUARANTINED', note: decision.note, reason: outcome.reason });
    Object.assign(state, { status: 'QUARANTINED', kind: outcome.kind, reason: outcome.reason });
    pending = undefined;
  }
}
