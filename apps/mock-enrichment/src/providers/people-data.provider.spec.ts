import fc from 'fast-check';
import { RecordHash } from '../record-hash';
import { demographicsAttributesSchema, demographicsProvider } from './demographics.provider';
import { peopleDataProvider } from './people-data.provider';
import type { LookupAnswer, MockProvider } from './provider';

function answer(body: unknown, seed = 'seed-a', provider: MockProvider<LookupAnswer> = peopleDataProvider): LookupAnswer {
  const prepared = provider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  return prepared.lookup.answer(RecordHash.of(seed, provider.name, prepared.lookup.key));
}

const emails = Array.from({ length: 200 }, (_, i) => `person${i}@example.com`);

describe('people-data provider', () => {
  it('answers the same bytes for every spelling of an email and the same seed, differently under another seed', () => {
    const first = JSON.stringify(answer({ email: 'ada@example.com' }));
    expect(JSON.stringify(answer({ email: '  ADA@example.com ' }))).toBe(first);
    expect(JSON.parse(first)).toMatchObject({ provider: 'mock-people-data', record_id: expect.stringMatching(/^per_[0-9a-f]{24}$/) });
    expect(answer({ email: 'ada@example.com' }, 'seed-b').record_id).not.toBe(JSON.parse(first).record_id);
  });

  it('keeps its own records: the same person has another id and often other attributes than at demographics', () => {
    const own = emails.map((email) => answer({ email }));
    const other = emails.map((email) => answer({ email }, 'seed-a', demographicsProvider));
    expect(own.every((a, i) => a.record_id !== other[i].record_id)).toBe(true);
    const disagreeing = own.filter((a, i) => JSON.stringify(a.attributes) !== JSON.stringify(other[i].attributes));
    expect(disagreeing.length).toBeGreaterThan(emails.length / 2);
  });

  it('answers an email alone at 0.6 or more, where demographics is sometimes below', () => {
    const own = emails.map((email) => answer({ email }).confidence);
    const first = emails.map((email) => answer({ email }, 'seed-a', demographicsProvider).confidence);
    expect(Math.min(...own)).toBeGreaterThanOrEqual(0.6);
    expect(first.filter((confidence) => confidence < 0.6).length).toBeGreaterThan(0);
  });

  it('keeps attributes in their bands and confidence in [0.6, 0.99], a name counting for more than a postal code', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ maxLength: 20 }), (email, seed) => {
        const bare = answer({ email }, seed);
        const postal = answer({ email, postal_code: '10115' }, seed);
        const named = answer({ email, first_name: 'Ada' }, seed);
        const full = answer({ email, first_name: 'Ada', last_name: 'Lovelace', postal_code: '10115' }, seed);
        for (const result of [bare, postal, named, full]) {
          peopleDataProvider.responseSchema.parse(result);
          demographicsAttributesSchema.parse(result.attributes);
          expect(result.confidence).toBeGreaterThanOrEqual(0.6);
          expect(result.confidence).toBeLessThanOrEqual(0.99);
          expect(result.attributes).toEqual(bare.attributes);
        }
        expect(named.confidence).toBeGreaterThan(postal.confidence);
        expect(postal.confidence).toBeGreaterThan(bare.confidence);
        expect(full.confidence).toBeGreaterThan(named.confidence);
      }),
    );
  });

  it('never gives a person under 25 a marriage behind them, and couples a household of two or more', () => {
    for (const email of emails) {
      const { age_band, marital_status, household_size } = demographicsAttributesSchema.parse(answer({ email }).attributes);
      if (age_band === '18-24') expect(['single', 'domestic_partnership']).toContain(marital_status);
      if (marital_status === 'married' || marital_status === 'domestic_partnership') expect(household_size).toBeGreaterThanOrEqual(2);
    }
  });

  it('refuses a missing or invalid email, naming the field', () => {
    for (const body of [{}, { email: 'not-an-email' }]) {
      const prepared = peopleDataProvider.prepare(body);
      expect(!prepared.success && prepared.error.issues.map((issue) => issue.path.join('.'))).toEqual(['email']);
    }
  });
});
