import fc from 'fast-check';
import { RecordHash } from '../record-hash';
import { emailFinderAttributesSchema, emailFinderProvider, emailNamePart, localPart } from './email-finder.provider';
import type { LookupAnswer } from './provider';

function answer(body: unknown, seed = 'seed-a'): LookupAnswer {
  const prepared = emailFinderProvider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  return prepared.lookup.answer(RecordHash.of(seed, emailFinderProvider.name, prepared.lookup.key));
}

const issues = (body: unknown): string[][] => {
  const prepared = emailFinderProvider.prepare(body);
  return prepared.success ? [] : prepared.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
};

describe('email-finder provider', () => {
  it('builds local parts from names under each pattern', () => {
    expect(emailNamePart(" José-O'Brien ")).toBe('joseobrien');
    expect(localPart('first.last', 'ada', 'lovelace')).toBe('ada.lovelace');
    expect(localPart('flast', 'ada', 'lovelace')).toBe('alovelace');
    expect(localPart('firstl', 'ada', 'lovelace')).toBe('adal');
    expect(localPart('first_last', 'ada', 'lovelace')).toBe('ada_lovelace');
    expect(localPart('lastf', 'ada', 'lovelace')).toBe('lovelacea');
    expect(localPart('first', 'ada', 'lovelace')).toBe('ada');
  });

  it('answers the same bytes for every spelling of the same person and domain', () => {
    const base = JSON.stringify(answer({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com' }));
    expect(JSON.stringify(answer({ first_name: ' ADA ', last_name: 'lovelace', domain: 'https://www.acme.com/team' }))).toBe(base);
    expect(JSON.parse(base)).toMatchObject({ provider: 'mock-email-finder', record_id: expect.stringMatching(/^per_[0-9a-f]{24}$/) });
    expect(answer({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com' }, 'seed-b').record_id).not.toBe(JSON.parse(base).record_id);
  });

  it('uses one address pattern per domain, at that domain', () => {
    const people = [
      ['Ada', 'Lovelace'],
      ['Grace', 'Hopper'],
      ['Alan', 'Turing'],
    ] as const;
    for (const domain of ['acme.com', 'globex.io', 'initech.co.uk', 'umbrella.org']) {
      const shapes = new Set(
        people.map(([first, last]) => {
          const { work_email } = emailFinderAttributesSchema.parse(answer({ first_name: first, last_name: last, domain }).attributes);
          expect(work_email.endsWith(`@${domain}`)).toBe(true);
          const local = work_email.split('@')[0] ?? '';
          return local
            .replace(first.toLowerCase(), 'F')
            .replace(last.toLowerCase(), 'L')
            .replace(first.charAt(0).toLowerCase(), 'f')
            .replace(last.charAt(0).toLowerCase(), 'l');
        }),
      );
      expect(shapes.size).toBe(1);
    }
  });

  it('gives risky addresses lower confidence than valid ones, all schema-valid', () => {
    const byStatus: Record<string, number[]> = { valid: [], risky: [], unknown: [] };
    fc.assert(
      fc.property(fc.domain(), fc.stringMatching(/^[A-Za-z]{1,12}$/), fc.stringMatching(/^[A-Za-z]{1,12}$/), (domain, first, last) => {
        const result = answer({ first_name: first, last_name: last, domain });
        emailFinderProvider.responseSchema.parse(result);
        const { email_status } = emailFinderAttributesSchema.parse(result.attributes);
        byStatus[email_status]?.push(result.confidence);
      }),
      { numRuns: 300 },
    );
    expect(byStatus.risky?.length).toBeGreaterThan(0);
    expect(byStatus.valid?.length).toBeGreaterThan(0);
    expect(Math.max(...(byStatus.risky ?? []))).toBeLessThan(Math.min(...(byStatus.valid ?? [])));
  });

  it('needs first_name, last_name and a domain, naming each missing one', () => {
    expect(
      issues({})
        .map(([path]) => path)
        .sort(),
    ).toEqual(['domain', 'first_name', 'last_name']);
    expect(issues({ first_name: '!!', last_name: 'Lovelace', domain: 'acme' })).toEqual([
      ['first_name', 'must contain letters or digits'],
      ['domain', 'must be a domain such as acme.com'],
    ]);
  });
});
