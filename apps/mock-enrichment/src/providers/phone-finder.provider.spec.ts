import fc from 'fast-check';
import { RecordHash } from '../record-hash';
import { E164, phoneFinderAttributesSchema, phoneFinderProvider } from './phone-finder.provider';
import type { LookupAnswer } from './provider';

function answer(body: unknown, seed = 'seed-a'): LookupAnswer {
  const prepared = phoneFinderProvider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  return prepared.lookup.answer(RecordHash.of(seed, phoneFinderProvider.name, prepared.lookup.key));
}

const issues = (body: unknown): string[][] => {
  const prepared = phoneFinderProvider.prepare(body);
  return prepared.success ? [] : prepared.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
};

describe('phone-finder provider', () => {
  it('finds a person by email or by name and company, the same for every spelling', () => {
    const byEmail = answer({ email: ' Ada@Acme.com ' });
    expect(answer({ email: 'ada@acme.com' })).toEqual(byEmail);
    const byName = answer({ first_name: 'Ada', last_name: 'Lovelace', company: 'Acme, Inc.' });
    expect(answer({ first_name: 'ada', last_name: ' LOVELACE', company: 'ACME' })).toEqual(byName);
    expect(byName.provider).toBe('mock-phone-finder');
    // Names only corroborate an email: same record, more confidence.
    const both = answer({ email: 'ada@acme.com', first_name: 'Ada', last_name: 'Lovelace', company: 'Acme' });
    expect(both.record_id).toBe(byEmail.record_id);
    expect(both.confidence).toBeGreaterThan(byEmail.confidence);
  });

  it('answers E.164 numbers from fictional ranges and every line type', () => {
    const lineTypes = new Set<string>();
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ maxLength: 8 }), (email, seed) => {
        const result = answer({ email }, seed);
        phoneFinderProvider.responseSchema.parse(result);
        const { phone, line_type } = phoneFinderAttributesSchema.parse(result.attributes);
        expect(phone).toMatch(E164);
        expect(phone).toMatch(/^(\+1\d{3}55501\d{2}|\+447700900\d{3}|\+442079460\d{3})$/);
        lineTypes.add(line_type);
      }),
      { numRuns: 300 },
    );
    expect([...lineTypes].sort()).toEqual(['landline', 'mobile', 'voip']);
  });

  it('needs an email, or first_name, last_name and company, naming what is missing', () => {
    expect(issues({})).toEqual([['email', 'email, or first_name, last_name and company, is required']]);
    expect(issues({ first_name: 'Ada', company: 'Acme' })).toEqual([['last_name', 'is required when no email is given']]);
    expect(issues({ email: 'nope' }).map(([path]) => path)).toEqual(['email']);
    expect(issues({ email: 'ada@acme.com', first_name: null })).toEqual([]);
  });
});
