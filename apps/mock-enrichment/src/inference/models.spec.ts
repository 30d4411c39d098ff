import {
  churnPredictionSchema,
  fraudScoreSchema,
  HARD_DECLINE_CODES,
  RETRY_ACTIONS,
  retryStrategySchema,
  type ChurnFeatures,
  type FraudFeatures,
  type RetryFeatures,
} from '@enrich/domain';
import {
  CHURN_MODEL,
  failureRatio,
  FRAUD_DECLINE_CODES,
  FRAUD_MODEL,
  FRAUD_WEIGHTS,
  isRiskyBin,
  majorUnits,
  predictChurn,
  recommendRetry,
  RETRY_MODEL,
  RETRY_WEIGHTS,
  roundProbability,
  scoreFraud,
  sigmoid,
} from './models';

/** A 25 EUR domestic payment, the customer's first in the hour, on an ordinary BIN. */
const smallDomestic: FraudFeatures = { amount: 2500, currency: 'EUR', cardCountry: 'DE', billingCountry: 'DE', bin: '424242', customerEventsLastHour: 0 };
/** 2,500 EUR on a US card billed in Germany, the ninth payment in the hour. */
const largeCrossBorder: FraudFeatures = { ...smallDomestic, amount: 250_000, cardCountry: 'US', customerEventsLastHour: 8 };
const softDecline: RetryFeatures = { declineCode: 'insufficient_funds', amount: 5000, currency: 'EUR', customerFailuresLast30Days: 0 };
const steadyCustomer: ChurnFeatures = { customerEventsLast30Days: 4, customerFailuresLast30Days: 0, customerTenureDays: 90, lastPaymentFailed: false };

/** At most four decimals, as every probability the models answer. */
const hasFourDecimalsAtMost = (value: number): boolean => /^(0|1)(\.\d{1,4})?$/.test(String(value));

/** Values along one feature, and whether each is strictly above the one before. */
function rising(values: readonly number[]): boolean[] {
  return values.slice(1).map((value, index) => value > (values[index] ?? Number.NaN));
}

describe('shared arithmetic', () => {
  it('maps log-odds to probabilities and rounds them to 4 decimals within [0, 1]', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(roundProbability(0.123456)).toBe(0.1235);
    expect(roundProbability(0.99996)).toBe(1);
    expect(roundProbability(0.00004)).toBe(0);
    expect(roundProbability(1.2)).toBe(1);
    expect(roundProbability(-0.1)).toBe(0);
  });

  it('converts minor to major units by the currency’s decimals', () => {
    expect(majorUnits(12_345, 'EUR')).toBe(123.45);
    expect(majorUnits(5000, 'JPY')).toBe(5000);
    expect(majorUnits(5000, 'jpy')).toBe(5000);
    expect(majorUnits(5000, 'KWD')).toBe(5);
  });
});

describe('fraud-logit', () => {
  it('scores a small domestic payment low and a large cross-border burst high, with the reasons', () => {
    const low = scoreFraud(smallDomestic);
    expect(low).toEqual({ score: 0.0284, model: { name: 'fraud-logit', version: '1.0.0' }, reasons: [] });
    expect(low.score).toBeLessThan(0.1);
    const high = scoreFraud(largeCrossBorder);
    expect(high).toEqual({ score: 0.9489, model: FRAUD_MODEL, reasons: ['velocity', 'large_amount', 'country_mismatch'] });
    expect(high.score).toBeGreaterThan(0.8);
    expect(fraudScoreSchema.parse(high)).toEqual(high);
  });

  it('is the logistic of its documented weights', () => {
    const w = FRAUD_WEIGHTS;
    const logit = w.bias + w.logAmount * Math.log1p(2500) + w.countryMismatch + w.velocity * 8;
    expect(scoreFraud(largeCrossBorder).score).toBe(roundProbability(sigmoid(logit)));
  });

  it('rises with velocity up to the cap, and not beyond', () => {
    const scores = Array.from({ length: 26 }, (_unused, events) => scoreFraud({ ...smallDomestic, customerEventsLastHour: events }).score);
    // Rounded to 4 decimals the score may stand still, but never fall; well apart it strictly rises.
    expect(rising(scores.slice(0, FRAUD_WEIGHTS.velocityCap + 1).filter((_score, events) => events % 4 === 0))).not.toContain(false);
    expect(scores.slice(1).every((score, index) => score >= (scores[index] ?? 1))).toBe(true);
    expect(scores[25]).toBe(scores[FRAUD_WEIGHTS.velocityCap]);
    expect(scoreFraud({ ...smallDomestic, customerEventsLastHour: 3 }).reasons).toEqual(['velocity']);
    expect(scoreFraud({ ...smallDomestic, customerEventsLastHour: 2 }).reasons).toEqual([]);
  });

  it('rises when the card country differs from the billing country, whatever the case', () => {
    const domestic = scoreFraud(smallDomestic);
    const mismatch = scoreFraud({ ...smallDomestic, cardCountry: 'FR' });
    expect(mismatch.score).toBeGreaterThan(domestic.score);
    expect(mismatch.reasons).toEqual(['country_mismatch']);
    expect(scoreFraud({ ...smallDomestic, cardCountry: 'de' })).toEqual(domestic);
  });

  it('rises with the amount, in major units of the currency', () => {
    const amounts = [100, 2500, 50_000, 1_000_000, 100_000_000];
    expect(rising(amounts.map((amount) => scoreFraud({ ...smallDomestic, amount }).score))).not.toContain(false);
    expect(scoreFraud({ ...smallDomestic, amount: 100_000 }).reasons).toEqual(['large_amount']);
    // JPY has no minor unit: 2,500 JPY is 2,500 major units, as 2,500.00 EUR is.
    expect(scoreFraud({ ...smallDomestic, amount: 2500, currency: 'JPY' })).toEqual(scoreFraud({ ...smallDomestic, amount: 250_000 }));
  });

  it('rises on a risky BIN prefix', () => {
    expect(isRiskyBin('404159')).toBe(true);
    expect(isRiskyBin('650412')).toBe(true);
    expect(isRiskyBin('424242')).toBe(false);
    const risky = scoreFraud({ ...smallDomestic, bin: '404159' });
    expect(risky.score).toBeGreaterThan(scoreFraud(smallDomestic).score);
    expect(risky.reasons).toEqual(['risky_bin']);
  });

  it('lists every reason of the riskiest payment, largest push first', () => {
    const worst = scoreFraud({ ...largeCrossBorder, bin: '404159', customerEventsLastHour: 50 });
    expect(worst.reasons).toEqual(['velocity', 'large_amount', 'country_mismatch', 'risky_bin']);
    expect(worst.score).toBeLessThanOrEqual(1);
  });
});

describe('retry-strategy-gbt', () => {
  it('never retries a hard decline: fraud-like codes are not charged again, the others need a new payment method', () => {
    for (const declineCode of HARD_DECLINE_CODES) {
      const strategy = recommendRetry({ ...softDecline, declineCode });
      expect(strategy).toEqual({
        action: FRAUD_DECLINE_CODES.includes(declineCode) ? 'do_not_retry' : 'update_payment_method',
        retryAfterHours: null,
        successProbability: expect.any(Number),
        model: RETRY_MODEL,
      });
      expect(strategy.successProbability).toBeLessThan(0.05);
      expect(retryStrategySchema.parse(strategy)).toEqual(strategy);
    }
    expect(recommendRetry({ ...softDecline, declineCode: 'stolen_card' }).action).toBe('do_not_retry');
    expect(recommendRetry({ ...softDecline, declineCode: 'expired_card' }).action).toBe('update_payment_method');
    expect(recommendRetry({ ...softDecline, declineCode: ' Lost_Card ' }).action).toBe('do_not_retry');
  });

  it('retries soft declines after the code’s delay', () => {
    const hours = (declineCode: string) => recommendRetry({ ...softDecline, declineCode });
    expect(hours('insufficient_funds')).toEqual({ action: 'retry', retryAfterHours: 72, successProbability: 0.4784, model: RETRY_MODEL });
    expect(hours('do_not_honor')).toMatchObject({ action: 'retry', retryAfterHours: 24 });
    expect(hours('processing_error')).toMatchObject({ action: 'retry', retryAfterHours: 1, successProbability: 0.8339 });
    expect(hours('try_again_later')).toMatchObject({ action: 'retry', retryAfterHours: 1 });
    expect(hours('generic_decline')).toMatchObject({ action: 'retry', retryAfterHours: 24 });
    expect(RETRY_ACTIONS).toContain(hours('generic_decline').action);
  });

  it('gives issuer hiccups better odds than missing funds, and both better than hard declines', () => {
    const odds = (declineCode: string) => recommendRetry({ ...softDecline, declineCode }).successProbability;
    expect(odds('processing_error')).toBeGreaterThan(odds('insufficient_funds'));
    expect(odds('insufficient_funds')).toBeGreaterThan(odds('do_not_honor'));
    expect(odds('do_not_honor')).toBeGreaterThan(odds('expired_card'));
    expect(odds('expired_card')).toBeGreaterThan(odds('fraudulent'));
  });

  it('lowers the success probability with every failure of the last 30 days, up to the cap', () => {
    const odds = Array.from({ length: 25 }, (_unused, failures) => recommendRetry({ ...softDecline, customerFailuresLast30Days: failures }).successProbability);
    expect(rising(odds.slice(0, 11).map((value) => -value))).not.toContain(false);
    expect(odds.slice(1).every((value, index) => value <= (odds[index] ?? 0))).toBe(true);
    expect(odds[24]).toBe(odds[RETRY_WEIGHTS.failuresCap]);
  });

  it('lowers the success probability for larger amounts', () => {
    const amounts = [500, 5000, 500_000, 50_000_000];
    expect(rising(amounts.map((amount) => -recommendRetry({ ...softDecline, amount }).successProbability))).not.toContain(false);
  });
});

describe('churn-logit', () => {
  it('predicts a plausible probability in the contract', () => {
    const prediction = predictChurn(steadyCustomer);
    expect(churnPredictionSchema.parse(prediction)).toEqual(prediction);
    expect(prediction.model).toEqual(CHURN_MODEL);
    expect(predictChurn({ customerEventsLast30Days: 0, customerFailuresLast30Days: 0, customerTenureDays: 0, lastPaymentFailed: false }).probability).toBe(
      0.0998,
    );
    expect(
      predictChurn({ customerEventsLast30Days: 4, customerFailuresLast30Days: 3, customerTenureDays: 60, lastPaymentFailed: true }).probability,
    ).toBeGreaterThan(0.4);
  });

  it('rises with the failures among a customer’s payments', () => {
    const probabilities = [0, 1, 2, 3, 4].map((failures) => predictChurn({ ...steadyCustomer, customerFailuresLast30Days: failures }).probability);
    expect(rising(probabilities)).not.toContain(false);
  });

  it('rises when the last payment failed', () => {
    expect(predictChurn({ ...steadyCustomer, lastPaymentFailed: true }).probability).toBeGreaterThan(predictChurn(steadyCustomer).probability);
  });

  it('falls with tenure and with activity', () => {
    const byTenure = [0, 30, 365, 3650].map((days) => predictChurn({ ...steadyCustomer, customerTenureDays: days }).probability);
    expect(rising(byTenure.map((value) => -value))).not.toContain(false);
    const byActivity = [0, 2, 10, 50].map((events) => predictChurn({ ...steadyCustomer, customerEventsLast30Days: events }).probability);
    expect(rising(byActivity.map((value) => -value))).not.toContain(false);
  });

  it('reads the failure ratio safely when counts are zero or disagree', () => {
    expect(failureRatio({ customerEventsLast30Days: 0, customerFailuresLast30Days: 0 })).toBe(0);
    expect(failureRatio({ customerEventsLast30Days: 4, customerFailuresLast30Days: 1 })).toBe(0.25);
    expect(failureRatio({ customerEventsLast30Days: 0, customerFailuresLast30Days: 3 })).toBe(1);
    expect(failureRatio({ customerEventsLast30Days: 2, customerFailuresLast30Days: 5 })).toBe(1);
  });
});

describe('determinism', () => {
  const fraudCases: FraudFeatures[] = [
    smallDomestic,
    largeCrossBorder,
    { ...smallDomestic, amount: 987_654, currency: 'KWD', bin: '601382', customerEventsLastHour: 5 },
  ];
  const retryCases: RetryFeatures[] = [
    softDecline,
    { ...softDecline, declineCode: 'fraudulent' },
    { ...softDecline, amount: 123, customerFailuresLast30Days: 7 },
  ];
  const churnCases: ChurnFeatures[] = [
    steadyCustomer,
    { customerEventsLast30Days: 13, customerFailuresLast30Days: 5, customerTenureDays: 1.5, lastPaymentFailed: true },
  ];

  it('answers the same features with the same bytes, probabilities rounded to 4 decimals', () => {
    for (const features of fraudCases) {
      expect(JSON.stringify(scoreFraud({ ...features }))).toBe(JSON.stringify(scoreFraud(features)));
      expect(hasFourDecimalsAtMost(scoreFraud(features).score)).toBe(true);
    }
    for (const features of retryCases) {
      expect(JSON.stringify(recommendRetry({ ...features }))).toBe(JSON.stringify(recommendRetry(features)));
      expect(hasFourDecimalsAtMost(recommendRetry(features).successProbability)).toBe(true);
    }
    for (const features of churnCases) {
      expect(JSON.stringify(predictChurn({ ...features }))).toBe(JSON.stringify(predictChurn(features)));
      expect(hasFourDecimalsAtMost(predictChurn(features).probability)).toBe(true);
    }
  });

  it('hands out copies of the model reference, never the shared one', () => {
    const answer = scoreFraud(smallDomestic);
    answer.model.version = 'tampered';
    expect(scoreFraud(smallDomestic).model).toEqual({ name: 'fraud-logit', version: '1.0.0' });
  });
});
