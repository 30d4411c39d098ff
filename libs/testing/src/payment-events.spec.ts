import { parsePaymentEvent, passesLuhn, paymentEventSchema, paymentRuleViolations } from '@enrich/domain';
import { expectedPaymentOutcome, generatePaymentMessages, INVALID_PAYMENT_VARIANTS, paymentMessageCounts, type PaymentMessagesOptions } from './payment-events';

const startAt = new Date('2026-03-02T10:00:00.000Z');
const options: PaymentMessagesOptions = { count: 5_000, duplicateShare: 0.05, invalidShare: 0.02, seed: 42, startAt };
const messages = [...generatePaymentMessages(options)];

describe('generatePaymentMessages', () => {
  it('makes exactly the requested number of each kind', () => {
    expect(messages).toHaveLength(5_000);
    const count = (kind: string) => messages.filter((message) => message.kind === kind).length;
    expect(count('duplicate')).toBe(250);
    expect(count('invalid')).toBe(100);
    expect(count('valid')).toBe(4_650);
    expect(paymentMessageCounts(options)).toEqual({ valid: 4_650, duplicates: 250, invalid: 100 });
    // Rounding: Math.round of each share.
    const odd = [...generatePaymentMessages({ count: 333, duplicateShare: 0.1, invalidShare: 0.015, seed: 7, startAt })];
    expect(odd.filter((message) => message.kind === 'duplicate')).toHaveLength(33);
    expect(odd.filter((message) => message.kind === 'invalid')).toHaveLength(5);
    expect(odd).toHaveLength(333);
  });

  it('is deterministic per seed and run id', () => {
    expect([...generatePaymentMessages(options)]).toEqual(messages);
    const other = [...generatePaymentMessages({ ...options, seed: 43 })];
    expect(other.map((message) => message.value)).not.toEqual(messages.map((message) => message.value));
    expect(messages.find((message) => message.kind === 'valid')?.eventId).toMatch(/^evt_s42_\d+$/);
  });

  it('is lazy: a million messages are not built up front', () => {
    const iterator = generatePaymentMessages({ ...options, count: 1_000_000 });
    expect(iterator.next().done).toBe(false);
  });

  it('mixes the kinds through the whole run rather than bunching them', () => {
    const firstHalf = messages.slice(0, 2_500);
    expect(firstHalf.filter((message) => message.kind === 'invalid').length).toBeGreaterThan(25);
    expect(firstHalf.filter((message) => message.kind === 'invalid').length).toBeLessThan(75);
    expect(firstHalf.filter((message) => message.kind === 'duplicate').length).toBeGreaterThan(80);
    expect(firstHalf.filter((message) => message.kind === 'duplicate').length).toBeLessThan(170);
  });

  it('makes valid events that parse, break no business rule and look like real payments', () => {
    const valid = messages.filter((message) => message.kind === 'valid');
    const receivedAt = new Date(startAt.getTime() + 60_000);
    let failed = 0;
    let withEmail = 0;
    let foreignCard = 0;
    const currencies = new Set<string>();
    const customers = new Set<string>();
    let previousOccurredAt = '';
    for (const message of valid) {
      const parsed = parsePaymentEvent(message.value);
      if (!parsed.ok) throw new Error(`${message.eventId}: ${parsed.reason}`);
      const event = parsed.event;
      expect(paymentEventSchema.safeParse(JSON.parse(message.value)).success).toBe(true);
      expect(paymentRuleViolations(event, receivedAt)).toEqual([]);
      expect(message.key).toBe(event.customerId);
      expect(message.eventId).toBe(event.eventId);
      expect(event.customerId).toMatch(/^cus_\d+$/);
      expect(event.amount).toBeGreaterThanOrEqual(100);
      expect(event.amount).toBeLessThanOrEqual(500_000);
      expect(event.card.number).toMatch(/^(424242|400000|401288|555555|520082|222300)\d{10}$/);
      expect(passesLuhn(event.card.number)).toBe(true);
      expect({ EUR: true, USD: event.billingCountry === 'US', GBP: event.billingCountry === 'GB' }[event.currency]).toBe(true);
      expect(event.occurredAt >= previousOccurredAt).toBe(true);
      previousOccurredAt = event.occurredAt;
      if (event.type === 'payment.failed') {
        failed += 1;
        expect(event.declineCode).toMatch(/^[a-z_]+$/);
      } else {
        expect(event.declineCode).toBeUndefined();
      }
      if (event.email !== undefined) withEmail += 1;
      if (event.card.country !== event.billingCountry) foreignCard += 1;
      currencies.add(event.currency);
      customers.add(event.customerId);
    }
    expect(failed / valid.length).toBeGreaterThan(0.1);
    expect(failed / valid.length).toBeLessThan(0.2);
    expect(withEmail / valid.length).toBeGreaterThan(0.55);
    expect(withEmail / valid.length).toBeLessThan(0.85);
    expect(foreignCard / valid.length).toBeGreaterThan(0.02);
    expect(foreignCard / valid.length).toBeLessThan(0.16);
    expect([...currencies].sort()).toEqual(['EUR', 'GBP', 'USD']);
    expect(customers.size).toBeGreaterThan(400);
    expect(customers.size).toBeLessThanOrEqual(500);
    expect(previousOccurredAt < new Date(startAt.getTime() + 5 * 60_000).toISOString()).toBe(true);
  });

  it('starts now by default, so the events break no rule when received now', () => {
    for (const message of generatePaymentMessages({ ...options, count: 2_000, startAt: undefined })) {
      if (message.kind !== 'valid') continue;
      const parsed = parsePaymentEvent(message.value);
      expect(parsed.ok && paymentRuleViolations(parsed.event, new Date())).toEqual([]);
    }
  });

  it('makes invalid messages of every variant that fail parsePaymentEvent, with the event id it still reads', () => {
    const invalid = messages.filter((message) => message.kind === 'invalid');
    expect(new Set(invalid.map((message) => message.invalid))).toEqual(new Set(INVALID_PAYMENT_VARIANTS));
    for (const message of invalid) {
      const parsed = parsePaymentEvent(message.value);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.eventId).toBe(message.eventId);
      expect(message.key).toMatch(/^cus_\d+$/);
    }
    expect(invalid.some((message) => message.eventId !== undefined)).toBe(true);
    expect(invalid.some((message) => message.value === '')).toBe(true);
  });

  it('makes duplicates that repeat an earlier valid message exactly', () => {
    const seen = new Map<string, { key: string; value: string }>();
    for (const message of messages) {
      if (message.kind === 'valid') seen.set(message.eventId ?? '', message);
      if (message.kind === 'duplicate') {
        const original = seen.get(message.eventId ?? '');
        expect(original).toBeDefined();
        expect({ key: message.key, value: message.value }).toEqual({ key: original?.key, value: original?.value });
      }
    }
  });

  it('gives every valid event and every invalid id its own event id, and other run ids other ids', () => {
    const outcome = expectedPaymentOutcome(messages);
    expect(outcome.validEventIds.size).toBe(4_650);
    expect(outcome.duplicateCount).toBe(250);
    expect(outcome.invalidCount).toBe(100);
    expect([...outcome.invalidEventIds].filter((id) => outcome.validEventIds.has(id))).toEqual([]);
    const withEventId = messages.filter((message) => message.kind === 'invalid' && message.eventId !== undefined);
    expect(outcome.invalidEventIds.size).toBe(withEventId.length);
    const otherRun = expectedPaymentOutcome(generatePaymentMessages({ ...options, runId: 'other-run' }));
    expect([...otherRun.validEventIds].filter((id) => outcome.validEventIds.has(id))).toEqual([]);
  });

  it('rejects counts that cannot be met', () => {
    expect(() => [...generatePaymentMessages({ count: 10, duplicateShare: 0.6, invalidShare: 0.6, seed: 1 })]).toThrow(RangeError);
    expect(() => [...generatePaymentMessages({ count: 2, duplicateShare: 0.5, invalidShare: 0.5, seed: 1 })]).toThrow(/at least one valid/);
    expect(() => [...generatePaymentMessages({ count: 10, duplicateShare: 0, invalidShare: 0, seed: 1, runId: 'bad id' })]).toThrow(/runId/);
    expect([...generatePaymentMessages({ count: 0, duplicateShare: 0.5, invalidShare: 0.5, seed: 1 })]).toEqual([]);
    expect([...generatePaymentMessages({ count: 3, duplicateShare: 0, invalidShare: 1, seed: 1 })].map((message) => message.kind)).toEqual([
      'invalid',
      'invalid',
      'invalid',
    ]);
  });
});
