import { passesLuhn, type PaymentEvent } from '@enrich/domain';

/**
 * Deterministic payment-event messages for `payments.normalized`, as the tests, the demo and the
 * benchmark send them: valid events, producer redeliveries (exact copies of an earlier valid
 * message) and schema-invalid messages, in exact numbers and a seeded order. Pure: the same options
 * (seed, runId and startAt included) always give the same messages, and nothing is held in memory
 * but a small window of recent messages, so a million can be streamed.
 */
export interface PaymentMessagesOptions {
  /** Messages in all (valid + duplicate + invalid). */
  count: number;
  /** Share of `count` that are redeliveries of an earlier valid message: exactly `Math.round(count * duplicateShare)`. */
  duplicateShare: number;
  /** Share of `count` that fail `parsePaymentEvent`: exactly `Math.round(count * invalidShare)`. */
  invalidShare: number;
  seed: number;
  /** Size of the customer pool `cus_1` .. `cus_<customers>` (default 500). */
  customers?: number;
  /** occurredAt of the first event (default now: pass it for output that is the same on every call). */
  startAt?: Date;
  /**
   * Mean gap between consecutive events' occurredAt in ms (default 1; each gap is drawn from
   * 0..2×). A producer sending at r events/s passes 1000 / r so that occurredAt follows the sending
   * schedule and never runs more than minutes ahead of the clock (the `occurred_in_future` rule).
   */
  intervalMs?: number;
  /** Part of every event id (`evt_<runId>_<n>`): runs with different run ids never share one. Default `s<seed>`. */
  runId?: string;
}

export type PaymentMessageKind = 'valid' | 'duplicate' | 'invalid';

/** Why an invalid message fails `parsePaymentEvent`. */
export const INVALID_PAYMENT_VARIANTS = [
  'not_json',
  'missing_event_id',
  'amount_as_string',
  'negative_amount',
  'bad_currency',
  'luhn_failure',
  'empty_value',
  'json_array',
] as const;
export type InvalidPaymentVariant = (typeof INVALID_PAYMENT_VARIANTS)[number];

/** One Kafka message: key the customer id, value the (JSON) payload. */
export interface PaymentMessage {
  key: string;
  value: string;
  kind: PaymentMessageKind;
  /**
   * The event id: a valid event's (a duplicate repeats its original's), or for an invalid message
   * the one `parsePaymentEvent` still reads from it (absent when it cannot read one).
   */
  eventId?: string;
  /** For an invalid message, how it is broken. */
  invalid?: InvalidPaymentVariant;
}

/** How many messages of each kind `generatePaymentMessages` makes for these options. */
export function paymentMessageCounts({ count, duplicateShare, invalidShare }: Pick<PaymentMessagesOptions, 'count' | 'duplicateShare' | 'invalidShare'>): {
  valid: number;
  duplicates: number;
  invalid: number;
} {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
  for (const [name, share] of [
    ['duplicateShare', duplicateShare],
    ['invalidShare', invalidShare],
  ] as const) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${share}`);
  }
  const duplicates = Math.round(count * duplicateShare);
  const invalid = Math.round(count * invalidShare);
  const valid = count - duplicates - invalid;
  if (valid < 0) throw new RangeError(`duplicateShare + invalidShare leave no room: ${duplicates} duplicates and ${invalid} invalid of ${count}`);
  if (duplicates > 0 && valid === 0) throw new RangeError(`${duplicates} duplicates need at least one valid message to repeat`);
  return { valid, duplicates, invalid };
}

/** What a consumer of these messages should end up with. */
export interface PaymentOutcome {
  /** Distinct valid events (each stored once however often it was delivered). */
  validEventIds: Set<string>;
  /** Messages that repeat an earlier valid message. */
  duplicateCount: number;
  /** Messages that fail `parsePaymentEvent` (dead-lettered). */
  invalidCount: number;
  /** Ids `parsePaymentEvent` still reads from invalid messages (none equals a valid event's). */
  invalidEventIds: Set<string>;
}

/** Sums up messages (of `generatePaymentMessages`, or the ones read back from a topic) into what a consumer should do with them. */
export function expectedPaymentOutcome(messages: Iterable<Pick<PaymentMessage, 'kind' | 'eventId'>>): PaymentOutcome {
  const outcome: PaymentOutcome = { validEventIds: new Set(), duplicateCount: 0, invalidCount: 0, invalidEventIds: new Set() };
  for (const message of messages) {
    if (message.kind === 'invalid') {
      outcome.invalidCount += 1;
      if (message.eventId !== undefined) outcome.invalidEventIds.add(message.eventId);
    } else if (message.kind === 'duplicate') {
      outcome.duplicateCount += 1;
    } else if (message.eventId !== undefined) {
      outcome.validEventIds.add(message.eventId);
    }
  }
  return outcome;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Weighted<T> {
  value: T;
  weight: number;
}

function weighted<T>(random: () => number, items: readonly Weighted<T>[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let r = random() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item.value;
  }
  return items[items.length - 1].value;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Billing countries by currency, weighted like a European merchant's customers. */
const MARKETS: readonly Weighted<{ currency: string; countries: readonly string[] }>[] = [
  { value: { currency: 'EUR', countries: ['DE', 'FR', 'NL', 'ES', 'IT', 'IE', 'AT', 'BE'] }, weight: 55 },
  { value: { currency: 'USD', countries: ['US'] }, weight: 25 },
  { value: { currency: 'GBP', countries: ['GB'] }, weight: 20 },
];
const ALL_COUNTRIES = [...new Set(MARKETS.flatMap((market) => market.value.countries)), 'CA', 'BR', 'NG', 'IN'];
/** Public test BINs (Visa 424242 / 400000 / 401288, Mastercard 555555 / 520082 / 222300). */
const TEST_BINS = ['424242', '400000', '401288', '555555', '520082', '222300'];
const DECLINE_CODES: readonly Weighted<string>[] = [
  { value: 'insufficient_funds', weight: 40 },
  { value: 'do_not_honor', weight: 22 },
  { value: 'generic_decline', weight: 10 },
  { value: 'expired_card', weight: 9 },
  { value: 'processing_error', weight: 8 },
  { value: 'incorrect_number', weight: 4 },
  { value: 'stolen_card', weight: 3 },
  { value: 'lost_card', weight: 2 },
  { value: 'fraudulent', weight: 2 },
];
const FIRST = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'donald', 'frances', 'ken', 'radia', 'tim', 'margaret', 'john'];
const LAST = ['lovelace', 'hopper', 'turing', 'dijkstra', 'liskov', 'knuth', 'allen', 'thompson', 'perlman', 'lee', 'hamilton', 'backus'];
const MERCHANTS = 20;
const SUCCEEDED_SHARE = 0.85;
/** Redeliveries repeat one of the last this many valid messages (a producer retries soon). */
const RECENT_WINDOW = 1_000;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

interface CustomerProfile {
  customerId: string;
  email?: string;
  currency: string;
  billingCountry: string;
  card: { number: string; country: string };
}

/** A 16-digit number with this BIN that passes the Luhn check. */
function cardNumber(random: () => number, bin: string): string {
  let body = bin;
  while (body.length < 15) body += String(Math.floor(random() * 10));
  for (let check = 0; check < 10; check += 1) if (passesLuhn(body + check)) return body + check;
  throw new Error('unreachable: one check digit always passes Luhn');
}

/** A customer's stable details, drawn from the seed and the customer's number alone. */
function customerProfile(seed: number, n: number): CustomerProfile {
  const random = mulberry32(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(n, 0x85ebca6b));
  const market = weighted(random, MARKETS);
  const billingCountry = pick(random, market.countries);
  const foreignCard = random() < 0.08;
  const cardCountry = foreignCard
    ? pick(
        random,
        ALL_COUNTRIES.filter((country) => country !== billingCountry),
      )
    : billingCountry;
  const hasEmail = random() < 0.7;
  const email = `${pick(random, FIRST)}.${pick(random, LAST)}.${n}@example.com`;
  return {
    customerId: `cus_${n}`,
    ...(hasEmail ? { email } : {}),
    currency: market.currency,
    billingCountry,
    card: { number: cardNumber(random, pick(random, TEST_BINS)), country: cardCountry },
  };
}

/** Log-normal-ish amount in minor units: median ≈ 35.00, clamped to 1.00 .. 5,000.00. */
function amount(random: () => number): number {
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.min(500_000, Math.max(100, Math.round(Math.exp(Math.log(3_500) + 1.1 * z))));
}

/**
 * Payment-event messages (a generator: nothing is built up front). Valid, duplicate and invalid
 * messages come in exact numbers ({@link paymentMessageCounts}), mixed in a seeded order in which
 * every duplicate follows its original. Valid events pass `paymentEventSchema` and break no
 * `paymentRuleViolations` rule when received at or after `startAt` (unless `count × intervalMs`
 * runs more than 5 minutes ahead of the clock).
 */
export function* generatePaymentMessages(options: PaymentMessagesOptions): Generator<PaymentMessage, void, undefined> {
  const { count, seed } = options;
  const counts = paymentMessageCounts(options);
  const customers = options.customers ?? 500;
  if (!Number.isSafeInteger(customers) || customers < 1) throw new RangeError(`customers must be a whole number >= 1, got ${customers}`);
  const intervalMs = options.intervalMs ?? 1;
  if (!(intervalMs >= 0 && Number.isFinite(intervalMs))) throw new RangeError(`intervalMs must be >= 0, got ${intervalMs}`);
  const seed32 = seed >>> 0;
  const runId = options.runId ?? `s${seed32}`;
  if (!RUN_ID.test(runId))
    throw new RangeError(
      `runId must be 1-100 letters, digits, dots, dashes, underscores or colons (starting with a letter or digit), got ${JSON.stringify(runId)}`,
    );
  const startMs = (options.startAt ?? new Date()).getTime();
  if (Number.isNaN(startMs)) throw new RangeError('startAt is not a valid date');

  const random = mulberry32(seed32);
  const profiles = new Map<number, CustomerProfile>();
  const profile = (n: number) => {
    let found = profiles.get(n);
    if (found === undefined) {
      found = customerProfile(seed32, n);
      profiles.set(n, found);
    }
    return found;
  };
  let elapsedMs = 0;
  /** The next event of a random customer (valid; the invalid ones are broken copies of one). */
  const nextEvent = (eventId: string): PaymentEvent => {
    elapsedMs += random() * 2 * intervalMs;
    const customer = profile(1 + Math.floor(random() * customers));
    const failed = random() >= SUCCEEDED_SHARE;
    return {
      eventId,
      type: failed ? 'payment.failed' : 'payment.succeeded',
      occurredAt: new Date(startMs + Math.floor(elapsedMs)).toISOString(),
      customerId: customer.customerId,
      ...(customer.email === undefined ? {} : { email: customer.email }),
      amount: amount(random),
      currency: customer.currency,
      card: { ...customer.card },
      billingCountry: customer.billingCountry,
      ...(failed ? { declineCode: weighted(random, DECLINE_CODES) } : {}),
      merchantId: `mer_${String(1 + Math.floor(random() * MERCHANTS)).padStart(3, '0')}`,
    };
  };

  const recent: PaymentMessage[] = [];
  // The invalid ones left are what the other two leave: left - validLeft - duplicatesLeft.
  let { valid: validLeft, duplicates: duplicatesLeft } = counts;
  let validMade = 0;
  let invalidMade = 0;
  const variantOffset = seed32 % INVALID_PAYMENT_VARIANTS.length;
  for (let left = count; left > 0; left -= 1) {
    // Sequential sampling: each kind with the chance of its share of what is left (exact totals,
    // a uniformly shuffled order), except that a duplicate needs a valid message before it.
    const r = random() * left;
    let kind: PaymentMessageKind = r < validLeft ? 'valid' : r < validLeft + duplicatesLeft ? 'duplicate' : 'invalid';
    if (kind === 'duplicate' && recent.length === 0) kind = 'valid';

    if (kind === 'valid') {
      validLeft -= 1;
      validMade += 1;
      const event = nextEvent(`evt_${runId}_${validMade}`);
      const message: PaymentMessage = { key: event.customerId, value: JSON.stringify(event), kind: 'valid', eventId: event.eventId };
      if (recent.length < RECENT_WINDOW) recent.push(message);
      else recent[validMade % RECENT_WINDOW] = message;
      yield message;
    } else if (kind === 'duplicate') {
      duplicatesLeft -= 1;
      const original = pick(random, recent);
      yield { ...original, kind: 'duplicate' };
    } else {
      invalidMade += 1;
      const variant = INVALID_PAYMENT_VARIANTS[(invalidMade - 1 + variantOffset) % INVALID_PAYMENT_VARIANTS.length];
      yield invalidMessage(variant, nextEvent(`evt_${runId}_x${invalidMade}`), random);
    }
  }
}

/** A message that fails `parsePaymentEvent` the way `variant` says, made from a valid event. */
function invalidMessage(variant: InvalidPaymentVariant, event: PaymentEvent, random: () => number): PaymentMessage {
  const key = event.customerId;
  const broken = (value: Record<string, unknown>): PaymentMessage => ({
    key,
    value: JSON.stringify(value),
    kind: 'invalid',
    eventId: event.eventId,
    invalid: variant,
  });
  switch (variant) {
    case 'not_json': {
      // A value cut short in transit: no eventId can be read from it.
      const json = JSON.stringify(event);
      return { key, value: json.slice(0, 10 + Math.floor(random() * (json.length - 20))), kind: 'invalid', invalid: variant };
    }
    case 'missing_event_id': {
      const { eventId: _eventId, ...rest } = event;
      return { key, value: JSON.stringify(rest), kind: 'invalid', invalid: variant };
    }
    case 'amount_as_string':
      return broken({ ...event, amount: String(event.amount) });
    case 'negative_amount':
      return broken({ ...event, amount: -event.amount });
    case 'bad_currency':
      return broken({ ...event, currency: pick(random, ['eur', 'EURO', '€', 'US', '']) });
    case 'luhn_failure': {
      const digits = event.card.number;
      const check = (Number(digits.at(-1)) + 1 + Math.floor(random() * 9)) % 10;
      return broken({ ...event, card: { ...event.card, number: digits.slice(0, -1) + check } });
    }
    case 'empty_value':
      return { key, value: '', kind: 'invalid', invalid: variant };
    case 'json_array':
      return { key, value: JSON.stringify([event]), kind: 'invalid', invalid: variant };
  }
}
