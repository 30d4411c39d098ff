import {
  HARD_DECLINE_CODES,
  type ChurnFeatures,
  type ChurnPrediction,
  type FraudFeatures,
  type FraudScore,
  type ModelRef,
  type RetryFeatures,
  type RetryStrategy,
} from '@enrich/domain';

/**
 * The mock inference models: three small logistic models over payment features, standing in for
 * the fraud, retry-strategy and churn models a payment platform would call. Each is a pure function
 * of its features (no seed, clock or randomness), so the same features always give the same answer
 * to the last digit; probabilities are rounded to {@link PROBABILITY_DECIMALS} decimals.
 *
 * The weights are made up but plausible: each feature moves the score the way the real signal
 * does, which is what the tests of the consumers (and of the models) rely on.
 *
 * @module
 */

/** Decimals every probability is rounded to. */
export const PROBABILITY_DECIMALS = 4;

const SCALE = 10 ** PROBABILITY_DECIMALS;

/** The logistic function: log-odds to a probability in [0, 1]. */
export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

/** A probability clamped to [0, 1] and rounded to {@link PROBABILITY_DECIMALS} decimals. */
export function roundProbability(probability: number): number {
  return Math.round(Math.min(1, Math.max(0, probability)) * SCALE) / SCALE;
}

/** ISO 4217 currencies whose minor unit is not a hundredth: 0 (`JPY`), 3 (`KWD`) or 4 (`CLF`) decimals. */
const CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
};

/**
 * An amount in minor units as major units (`12345` EUR cents → `123.45`). Most currencies have
 * cents; the few that do not are in a fixed table, so the conversion never depends on the runtime's
 * locale data. The models see orders of magnitude only, so no exchange rate is applied.
 */
export function majorUnits(amount: number, currency: string): number {
  return amount / 10 ** (CURRENCY_DECIMALS[currency.toUpperCase()] ?? 2);
}

/** The fraud model (`POST /inference/fraud`). */
export const FRAUD_MODEL: ModelRef = Object.freeze({ name: 'fraud-logit', version: '1.0.0' });

/**
 * Weights of {@link scoreFraud}, on the log-odds scale:
 * `logit = bias + logAmount·log1p(major units) + countryMismatch·[card country ≠ billing country]
 *  + velocity·min(payments in the last hour, velocityCap) + riskyBin·[BIN has a risky prefix]`.
 * A 25 EUR domestic payment scores about 0.03; 2,500 EUR cross-border with 8 payments in the hour 0.95.
 */
export const FRAUD_WEIGHTS = Object.freeze({
  bias: -5,
  logAmount: 0.45,
  countryMismatch: 1.6,
  velocity: 0.35,
  /** Payments in the hour beyond this add nothing (one burst should not saturate alone). */
  velocityCap: 20,
  riskyBin: 1.2,
});

/**
 * BIN prefixes the mock treats as risky (a made-up list standing in for ranges with high chargeback
 * rates). None of the well-known test cards (`424242`, `411111`, `555555`, ...) is in it.
 */
export const RISKY_BIN_PREFIXES: readonly string[] = Object.freeze(['404159', '476134', '522990', '601382', '6504']);

/** Why a fraud score is high: the features that raised it, most important first. */
export const FRAUD_REASONS = ['large_amount', 'country_mismatch', 'velocity', 'risky_bin'] as const;
export type FraudReason = (typeof FRAUD_REASONS)[number];

/**
 * The payment {@link scoreFraud} compares with to explain a score: 50 major units, domestic, no
 * other payment in the hour, an ordinary BIN. A feature is a reason when it adds at least
 * {@link FRAUD_REASON_MIN_LOGIT} to the log-odds over this payment (the odds at least e times higher).
 */
export const FRAUD_REFERENCE_AMOUNT = 50;

/** Smallest rise in log-odds over the reference payment that makes a feature a reason. */
export const FRAUD_REASON_MIN_LOGIT = 1;

/** Whether a BIN starts with one of the {@link RISKY_BIN_PREFIXES}. */
export function isRiskyBin(bin: string): boolean {
  return RISKY_BIN_PREFIXES.some((prefix) => bin.startsWith(prefix));
}

/**
 * Scores a payment for fraud with the logistic model of {@link FRAUD_WEIGHTS}. `reasons` lists the
 * features that pushed the score up (see {@link FRAUD_REFERENCE_AMOUNT}), largest push first, ties
 * in the order of {@link FRAUD_REASONS}; a low score usually has none.
 */
export function scoreFraud(features: FraudFeatures): FraudScore {
  const w = FRAUD_WEIGHTS;
  const logAmount = Math.log1p(majorUnits(features.amount, features.currency));
  // Contribution of each feature to the log-odds, over the reference payment's.
  const contributions: Record<FraudReason, number> = {
    large_amount: w.logAmount * (logAmount - Math.log1p(FRAUD_REFERENCE_AMOUNT)),
    country_mismatch: features.cardCountry.toUpperCase() !== features.billingCountry.toUpperCase() ? w.countryMismatch : 0,
    velocity: w.velocity * Math.min(features.customerEventsLastHour, w.velocityCap),
    risky_bin: isRiskyBin(features.bin) ? w.riskyBin : 0,
  };
  const logit = w.bias + w.logAmount * logAmount + contributions.country_mismatch + contributions.velocity + contributions.risky_bin;
  const reasons = FRAUD_REASONS.filter((reason) => contributions[reason] >= FRAUD_REASON_MIN_LOGIT)
    // Array.prototype.sort is stable: equal pushes keep the FRAUD_REASONS order.
    .sort((a, b) => contributions[b] - contributions[a]);
  return { score: roundProbability(sigmoid(logit)), model: { ...FRAUD_MODEL }, reasons };
}

/** The retry-strategy model (`POST /inference/retry-strategy`). */
export const RETRY_MODEL: ModelRef = Object.freeze({ name: 'retry-strategy-gbt', version: '1.0.0' });

/** Hard declines that look like fraud: the card must not be charged again at all. */
export const FRAUD_DECLINE_CODES: readonly string[] = Object.freeze(['stolen_card', 'lost_card', 'pickup_card', 'fraudulent']);

/** How soon a soft decline is retried, and how likely it is to clear, per decline code. */
export interface SoftDeclinePolicy {
  retryAfterHours: number;
  /** The code's term in the success log-odds (see {@link RETRY_WEIGHTS}). */
  logit: number;
}

/**
 * Soft declines the model knows: insufficient funds wait for the next pay cycle (72 h), a generic
 * `do_not_honor` a day, issuer hiccups an hour. Any other code not in `HARD_DECLINE_CODES` is
 * retried as {@link OTHER_SOFT_DECLINE}.
 */
export const SOFT_DECLINES: Readonly<Record<string, SoftDeclinePolicy>> = Object.freeze({
  insufficient_funds: { retryAfterHours: 72, logit: -0.1 },
  do_not_honor: { retryAfterHours: 24, logit: -0.7 },
  processing_error: { retryAfterHours: 1, logit: 1.6 },
  try_again_later: { retryAfterHours: 1, logit: 1.4 },
});

/** A soft decline code the model has no policy for. */
export const OTHER_SOFT_DECLINE: SoftDeclinePolicy = Object.freeze({ retryAfterHours: 24, logit: -0.5 });

/**
 * Weights of the success probability of {@link recommendRetry}, on the log-odds scale:
 * `logit = bias + code's logit + logAmount·log1p(major units) + failures·min(failures in 30 days, failuresCap)`.
 * Larger amounts and customers who failed more often are less likely to clear on a retry.
 */
export const RETRY_WEIGHTS = Object.freeze({
  bias: 0.8,
  logAmount: -0.2,
  failures: -0.35,
  /** Failures beyond this lower the probability no further. */
  failuresCap: 20,
  /** Code term of hard declines: a retry practically never clears. */
  hardDecline: -4,
  /** Code term of fraud-like hard declines ({@link FRAUD_DECLINE_CODES}). */
  fraudDecline: -6,
});

/**
 * What to do about a declined payment. Hard declines (`HARD_DECLINE_CODES`) are never retried: the
 * customer must update the payment method, or for fraud-like codes ({@link FRAUD_DECLINE_CODES}) the
 * card is not charged again (`do_not_retry`). Soft declines are retried after the code's delay
 * ({@link SOFT_DECLINES}). `successProbability` is the logistic of {@link RETRY_WEIGHTS} either way.
 */
export function recommendRetry(features: RetryFeatures): RetryStrategy {
  const w = RETRY_WEIGHTS;
  const code = features.declineCode.trim().toLowerCase();
  const hard = (HARD_DECLINE_CODES as readonly string[]).includes(code);
  const fraudLike = FRAUD_DECLINE_CODES.includes(code);
  const soft = hard ? undefined : (SOFT_DECLINES[code] ?? OTHER_SOFT_DECLINE);
  const codeLogit = soft?.logit ?? (fraudLike ? w.fraudDecline : w.hardDecline);
  const logit =
    w.bias +
    codeLogit +
    w.logAmount * Math.log1p(majorUnits(features.amount, features.currency)) +
    w.failures * Math.min(features.customerFailuresLast30Days, w.failuresCap);
  return {
    action: soft ? 'retry' : fraudLike ? 'do_not_retry' : 'update_payment_method',
    retryAfterHours: soft ? soft.retryAfterHours : null,
    successProbability: roundProbability(sigmoid(logit)),
    model: { ...RETRY_MODEL },
  };
}

/** The churn model (`POST /inference/churn`). */
export const CHURN_MODEL: ModelRef = Object.freeze({ name: 'churn-logit', version: '1.0.0' });

/**
 * Weights of {@link predictChurn}, on the log-odds scale:
 * `logit = bias + failureRatio·(failures / payments in 30 days) + lastPaymentFailed·[it failed]
 *  + logTenure·log1p(tenure days / 30) + logActivity·log1p(payments in 30 days)`.
 * Failing customers churn; long-standing and active ones stay.
 */
export const CHURN_WEIGHTS = Object.freeze({
  bias: -2.2,
  failureRatio: 2.8,
  lastPaymentFailed: 1.1,
  logTenure: -0.45,
  logActivity: -0.3,
});

/**
 * Share of the customer's payments in the last 30 days that failed, in [0, 1]: 0 without payments,
 * and 1 when the counts disagree (more failures than payments).
 */
export function failureRatio(features: Pick<ChurnFeatures, 'customerEventsLast30Days' | 'customerFailuresLast30Days'>): number {
  const failures = features.customerFailuresLast30Days;
  return failures / Math.max(features.customerEventsLast30Days, failures, 1);
}

/** The probability that the customer churns, from the logistic model of {@link CHURN_WEIGHTS}. */
export function predictChurn(features: ChurnFeatures): ChurnPrediction {
  const w = CHURN_WEIGHTS;
  const logit =
    w.bias +
    w.failureRatio * failureRatio(features) +
    (features.lastPaymentFailed ? w.lastPaymentFailed : 0) +
    w.logTenure * Math.log1p(features.customerTenureDays / 30) +
    w.logActivity * Math.log1p(features.customerEventsLast30Days);
  return { probability: roundProbability(sigmoid(logit)), model: { ...CHURN_MODEL } };
}
