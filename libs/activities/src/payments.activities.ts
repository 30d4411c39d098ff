import { ApplicationFailure } from '@temporalio/activity';
import type { NewQuarantine, PaymentEventRepository, QuarantinedPaymentEvent } from '@enrich/db';
import {
  type ChurnPrediction,
  churnPredictionSchema,
  FAILURE_TYPES,
  type FraudScore,
  fraudScoreSchema,
  type PaymentInference,
  type PaymentRuleViolation,
  paymentRuleViolations,
  type RetryStrategy,
  retryStrategySchema,
  type SealedPaymentEvent,
} from '@enrich/domain';
import { type HttpProviderOptions, isRetryable, postLookup } from '@enrich/providers';
import type { z } from 'zod';

export interface PaymentDeps {
  payments: PaymentEventRepository;
  /** Where the inference service is (`/inference/fraud`, `/inference/retry-strategy`, `/inference/churn`). */
  inference: HttpProviderOptions;
}

/** An event's workflow input: the sealed event and when it reached the broker. */
export interface PaymentEventStep {
  event: SealedPaymentEvent;
  /** ISO 8601: the message's timestamp. */
  receivedAt: string;
}

const DAY_MS = 86_400_000;

/**
 * Asks one model. A refused request (4xx) or an answer outside the contract would fail the same
 * way again: non-retryable. Timeouts, 5xx and 429 are retried by the workflow's policy.
 */
async function infer<S extends z.ZodType>(model: string, path: string, features: unknown, schema: S, http: HttpProviderOptions): Promise<z.infer<S>> {
  let body: unknown;
  try {
    const answer = await postLookup<unknown>(model, path, features, http);
    if (!answer.found) throw ApplicationFailure.nonRetryable(`${model}: the inference service has no ${path} (404)`, FAILURE_TYPES.PROVIDER_REJECTED);
    body = answer.body;
  } catch (error) {
    if (error instanceof ApplicationFailure || isRetryable(error)) throw error;
    const fault = error instanceof SyntaxError ? 'answer is not valid JSON' : (error as Error).message;
    throw ApplicationFailure.nonRetryable(`${model}: ${fault}`, FAILURE_TYPES.PROVIDER_REJECTED);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ApplicationFailure.nonRetryable(
      `${model}: malformed answer: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      FAILURE_TYPES.PROVIDER_REJECTED,
    );
  }
  return parsed.data;
}

/**
 * The steps of a payment event's workflow: business rules, the three models (each fed with the
 * customer's history from `payment_events`), storing the scored event once, and the quarantine.
 */
export function createPaymentActivities({ payments, inference }: PaymentDeps) {
  return {
    /** The event's business rules (`paymentRuleViolations`): the broken ones, none when it may be scored. */
    async validatePaymentEvent({ event, receivedAt }: PaymentEventStep): Promise<PaymentRuleViolation[]> {
      return paymentRuleViolations(event, new Date(receivedAt));
    },

    /** Fraud score of a successful payment: amount, country mismatch, BIN, the customer's velocity in the last hour. */
    async scoreFraud({ event }: Pick<PaymentEventStep, 'event'>): Promise<FraudScore> {
      const history = await payments.customerHistory(event.customerId, new Date(event.occurredAt), event.eventId);
      const features = {
        amount: event.amount,
        currency: event.currency,
        cardCountry: event.card.country,
        billingCountry: event.billingCountry,
        bin: event.card.bin,
        customerEventsLastHour: history.eventsLastHour,
      };
      return infer('fraud', '/inference/fraud', features, fraudScoreSchema, inference);
    },

    /** Retry strategy of a failed payment: its decline code, amount and the customer's recent failures. */
    async recommendRetry({ event }: Pick<PaymentEventStep, 'event'>): Promise<RetryStrategy> {
      const history = await payments.customerHistory(event.customerId, new Date(event.occurredAt), event.eventId);
      const features = {
        declineCode: event.declineCode ?? 'unknown',
        amount: event.amount,
        currency: event.currency,
        customerFailuresLast30Days: history.failuresLast30Days,
      };
      return infer('retry-strategy', '/inference/retry-strategy', features, retryStrategySchema, inference);
    },

    /** Churn probability of the event's customer, from their payments of the last 30 days and tenure. */
    async predictChurn({ event }: Pick<PaymentEventStep, 'event'>): Promise<ChurnPrediction> {
      const occurredAt = new Date(event.occurredAt);
      const history = await payments.customerHistory(event.customerId, occurredAt, event.eventId);
      const features = {
        customerEventsLast30Days: history.eventsLast30Days,
        customerFailuresLast30Days: history.failuresLast30Days,
        customerTenureDays: history.firstSeenAt ? Math.max(0, Math.floor((occurredAt.getTime() - history.firstSeenAt.getTime()) / DAY_MS)) : 0,
        lastPaymentFailed: event.type === 'payment.failed',
      };
      return infer('churn', '/inference/churn', features, churnPredictionSchema, inference);
    },

    /** Stores the scored event once (keyed by event id): `stored` false when it was there already. */
    async storePaymentEvent({ event, receivedAt, inference: scores }: PaymentEventStep & { inference: PaymentInference }): Promise<{ stored: boolean }> {
      return { stored: await payments.insert(event, scores, new Date(receivedAt)) };
    },

    /** Sets an event aside for review, once per quarantine key: the quarantine row's id. */
    async quarantinePaymentEvent(entry: NewQuarantine): Promise<{ quarantineId: string }> {
      return { quarantineId: await payments.quarantine(entry) };
    },

    /** Records a review's outcome on the quarantine row. */
    async recordQuarantineDecision(input: { quarantineId: string; status: QuarantinedPaymentEvent['status']; note?: string; reason?: string }): Promise<void> {
      await payments.decide(input.quarantineId, input);
    },
  };
}
