import { decodeEntities, findField, htmlText } from './html-fields';

describe('html fields', () => {
  it('reads the visible text of a page', () => {
    expect(htmlText('<head><title>x</title></head><p>A &amp; B&nbsp;<b>c</b></p><script>var x = 1;</script>')).toBe('A & B c');
    expect(decodeEntities('&#39;&#x41;&unknown;')).toBe("'A&unknown;");
  });

  it('prefers marked-up facts, nested or not, over guesses from the text', () => {
    const html = '<main><p>Serving customers since 2015.</p><div><p>Founded in <time data-field="founded_year" data-value="1987">1987</time></p></div></main>';
    expect(findField(html, 'founded_year')).toEqual({ value: 1987, evidence: 'markup' });
    expect(findField('<p>Serving customers since 2015.</p>', 'founded_year')).toEqual({ value: 2015, evidence: 'text' });
  });

  it('coerces values to the field type and skips marks that do not fit', () => {
    expect(findField('<span data-field="headcount">about 1,200 people</span>', 'headcount')).toEqual({ value: 1200, evidence: 'markup' });
    expect(findField('<span data-field="headcount">many</span>', 'headcount')).toBeUndefined();
    expect(findField("<a data-field='linkedin_url' href='https://www.linkedin.com/company/acme'>us</a>", 'linkedin_url')).toEqual({
      value: 'https://www.linkedin.com/company/acme',
      evidence: 'markup',
    });
    expect(findField('<meta name="description" content="We make things."><p>hi</p>', 'company_description')).toEqual({
      value: 'We make things.',
      evidence: 'text',
    });
    expect(findField('<p>Industry: Retail. We sell.</p>', 'industry')).toEqual({ value: 'Retail', evidence: 'text' });
    expect(findField('<p>nothing here</p>', 'industry')).toBeUndefined();
  });
});
