import { z } from 'zod';
import type { Sealed } from './sealed';

/**
 * Payment events: the fourth way records arrive. Another system normalizes its payments and writes
 * one JSON event per payment to {@link PAYMENT_TOPICS.events}; the stream consumer starts one
 * workflow per event, which validates it, scores it with the inference models and stores it in
 * `payment_events`. What cannot be read goes to {@link PAYMENT_TOPICS.dlq} and the quarantine.
 */

/** Kafka topics of the payment stream. Other systems write and read these names: never rename one. */
export const PAYMENT_TOPICS = {
  /** Normalized payment events, keyed by customer id (so a customer's events keep their order). */
  events: 'payments.normalized',
  /** Events that failed schema validation, as they came, with the reason in the `x-quarantine-reason` header. */
  dlq: 'payments.validation.dlq',
} as const;

/** Headers of a dead-lettered message (the original's topic, partition and offset, and why). */
export const DLQ_HEADERS = {
  reason: 'x-quarantine-reason',
  topic: 'x-original-topic',
  partition: 'x-original-partition',
  offset: 'x-original-offset',
} as const;

export const PAYMENT_EVENT_TYPES = ['payment.succeeded', 'payment.failed'] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, dots, dashes, underscores or colons');
const countrySchema = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as "DE"');

/** Whether a card number passes the Luhn check every issued card number passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * A payment event as it sits on {@link PAYMENT_TOPICS.events} (JSON). Amounts are in the
 * currency's minor unit (cents). Unknown properties are ignored, so producers may add fields.
 */
export const paymentEventSchema = z.object({
  eventId: idSchema,
  type: z.enum(PAYMENT_EVENT_TYPES, { error: `must be one of ${PAYMENT_EVENT_TYPES.join(', ')}` }),
  occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' }),
  customerId: idSchema,
  /** The customer's email, if the payment system knows it (personal: sealed from the consumer on). */
  email: z.email({ error: 'must be an email address' }).max(254).optional(),
  amount: z.number({ error: 'must be a number' }).int('must be an integer number of minor units').positive('must be positive'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "EUR"'),
  card: z.object({
    number: z
      .string()
      .regex(/^\d{12,19}$/, 'must be 12-19 digits')
      .refine(passesLuhn, 'fails the Luhn check'),
    /** Country of the card's issuer. */
    country: countrySchema,
  }),
  billingCountry: countrySchema,
  /** Why the issuer declined a failed payment (`insufficient_funds`, `do_not_honor`, ...). */
  declineCode: z
    .string()
    .regex(/^[a-z_]{1,64}$/, 'must be a lowercase decline code such as "insufficient_funds"')
    .optional(),
  merchantId: idSchema.optional(),
});

/** A payment event as its producer wrote it (card number and email in the clear: consumer only). */
export type PaymentEvent = z.infer<typeof paymentEventSchema>;

/** Why a message on the events topic is not a payment event: the first problems, each naming its field. */
export type PaymentEventParse = { ok: true; event: PaymentEvent } | { ok: false; reason: string; eventId?: string };

/**
 * Reads one message value of {@link PAYMENT_TOPICS.events}. Never throws; the reason names the
 * field (`amount: must be an integer number of minor units`) and never quotes a value, since a
 * value may be a card number.
 */
export function parsePaymentEvent(value: Uint8Array | string | null | undefined): PaymentEventParse {
  if (value === null || value === undefined || value.length === 0) return { ok: false, reason: 'empty message (no JSON value)' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = paymentEventSchema.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const eventId = typeof json === 'object' && json !== null && 'eventId' in json ? idSchema.safeParse(json.eventId) : undefined;
  const reason = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length === 0 ? '(event)' : issue.path.join('.')}: ${issue.path.length === 0 ? 'must be a JSON object' : issue.message}`)
    .join('; ');
  return { ok: false, reason, ...(eventId?.success ? { eventId: eventId.data } : {}) };
}

/** Where a message was read: enough to find it again in the topic. */
export interface StreamPosition {
  topic: string;
  partition: number;
  /** The message's offset (a decimal string: Kafka offsets are 64-bit). */
  offset: string;
}

/** The card as the platform keeps it: the number sealed, the BIN and last four open for rules and support. */
export interface SealedCard {
  number: Sealed<string>;
  /** First six digits: the issuer (bank identification number). */
  bin: string;
  last4: string;
  country: string;
}

/**
 * A payment event as it travels through Temporal (the consumer seals it before it starts the
 * workflow): the card number and the email sealed, everything else open.
 */
export interface SealedPaymentEvent extends Omit<PaymentEvent, 'card' | 'email'> {
  email?: Sealed<string>;
  card: SealedCard;
  source: StreamPosition;
}

/** The BIN and last four digits of a card number (what may stay open). */
export function cardDigits(number: string): Pick<SealedCard, 'bin' | 'last4'> {
  return { bin: number.slice(0, 6), last4: number.slice(-4) };
}

/** What seals a value (`FieldSealer` of `@enrich/codec`). */
export interface ValueSealer {
  seal<T>(value: T): Promise<Sealed<T>>;
}

/**
 * The event as it may enter Temporal and the tables: the card number and the email sealed, the BIN
 * and last four open, and where it was read.
 */
export async function sealPaymentEvent(event: PaymentEvent, source: StreamPosition, sealer: ValueSealer): Promise<SealedPaymentEvent> {
  const { card, email, ...rest } = event;
  return {
    ...rest,
    ...(email === undefined ? {} : { email: await sealer.seal(email) }),
    card: { number: await sealer.seal(card.number), ...cardDigits(card.number), country: card.country },
    source,
  };
}

/** Decline codes that a retry cannot fix (the customer must act). */
export const HARD_DECLINE_CODES = [
  'stolen_card',
  'lost_card',
  'pickup_card',
  'fraudulent',
  'invalid_account',
  'card_not_supported',
  'expired_card',
  'incorrect_number',
] as const;

/** A business rule a payment event breaks, named so a reviewer knows what to fix. */
export interface PaymentRuleViolation {
  rule: 'decline_code_required' | 'decline_code_unexpected' | 'amount_over_limit' | 'occurred_in_future' | 'unknown_currency';
  message: string;
}

/** Largest amount accepted, in minor units (10 million of the currency's major unit). */
export const MAX_PAYMENT_AMOUNT = 1_000_000_000;

/** How far in the future of its arrival an event may say it occurred (clock skew between systems). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The business rules of a payment event that its schema cannot say: a failed payment has a
 * decline code and a successful one none, the amount is below {@link MAX_PAYMENT_AMOUNT}, the
 * currency is one the runtime knows, and it did not occur after it arrived (beyond the skew).
 */
export function paymentRuleViolations(
  event: Pick<PaymentEvent, 'type' | 'declineCode' | 'amount' | 'currency' | 'occurredAt'>,
  receivedAt: Date,
): PaymentRuleViolation[] {
  const violations: PaymentRuleViolation[] = [];
  if (event.type === 'payment.failed' && event.declineCode === undefined) {
    violations.push({ rule: 'decline_code_required', message: 'a payment.failed event needs a declineCode' });
  }
  if (event.type === 'payment.succeeded' && event.declineCode !== undefined) {
    violations.push({ rule: 'decline_code_unexpected', message: 'a payment.succeeded event has no declineCode' });
  }
  if (event.amount > MAX_PAYMENT_AMOUNT) {
    violations.push({ rule: 'amount_over_limit', message: `amount is over ${MAX_PAYMENT_AMOUNT} minor units` });
  }
  if (!KNOWN_CURRENCIES.has(event.currency)) {
    violations.push({ rule: 'unknown_currency', message: `currency ${event.currency} is not an ISO 4217 currency` });
  }
  if (Date.parse(event.occurredAt) > receivedAt.getTime() + MAX_CLOCK_SKEW_MS) {
    violations.push({ rule: 'occurred_in_future', message: 'occurredAt is more than 5 minutes after the event arrived' });
  }
  return violations;
}

const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** A model's name and version, stored with each score it made. */
export const modelRefSchema = z.object({ name: z.string().min(1), version: z.string().min(1) });
export type ModelRef = z.infer<typeof modelRefSchema>;

/** Features of the fraud model (`POST /inference/fraud`). */
export const fraudFeaturesSchema = z.object({
  amount: z.number().int().positive(),
  currency: z.string().length(3),
  cardCountry: z.string().length(2),
  billingCountry: z.string().length(2),
  bin: z.string().regex(/^\d{6}$/),
  /** The customer's payments in the hour before this one. */
  customerEventsLastHour: z.number().int().nonnegative(),
});
export type FraudFeatures = z.infer<typeof fraudFeaturesSchema>;
export const fraudScoreSchema = z.object({ score: z.number().min(0).max(1), model: modelRefSchema, reasons: z.array(z.string()) });
export type FraudScore = z.infer<typeof fraudScoreSchema>;

/** Features of the retry-strategy model (`POST /inference/retry-strategy`). */
export const retryFeaturesSchema = z.object({
  declineCode: z.string().min(1),
  amount: z.number().int().positive(),
  currency: z.string().length(3),
  /** The customer's failed payments in the last 30 days before this one. */
  customerFailuresLast30Days: z.number().int().nonnegative(),
});
export type RetryFeatures = z.infer<typeof retryFeaturesSchema>;
export const RETRY_ACTIONS = ['retry', 'update_payment_method', 'do_not_retry'] as const;
export const retryStrategySchema = z.object({
  action: z.enum(RETRY_ACTIONS),
  /** When to retry, for `retry`. */
  retryAfterHours: z.number().nonnegative().nullable(),
  /** Probability that the retry succeeds. */
  successProbability: z.number().min(0).max(1),
  model: modelRefSchema,
});
export type RetryStrategy = z.infer<typeof retryStrategySchema>;

/** Features of the churn model (`POST /inference/churn`). */
export const churnFeaturesSchema = z.object({
  /** The customer's payments in the 30 days before this one, and how many of them failed. */
  customerEventsLast30Days: z.number().int().nonnegative(),
  customerFailuresLast30Days: z.number().int().nonnegative(),
  /** Days since the customer's first payment seen (0 for a first payment). */
  customerTenureDays: z.number().nonnegative(),
  lastPaymentFailed: z.boolean(),
});
export type ChurnFeatures = z.infer<typeof churnFeaturesSchema>;
export const churnPredictionSchema = z.object({ probability: z.number().min(0).max(1), model: modelRefSchema });
export type ChurnPrediction = z.infer<typeof churnPredictionSchema>;

/** What the workflow stores for an event: its scores, each with the model that made it. */
export interface PaymentInference {
  fraud: FraudScore | null;
  retry: RetryStrategy | null;
  churn: ChurnPrediction;
}

/** Why an event was quarantined: unreadable, a broken business rule, or steps that exhausted their retries. */
export const QUARANTINE_KINDS = ['schema', 'rules', 'processing'] as const;
export type QuarantineKind = (typeof QUARANTINE_KINDS)[number];
