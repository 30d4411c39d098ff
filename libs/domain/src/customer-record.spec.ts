import { canonicalColumn, mapHeader, validateCustomerRecord } from './customer-record';

describe('header mapping', () => {
  it('maps aliases, BOMs, case and punctuation to canonical columns', () => {
    expect(canonicalColumn('\uFEFFE-mail Address')).toBe('email');
    expect(canonicalColumn(' Zip ')).toBe('postal_code');
    expect(canonicalColumn('First Name')).toBe('first_name');
    expect(canonicalColumn('favourite colour')).toBeUndefined();
  });

  it('reports missing required columns and ignores unknown or repeated ones', () => {
    expect(mapHeader(['name', 'zip'])).toEqual({ columns: [null, 'postal_code'], missing: ['email'], ignored: ['name'] });
    const mapping = mapHeader(['email', 'Email', 'notes']);
    expect(mapping.columns).toEqual(['email', null, null]);
    expect(mapping.missing).toEqual([]);
    expect(mapping.ignored).toEqual(['Email', 'notes']);
  });
});

describe('validateCustomerRecord', () => {
  it('trims, lower-cases the email and drops empty optionals', () => {
    expect(validateCustomerRecord({ email: '  Ada@Example.COM ', first_name: ' Ada ', last_name: '' })).toEqual({
      ok: true,
      record: { email: 'ada@example.com', first_name: 'Ada', last_name: undefined },
    });
  });

  it('names the column when the email is missing or malformed', () => {
    expect(validateCustomerRecord({ first_name: 'Ada' })).toEqual({ ok: false, reason: 'email: is required' });
    expect(validateCustomerRecord({ email: '   ' })).toEqual({ ok: false, reason: 'email: is required' });
    expect(validateCustomerRecord({ email: 'not-an-email' })).toEqual({ ok: false, reason: 'email: is not a valid email address' });
  });
});
