import { RecordHash } from '../record-hash';
import {
  companyFacts,
  companySlug,
  displayName,
  normalizeUrl,
  PAGE_FIELDS,
  PAGE_KINDS,
  pageUrl,
  parsePageUrl,
  renderPage,
  slugFromDomain,
} from './company-web';
import { findField } from './html-fields';

const hash = RecordHash.of('seed-a', 'test', 'any');

describe('company web', () => {
  it('turns names and domains into host-safe slugs', () => {
    expect(companySlug('Acme Widgets, Inc.')).toBe('acme-widgets');
    expect(companySlug('Café Müller GmbH')).toBe('cafe-muller');
    expect(companySlug('株式会社')).toBeUndefined();
    expect(slugFromDomain('acme.com')).toBe('acme');
    expect(slugFromDomain('shop.acme.co.uk')).toBe('acme');
    expect(displayName('acme-widgets')).toBe('Acme Widgets');
  });

  it('maps every page URL back to its company and page, and nothing else', () => {
    for (const kind of PAGE_KINDS) expect(parsePageUrl(pageUrl('acme', kind))).toEqual({ slug: 'acme', kind });
    expect(parsePageUrl('HTTP://WWW.Acme.example/about/?utm=x#top')).toEqual({ slug: 'acme', kind: 'about' });
    expect(normalizeUrl('http://www.Acme.example/about/?utm=x')).toBe('https://acme.example/about');
    for (const url of [
      'https://acme.com/about',
      'https://acme.example/secret',
      'https://a.b.example/',
      'https://linkedin.example/in/ada',
      'ftp://acme.example/',
    ]) {
      expect(parsePageUrl(url)).toBeUndefined();
    }
  });

  it('puts on each page exactly the facts it is meant to carry, as markup', () => {
    const facts = companyFacts(hash, 'acme');
    expect(companyFacts(RecordHash.of('seed-a', 'other', 'x'), 'acme')).toEqual(facts);
    expect(companyFacts(RecordHash.of('seed-b', 'test', 'any'), 'acme')).not.toEqual(facts);
    const expected = {
      company_description: facts.description,
      industry: facts.industry,
      headcount: facts.headcount,
      founded_year: facts.foundedYear,
      linkedin_url: facts.linkedinUrl,
    };
    for (const kind of PAGE_KINDS) {
      const html = renderPage(facts, kind);
      for (const field of Object.keys(expected) as Array<keyof typeof expected>) {
        const found = findField(html, field);
        if (PAGE_FIELDS[kind].includes(field)) expect(found).toEqual({ value: expected[field], evidence: 'markup' });
        else expect(found?.evidence).not.toBe('markup');
      }
    }
  });
});
