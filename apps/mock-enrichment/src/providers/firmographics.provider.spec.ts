import fc from 'fast-check';
import { RecordHash } from '../record-hash';
import {
  EMPLOYEE_BANDS,
  firmographicsAttributesSchema,
  firmographicsProvider,
  FOUNDED_YEAR_RANGE,
  normalizeCompany,
  normalizeDomain,
  REVENUE_BANDS,
} from './firmographics.provider';
import type { LookupAnswer } from './provider';

function answer(body: unknown, seed = 'seed-a'): LookupAnswer {
  const prepared = firmographicsProvider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  return prepared.lookup.answer(RecordHash.of(seed, firmographicsProvider.name, prepared.lookup.key));
}

describe('normalizeDomain', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['  ACME.com ', 'acme.com'],
    ['https://www.Acme.com:443/about?x=1', 'acme.com'],
    ['shop.acme.co.uk.', 'shop.acme.co.uk'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each(['', 'acme', 'not a domain', 'http://', '-acme.com'])('refuses %j', (input) => {
    expect(normalizeDomain(input)).toBeUndefined();
  });
});

describe('normalizeCompany', () => {
  it('ignores case, punctuation and legal forms', () => {
    expect(normalizeCompany('  Acme, Inc. ')).toBe('acme');
    expect(normalizeCompany('ACME GmbH')).toBe('acme');
    expect(normalizeCompany('Acme Widgets Ltd')).toBe('acme widgets');
  });
});

describe('firmographics provider', () => {
  it('answers the same record for every spelling of a domain', () => {
    const base = JSON.stringify(answer({ domain: 'acme.com' }));
    expect(JSON.stringify(answer({ domain: 'https://WWW.acme.com/about' }))).toBe(base);
    expect(JSON.parse(base)).toMatchObject({ provider: 'mock-firmographics', record_id: expect.stringMatching(/^org_[0-9a-f]{24}$/) });
  });

  it('matches by company name when there is no domain, and prefers the domain when both are given', () => {
    expect(answer({ company: 'Acme, Inc.' }).record_id).toBe(answer({ company: 'ACME' }).record_id);
    expect(answer({ company: 'Acme' }).record_id).not.toBe(answer({ domain: 'acme.com' }).record_id);
    const both = answer({ domain: 'acme.com', company: 'Acme' });
    expect(both.record_id).toBe(answer({ domain: 'acme.com' }).record_id);
    expect(both.confidence).toBeGreaterThan(answer({ domain: 'acme.com' }).confidence);
  });

  it('is surer of a domain than of a name alone, which is sometimes below 0.6', () => {
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        expect(answer({ domain }).confidence).toBeGreaterThanOrEqual(0.65);
      }),
    );
    const byName = Array.from({ length: 200 }, (_, i) => answer({ company: `Company ${i}` }).confidence);
    expect(Math.min(...byName)).toBeGreaterThanOrEqual(0.55);
    expect(byName.some((confidence) => confidence < 0.6)).toBe(true);
  });

  it('answers differently under a different seed', () => {
    expect(answer({ domain: 'acme.com' }, 'seed-b').record_id).not.toBe(answer({ domain: 'acme.com' }).record_id);
  });

  it('keeps attributes in their bands, revenue within one band of headcount', () => {
    fc.assert(
      fc.property(fc.domain(), fc.string({ maxLength: 10 }), (domain, seed) => {
        const result = answer({ domain }, seed);
        const attributes = firmographicsAttributesSchema.parse(result.attributes);
        expect(attributes.founded_year).toBeGreaterThanOrEqual(FOUNDED_YEAR_RANGE.min);
        expect(attributes.founded_year).toBeLessThanOrEqual(FOUNDED_YEAR_RANGE.max);
        const gap = EMPLOYEE_BANDS.indexOf(attributes.employee_band) - REVENUE_BANDS.indexOf(attributes.revenue_band);
        expect(Math.abs(gap)).toBeLessThanOrEqual(1 + (attributes.employee_band === '10001+' ? 1 : 0));
        expect(result.confidence).toBeGreaterThanOrEqual(0.55);
        expect(result.confidence).toBeLessThanOrEqual(0.99);
        firmographicsProvider.responseSchema.parse(result);
      }),
    );
  });

  it('needs a domain or a company, and refuses a bad domain by name', () => {
    const neither = firmographicsProvider.prepare({});
    expect(!neither.success && neither.error.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['domain', 'domain or company is required'],
    ]);
    const bad = firmographicsProvider.prepare({ domain: 'not a domain' });
    expect(!bad.success && bad.error.issues.map((issue) => issue.path.join('.'))).toEqual(['domain']);
  });
});
