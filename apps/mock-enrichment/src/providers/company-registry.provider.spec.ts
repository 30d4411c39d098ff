import fc from 'fast-check';
import { RecordHash } from '../record-hash';
import { companyRegistryAttributesSchema, companyRegistryProvider } from './company-registry.provider';
import { firmographicsProvider, normalizeCompany } from './firmographics.provider';
import type { LookupAnswer, MockProvider } from './provider';

function answer(body: unknown, seed = 'seed-a', provider: MockProvider<LookupAnswer> = companyRegistryProvider): LookupAnswer {
  const prepared = provider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  return prepared.lookup.answer(RecordHash.of(seed, provider.name, prepared.lookup.key));
}

const companies = Array.from({ length: 200 }, (_, i) => `Company ${i} Holdings`);

describe('company-registry provider', () => {
  it('finds a company by its name however it is spelled; a domain only corroborates', () => {
    const base = answer({ company: 'Acme, Inc.' });
    expect(JSON.stringify(answer({ company: '  ACME ' }))).toBe(JSON.stringify(base));
    expect(base).toMatchObject({ provider: 'mock-company-registry', record_id: expect.stringMatching(/^org_[0-9a-f]{24}$/) });
    const corroborated = answer({ company: 'Acme', domain: 'https://www.acme.com' });
    expect(corroborated.record_id).toBe(base.record_id);
    expect(corroborated.attributes).toEqual(base.attributes);
    expect(corroborated.confidence).toBeGreaterThan(base.confidence);
    expect(answer({ company: 'Acme' }, 'seed-b').record_id).not.toBe(base.record_id);
  });

  it('knows no revenue, and answers at 0.6 or more where firmographics is sometimes below for a name alone', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }).filter((name) => normalizeCompany(name) !== ''),
        fc.string({ maxLength: 10 }),
        (company, seed) => {
          const result = answer({ company }, seed);
          companyRegistryProvider.responseSchema.parse(result);
          expect(Object.keys(companyRegistryAttributesSchema.parse(result.attributes)).sort()).toEqual([
            'employee_band',
            'founded_year',
            'hq_country',
            'industry',
          ]);
          expect(result.confidence).toBeGreaterThanOrEqual(0.6);
          expect(result.confidence).toBeLessThanOrEqual(0.95);
        },
      ),
    );
    const firstVendor = companies.map((company) => answer({ company }, 'seed-a', firmographicsProvider).confidence);
    expect(firstVendor.filter((confidence) => confidence < 0.6).length).toBeGreaterThan(0);
  });

  it('needs a company name and refuses a bad domain, naming the fields', () => {
    const issues = (body: unknown) => {
      const prepared = companyRegistryProvider.prepare(body);
      return prepared.success ? [] : prepared.error.issues.map((issue) => issue.path.join('.'));
    };
    expect(issues({ domain: 'acme.com' })).toEqual(['company']);
    expect(issues({ company: '---' })).toEqual(['company']);
    expect(issues({ company: 'Acme', domain: 'not a domain' })).toEqual(['domain']);
  });
});
