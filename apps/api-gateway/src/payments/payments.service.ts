import type { FieldSealer } from '@enrich/codec';
import type { PaymentEventRepository, QuarantinedPaymentEvent, StoredPaymentEventDetails } from '@enrich/db';
import {
  cardDigits,
  sealPaymentEvent,
  isSealed,
  type PaymentEvent,
  paymentEventSchema,
  type QuarantineKind,
  type Sealed,
  type SealedPaymentEvent,
  type StreamPosition,
} from '@enrich/domain';
import { badRequest, forbidden, HttpError, notFound } from '@enrich/http';
import {
  type PaymentReviewDecision,
  paymentReviewDecisionUpdate,
  type PaymentReviewState,
  paymentReviewStateQuery,
  REVIEW_DECISION_REFUSED,
} from '@enrich/workflows';
import { ApplicationFailure, type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { decodeCursor, encodeCursor, type KeysetPosition } from '../http/keyset-cursor';

export interface PaymentsServiceDeps {
  /**
   * Slug of the tenant whose admin keys work the desk (`PAYMENTS_OPERATOR_TENANT`): payment events
   * belong to no tenant, so every other tenant's admins are refused.
   */
  operatorTenant: string;
  payments: PaymentEventRepository;
  temporal: Client;
  /** Seals a corrected event as the stream consumer does; opens emails and unreadable messages for callers with the pii scope. */
  sealer: Pick<FieldSealer, 'seal' | 'open'>;
  /** How long a view waits for the review workflow's live state (default 3 s): a review nobody answers is shown from the table alone. */
  queryTimeoutMs?: number;
  /** How long a discard waits for its review to record it (default 10 s), so that its answer says DISCARDED. */
  decisionWaitMs?: number;
}

/** What a redacted personal value reads (as in the results API). */
export const REDACTED = '[redacted]';

/** A review's status in the table. */
export type QuarantineStatus = QuarantinedPaymentEvent['status'];

/** The open parts of a payment event: never the card number; the email opened for the pii scope, else redacted. */
export interface OpenPaymentEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  customerId: string;
  /** null when the event has none; `[redacted]` without the pii scope. */
  email: string | null;
  amount: number;
  currency: string;
  card: { bin: string; last4: string; country: string };
  billingCountry: string;
  declineCode: string | null;
  merchantId: string | null;
}

/** A quarantine entry as listed. */
export interface QuarantineEntryView {
  id: string;
  eventId: string | null;
  kind: QuarantineKind;
  reason: string;
  status: QuarantineStatus;
  source: StreamPosition;
  reviewWorkflowId: string;
  decisionNote: string | null;
  createdAt: string;
  decidedAt: string | null;
}

/** One quarantine entry with its review's live state and what it holds. */
export interface QuarantineEntryDetails extends QuarantineEntryView {
  /** The review workflow's `reviewState`; null when it does not answer (gone, or no worker). */
  review: PaymentReviewState | null;
  /** What was set aside: a (sealed) event, or a message that could not be read as one. */
  payload: 'event' | 'message';
  /** The event's open parts, when the payload is an event. */
  event?: OpenPaymentEvent;
  /** The message as read (pii scope), every run of 12 or more digits masked to BIN…last four; `[redacted]` without the pii scope. */
  message?: string;
  /** Present when a personal value was withheld (no pii scope). */
  redacted?: true;
}

/** A reviewer's decision as accepted. */
export interface DecisionAnswer {
  id: string;
  reviewWorkflowId: string;
  action: PaymentReviewDecision['action'];
  review: PaymentReviewState;
}

/** A stored payment event with its scores, each with the model that made it. */
export interface StoredPaymentEventView extends OpenPaymentEvent {
  receivedAt: string;
  storedAt: string;
  source: StreamPosition;
  scores: {
    fraud: { score: number; model: string | null; reasons: string[] } | null;
    retry: { action: string; retryAfterHours: number | null; successProbability: number | null; model: string | null } | null;
    churn: { probability: number; model: string };
  };
  redacted?: true;
}

/** A page of the quarantine, newest first. */
export interface QuarantinePage {
  items: QuarantineEntryView[];
  /** The cursor of the next page; absent on the last. */
  next?: string;
}

/**
 * A run of 12 or more digits, single spaces or dashes allowed between them: what may be a card
 * number (12–19 digits; longer runs are masked too, since one may hide inside).
 */
const DIGIT_RUN = /\d(?:[ -]?\d){11,}/g;

/** `text` with every run of 12 or more digits (spaces and dashes between them allowed) masked to its first six digits, `…` and its last four. */
export function maskCardNumbers(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/\D/g, '');
    const { bin, last4 } = cardDigits(digits);
    return `${bin}…${last4}`;
  });
}

const KEYSET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The platform operators' desk of quarantined payment events: the quarantine's entries, each with
 * its review workflow's live state and what it holds (card numbers never in the clear), and the
 * reviewers' decisions, taken by the review workflows' `decide` update (their refusals are 409s).
 */
export class PaymentsService {
  constructor(private readonly deps: PaymentsServiceDeps) {}

  /** Refuses a caller of another tenant than the operators' (403). */
  assertOperator(tenantSlug: string): void {
    if (tenantSlug !== this.deps.operatorTenant)
      throw forbidden('payment events are open to the admin keys of the platform operators’ tenant only (PAYMENTS_OPERATOR_TENANT)');
  }

  async list(query: { status?: QuarantineStatus; kind?: QuarantineKind; limit: number; cursor?: string }): Promise<QuarantinePage> {
    const after = query.cursor === undefined ? undefined : quarantineCursor(query.cursor);
    const entries = await this.deps.payments.listQuarantined({ status: query.status, kind: query.kind, limit: query.limit, after });
    const last = entries.at(-1);
    return { items: entries.map(entryView), ...(last && entries.length === query.limit ? { next: encodeCursor(last) } : {}) };
  }

  async get(id: string, { personal }: { personal: boolean }): Promise<QuarantineEntryDetails> {
    const entry = await this.find(id);
    const [payload, review] = await Promise.all([this.deps.payments.quarantinedPayload(id), this.reviewState(entry.reviewWorkflowId)]);
    // Rows are never deleted today; one gone between the two reads is as unknown as any other.
    if (payload === undefined) throw notFound(`quarantined payment event ${id} does not exist`);
    const view: QuarantineEntryDetails = { ...entryView(entry), review, payload: 'message' };
    if (isSealed(payload)) {
      const message = personal ? maskCardNumbers(String(await this.deps.sealer.open(payload as Sealed<string>))) : REDACTED;
      return { ...view, message, ...(personal ? {} : { redacted: true as const }) };
    }
    const event = await this.openEvent(payload, personal);
    return { ...view, payload: 'event', event, ...(event.email === REDACTED ? { redacted: true as const } : {}) };
  }

  /**
   * Re-runs the entry's event through its review workflow: the quarantined event, or `event`
   * corrected (checked by the event schema — a 422 naming the field — with the quarantined event's
   * id, then sealed as the stream consumer seals it, from the entry's source position).
   */
  async release(id: string, decision: { event?: unknown; note?: string }): Promise<DecisionAnswer> {
    const entry = await this.find(id);
    const event = decision.event === undefined ? undefined : await sealPaymentEvent(checkCorrected(entry, decision.event), entry.source, this.deps.sealer);
    const review = await this.decide(entry, { action: 'release', ...(event ? { event } : {}), ...noteOf(decision.note) });
    return { id, reviewWorkflowId: entry.reviewWorkflowId, action: 'release', review };
  }

  /** Closes the review with the event unstored; answers once the review has recorded it (or after the decision wait). */
  async discard(id: string, decision: { note?: string }): Promise<DecisionAnswer> {
    const entry = await this.find(id);
    const accepted = await this.decide(entry, { action: 'discard', ...noteOf(decision.note) });
    const handle = this.deps.temporal.workflow.getHandle(entry.reviewWorkflowId);
    const ended = await this.deps.temporal
      .withAbortSignal(AbortSignal.timeout(this.deps.decisionWaitMs ?? 10_000), () => handle.result() as Promise<PaymentReviewState['status']>)
      .catch(() => undefined);
    const review = ended === undefined ? ((await this.reviewState(entry.reviewWorkflowId)) ?? accepted) : { ...accepted, status: ended };
    return { id, reviewWorkflowId: entry.reviewWorkflowId, action: 'discard', review };
  }

  /** A stored event with its scores (never the card number; the email opened for the pii scope). */
  async storedEvent(eventId: string, { personal }: { personal: boolean }): Promise<StoredPaymentEventView> {
    const stored = await this.deps.payments.findDetailed(eventId);
    if (!stored) throw notFound(`payment event ${eventId} is not stored`);
    const email = stored.email === null ? null : personal ? String(await this.deps.sealer.open(stored.email)) : REDACTED;
    return {
      ...storedView(stored, email),
      ...(email === REDACTED ? { redacted: true as const } : {}),
    };
  }

  private async find(id: string): Promise<QuarantinedPaymentEvent> {
    const entry = await this.deps.payments.findQuarantined(id);
    if (!entry) throw notFound(`quarantined payment event ${id} does not exist`);
    return entry;
  }

  private async reviewState(workflowId: string): Promise<PaymentReviewState | null> {
    const handle = this.deps.temporal.workflow.getHandle(workflowId);
    return this.deps.temporal
      .withAbortSignal(AbortSignal.timeout(this.deps.queryTimeoutMs ?? 3_000), () => handle.query(paymentReviewStateQuery))
      .catch(() => null);
  }

  private async decide(entry: QuarantinedPaymentEvent, decision: PaymentReviewDecision): Promise<PaymentReviewState> {
    try {
      return await this.deps.temporal.workflow.getHandle(entry.reviewWorkflowId).executeUpdate(paymentReviewDecisionUpdate, { args: [decision] });
    } catch (error) {
      throw await this.asConflict(entry, error);
    }
  }

  /** A decision the review refused, or one for a review whose workflow has ended, is a 409; anything else stays as it is. */
  private async asConflict(entry: QuarantinedPaymentEvent, error: unknown): Promise<unknown> {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === REVIEW_DECISION_REFUSED) {
      const now = (await this.deps.payments.findQuarantined(entry.id)) ?? entry;
      return new HttpError(409, 'conflict', error.cause.message, { status: now.status }, {}, { cause: error });
    }
    if (!(error instanceof WorkflowNotFoundError)) return error;
    const now = (await this.deps.payments.findQuarantined(entry.id)) ?? entry;
    const message =
      now.status === 'QUARANTINED'
        ? `the review workflow ${entry.reviewWorkflowId} of this entry is not running, so it cannot take a decision`
        : `the review is ${now.status.toLowerCase()}`;
    return new HttpError(409, 'conflict', message, { status: now.status }, {}, { cause: error });
  }

  private async openEvent(event: SealedPaymentEvent, personal: boolean): Promise<OpenPaymentEvent> {
    const email = event.email === undefined ? null : personal ? String(await this.deps.sealer.open(event.email)) : REDACTED;
    return {
      eventId: event.eventId,
      type: event.type,
      occurredAt: event.occurredAt,
      customerId: event.customerId,
      email,
      amount: event.amount,
      currency: event.currency,
      card: { bin: event.card.bin, last4: event.card.last4, country: event.card.country },
      billingCountry: event.billingCountry,
      declineCode: event.declineCode ?? null,
      merchantId: event.merchantId ?? null,
    };
  }
}

/** A corrected event: valid by the event schema and with the quarantined event's id, else a 422 whose issues name the fields (never their values). */
function checkCorrected(entry: QuarantinedPaymentEvent, candidate: unknown): PaymentEvent {
  const parsed = paymentEventSchema.safeParse(candidate);
  const issues = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        path: ['event', ...issue.path.map(String)].join('.'),
        message: issue.path.length === 0 ? 'must be a payment event (a JSON object)' : issue.message,
      }));
  if (parsed.success && entry.eventId !== null && parsed.data.eventId !== entry.eventId) {
    issues.push({ path: 'event.eventId', message: `must be the quarantined event's id (${entry.eventId})` });
  }
  if (!parsed.success || issues.length > 0) {
    throw new HttpError(422, 'invalid_event', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), { issues });
  }
  return parsed.data;
}

/** A note as kept: card-number-like digit runs masked (a note is stored and shown in the clear). */
function noteOf(note: string | undefined): { note?: string } {
  return note === undefined ? {} : { note: maskCardNumbers(note) };
}

/** The position a cursor names, when it is one this list gave out (its id a UUID, its time one PostgreSQL takes); else the cursor's 400. */
function quarantineCursor(cursor: string): KeysetPosition {
  const position = decodeCursor(cursor);
  const year = position.createdAt.getUTCFullYear();
  if (KEYSET_ID.test(position.id) && year >= 1 && year <= 9999) return position;
  throw badRequest('invalid_request', 'cursor: not a cursor this API gave out; use the `next` of the previous page', {
    issues: [{ path: 'cursor', message: 'must be the `next` value of the previous page' }],
  });
}

function entryView(entry: QuarantinedPaymentEvent): QuarantineEntryView {
  return {
    id: entry.id,
    eventId: entry.eventId,
    kind: entry.kind,
    reason: entry.reason,
    status: entry.status,
    source: entry.source,
    reviewWorkflowId: entry.reviewWorkflowId,
    decisionNote: entry.decisionNote,
    createdAt: entry.createdAt.toISOString(),
    decidedAt: entry.decidedAt?.toISOString() ?? null,
  };
}

function storedView(stored: StoredPaymentEventDetails, email: string | null): StoredPaymentEventView {
  return {
    eventId: stored.eventId,
    type: stored.type,
    occurredAt: stored.occurredAt.toISOString(),
    customerId: stored.customerId,
    email,
    amount: stored.amount,
    currency: stored.currency,
    card: { bin: stored.cardBin, last4: stored.cardLast4, country: stored.cardCountry },
    billingCountry: stored.billingCountry,
    declineCode: stored.declineCode,
    merchantId: stored.merchantId,
    receivedAt: stored.receivedAt.toISOString(),
    storedAt: stored.createdAt.toISOString(),
    source: stored.source,
    scores: {
      fraud: stored.fraudScore === null ? null : { score: stored.fraudScore, model: stored.fraudModel, reasons: stored.fraudReasons },
      retry:
        stored.retryAction === null
          ? null
          : {
              action: stored.retryAction,
              retryAfterHours: stored.retryAfterHours,
              successProbability: stored.retrySuccessProbability,
              model: stored.retryModel,
            },
      churn: { probability: stored.churnProbability, model: stored.churnModel },
    },
  };
}
