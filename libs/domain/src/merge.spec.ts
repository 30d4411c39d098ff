import fc from 'fast-check';
import type { EnrichedField } from './enrichment';
import { mergeEnrichedFields, normalizeConfidence } from './merge';
import { missingFields } from './enrichment';

const field = (name: string, value: string, confidence: number, fetchedAt = '2026-01-01T00:00:00.000Z', provider = 'p'): EnrichedField => ({
  field: name,
  value,
  provider,
  confidence,
  fetchedAt,
});

describe('mergeEnrichedFields', () => {
  it('keeps the most confident value per field, the newest on a tie', () => {
    const merged = mergeEnrichedFields(
      [field('region', 'north', 0.6), field('age_band', '25-34', 0.9)],
      [field('region', 'south', 0.8), field('age_band', '35-44', 0.9, '2026-02-01T00:00:00.000Z')],
    );
    expect(merged.map((f) => [f.field, f.value])).toEqual([
      ['age_band', '35-44'],
      ['region', 'south'],
    ]);
  });

  it('is independent of the order of its candidates', () => {
    const arbField = fc.record({
      field: fc.constantFrom('a', 'b', 'c'),
      value: fc.string(),
      provider: fc.constantFrom('p1', 'p2'),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      fetchedAt: fc.constantFrom('2026-01-01', '2026-01-02'),
    });
    fc.assert(
      fc.property(fc.array(arbField, { maxLength: 12 }), (fields) => {
        const forward = mergeEnrichedFields(fields);
        const backward = mergeEnrichedFields([...fields].reverse());
        expect(backward).toEqual(forward);
        expect(new Set(forward.map((f) => f.field)).size).toBe(forward.length);
      }),
    );
  });
});

describe('normalizeConfidence', () => {
  it('clamps into 0..1 and treats non-numbers as 0', () => {
    expect(normalizeConfidence(1.7)).toBe(1);
    expect(normalizeConfidence(-2)).toBe(0);
    expect(normalizeConfidence('0.5')).toBe(0);
    expect(normalizeConfidence(Number.NaN)).toBe(0);
    expect(normalizeConfidence(0.42)).toBe(0.42);
  });
});

describe('missingFields', () => {
  it('counts a field as found only at or above the threshold', () => {
    const have = [field('region', 'north', 0.9), field('age_band', '25-34', 0.4)];
    expect(missingFields(['region', 'age_band', 'education'], have, 0.6)).toEqual(['age_band', 'education']);
    expect(missingFields(['region', 'age_band'], have, 0.4)).toEqual([]);
  });
});
