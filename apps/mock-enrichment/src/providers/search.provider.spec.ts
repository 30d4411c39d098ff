import { RecordHash } from '../record-hash';
import { PAGE_FIELDS, parsePageUrl, type WebField } from './company-web';
import { searchProvider, searchSlug } from './search.provider';

function results(body: unknown): Array<{ url: string; rank: number }> {
  const prepared = searchProvider.prepare(body);
  if (!prepared.success) throw new Error(prepared.error.message);
  const answer = prepared.lookup.answer(RecordHash.of('seed-a', searchProvider.name, prepared.lookup.key));
  if (answer === undefined) throw new Error('no answer');
  return answer.results;
}

describe('search provider', () => {
  it('finds the company by domain, then name, then the query', () => {
    expect(searchSlug({ query: 'x', domain: 'https://www.globex.co.uk', company: 'Acme' })).toBe('globex');
    expect(searchSlug({ query: 'x', company: 'Acme, Inc.' })).toBe('acme');
    expect(searchSlug({ query: 'Acme Widgets founded year' })).toBe('acme-widgets');
    expect(searchSlug({ query: 'when was it founded' })).toBe('it');
    expect(searchSlug({ query: 'founded year' })).toBeUndefined();
  });

  it.each<[WebField, string]>([
    ['company_description', 'description'],
    ['industry', 'industry'],
    ['headcount', 'headcount'],
    ['headcount', 'employees'],
    ['founded_year', 'founded'],
    ['linkedin_url', 'linkedin'],
  ])('ranks first a page carrying %s for a query with %j', (field, word) => {
    for (const company of ['Acme', 'Globex', 'Initech', 'Umbrella']) {
      const top = parsePageUrl(results({ query: `${company} ${word}` })[0]?.url ?? '');
      expect(top && PAGE_FIELDS[top.kind]).toContain(field);
    }
  });

  it('ranks the home page first for a generic query, 5 to 8 results ranked 1..n', () => {
    for (const company of ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark']) {
      const found = results({ query: company });
      expect(found[0]?.url).toBe(`https://${company.toLowerCase()}.example/`);
      expect(found.map((result) => result.rank)).toEqual(found.map((_, index) => index + 1));
      expect(found.length).toBeGreaterThanOrEqual(5);
      expect(found.length).toBeLessThanOrEqual(8);
      expect(results({ query: ` ${company.toUpperCase()}! ` })).toEqual(found);
    }
  });
});
