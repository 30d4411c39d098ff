import { canonicalColumn, columnMappingSchema, mapHeader, validateCustomerRecord } from './customer-record';

describe('header mapping', () => {
  it('maps aliases, BOMs, case and punctuation to canonical columns', () => {
    expect(canonicalColumn('\uFEFFE-mail Address')).toBe('email');
    expect(canonicalColumn(' Zip ')).toBe('postal_code');
    expect(canonicalColumn('First Name')).toBe('first_name');
    expect(canonicalColumn('favourite colour')).toBeUndefined();
  });

  it('reports missing required columns and ignores unknown or repeated ones', () => {
    expect(mapHeader(['name', 'zip'])).toEqual({ columns: [null, 'postal_code'], missing: ['email'], ignored: ['name'], unmatched: [] });
    const mapping = mapHeader(['email', 'Email', 'notes']);
    expect(mapping.columns).toEqual(['email', null, null]);
    expect(mapping.missing).toEqual([]);
    expect(mapping.ignored).toEqual(['Email', 'notes']);
  });
});

describe('explicit column mapping', () => {
  it('takes mapped columns from the named headers and infers the rest', () => {
    expect(mapHeader(['Contact', 'Email', 'Zip'], { email: 'contact' })).toEqual({
      columns: ['email', null, 'postal_code'],
      missing: [],
      ignored: ['Email'],
      unmatched: [],
    });
  });

  it('reports mapped headers the file does not have', () => {
    expect(mapHeader(['a', 'b'], { email: 'E-Mail Addr' })).toMatchObject({ missing: ['email'], unmatched: ['email → "E-Mail Addr"'] });
  });

  it('validates a mapping, naming unknown columns', () => {
    expect(columnMappingSchema.safeParse({ email: 'Mail' }).success).toBe(true);
    const bad = columnMappingSchema.safeParse({ shoe_size: 'Shoe' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe(
      'unknown column(s) shoe_size; known: customer_id, email, first_name, last_name, postal_code, phone, company, domain',
    );
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
