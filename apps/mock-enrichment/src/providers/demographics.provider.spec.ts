import fc from 'fast-check';
import { RecordHash } from '../record-hash';
import { AGE_BANDS, demographicsAttributesSchema, demographicsProvider, INCOME_BANDS } from './demographics.provider';
import type { LookupAnswer } from './provider';

function answer(body: unknown, seed = 'seed-a'): LookupAnswer {
  const prepared = demographicsProvider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  return prepared.lookup.answer(RecordHash.of(seed, demographicsProvider.name, prepared.lookup.key));
}

describe('demographics provider', () => {
  it('answers the same bytes for the same email and seed', () => {
    const first = JSON.stringify(answer({ email: 'ada@example.com' }));
    expect(JSON.stringify(answer({ email: 'ada@example.com' }))).toBe(first);
    expect(JSON.parse(first)).toMatchObject({ provider: 'mock-demographics', record_id: expect.stringMatching(/^per_[0-9a-f]{24}$/) });
  });

  it('normalizes the email: trimmed and lower-cased', () => {
    expect(answer({ email: '  Ada@Example.COM ' })).toEqual(answer({ email: 'ada@example.com' }));
  });

  it('answers differently under a different seed and for a different email', () => {
    const base = answer({ email: 'ada@example.com' });
    expect(answer({ email: 'ada@example.com' }, 'seed-b').record_id).not.toBe(base.record_id);
    expect(answer({ email: 'grace@example.com' }).record_id).not.toBe(base.record_id);
  });

  it('keeps every attribute in its band and confidence in [0.55, 0.99]', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.string({ maxLength: 20 }),
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        (email, seed, firstName) => {
          const result = answer({ email, first_name: firstName }, seed);
          const attributes = demographicsAttributesSchema.parse(result.attributes);
          expect(AGE_BANDS).toContain(attributes.age_band);
          expect(INCOME_BANDS).toContain(attributes.income_band);
          expect(attributes.household_size).toBeGreaterThanOrEqual(1);
          expect(attributes.household_size).toBeLessThanOrEqual(6);
          expect(result.confidence).toBeGreaterThanOrEqual(0.55);
          expect(result.confidence).toBeLessThanOrEqual(0.99);
          expect(Math.round(result.confidence * 100) / 100).toBe(result.confidence);
          demographicsProvider.responseSchema.parse(result);
        },
      ),
    );
  });

  it('is more confident with more corroborating fields, for the same record', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const bare = answer({ email });
        const named = answer({ email, first_name: 'Ada' });
        const full = answer({ email, first_name: 'Ada', last_name: 'Lovelace', postal_code: '10115' });
        expect(named.record_id).toBe(bare.record_id);
        expect(named.attributes).toEqual(bare.attributes);
        expect(named.confidence).toBeGreaterThan(bare.confidence);
        expect(full.confidence).toBeGreaterThan(named.confidence);
      }),
    );
  });

  it('treats blank and null optional fields as absent', () => {
    expect(answer({ email: 'ada@example.com', first_name: '  ', last_name: null }).confidence).toBe(answer({ email: 'ada@example.com' }).confidence);
  });

  it('refuses a missing or invalid email, naming the field', () => {
    for (const body of [{}, { email: 'not-an-email' }, { email: 42 }]) {
      const prepared = demographicsProvider.prepare(body);
      expect(prepared.success).toBe(false);
      expect(!prepared.success && prepared.error.issues.map((issue) => issue.path.join('.'))).toEqual(['email']);
    }
  });
});
