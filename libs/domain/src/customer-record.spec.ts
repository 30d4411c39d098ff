import fc from 'fast-check';
import { asciiDomain, canonicalColumn, columnMappingSchema, mapHeader, normalizeEmail, normalizeText, toE164, validateCustomerRecord } from './customer-record';

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
    expect(validateCustomerRecord({ first_name: 'Ada' })).toMatchObject({ ok: false, reason: 'email: is required' });
    expect(validateCustomerRecord({ email: '   ' })).toMatchObject({ ok: false, reason: 'email: is required' });
    expect(validateCustomerRecord({ email: 'not-an-email' })).toMatchObject({ ok: false, reason: 'email: is not a valid email address' });
  });
});

describe('emails (RFC 6531)', () => {
  const email = (value: string) => {
    const result = validateCustomerRecord({ email: value });
    return result.ok ? result.record.email : result.reason;
  };

  it('accepts an internationalised domain, in its IDNA ASCII form for lookups', () => {
    expect(email('user@exämple.de')).toBe('user@xn--exmple-cua.de');
    expect(email('info@bücher.de')).toBe('info@xn--bcher-kva.de');
    expect(email('office@例え.テスト')).toBe('office@xn--r8jz45g.xn--zckzah');
    // The ASCII form a user may also have typed is the same contact.
    expect(email('USER@XN--EXMPLE-CUA.DE')).toBe('user@xn--exmple-cua.de');
  });

  it('accepts a UTF-8 local part, NFC and lower-cased', () => {
    expect(email('θσερ@example.gr')).toBe('θσερ@example.gr');
    expect(email('ΘΣΕΡ@Παράδειγμα.ΕΛ')).toBe(`θσερ@${asciiDomain('παράδειγμα.ελ')}`);
    expect(email('jose\u0301@example.es')).toBe('jos\u00e9@example.es');
    expect(email('用户@例え.テスト')).toBe('用户@xn--r8jz45g.xn--zckzah');
  });

  it('lower-cases an upper-case domain and trims the address', () => {
    expect(email('  Ada.Lovelace+news@EXAMPLE.COM\t')).toBe('ada.lovelace+news@example.com');
  });

  it('refuses what is not an address, naming the column', () => {
    for (const bad of [
      'not-an-email',
      '@example.com',
      'ada@',
      'ada@example',
      'ada lovelace@example.com',
      'ada@exa mple.com',
      'ada@example .com',
      'ada\u00a0l@example.com',
      'ada@@example.com',
      '.ada@example.com',
      'ada.@example.com',
      'a..da@example.com',
      '"ada"@example.com',
      'ada@[192.168.0.1]',
      'ada@192.168.0.1',
      'ada@example.com.',
      'ada@-example.com',
      'ada@exa_mple.com',
      'ada@example.com:25',
      'ada@example.com/path',
      'ada@xn--zz.com', // invalid punycode
      'ada@\u0301example.com', // a label may not start with a combining mark (IDNA)
      'ada@a\u200dexample.com', // ZWJ outside its context (IDNA)
      'ada\u200b@example.com', // zero-width space
      `${'a'.repeat(65)}@example.com`,
    ]) {
      expect([bad, validateCustomerRecord({ email: bad })]).toMatchObject([bad, { ok: false, reason: 'email: is not a valid email address' }]);
    }
  });

  it('takes every A-label the URL parser makes, and only labels that decode back to themselves', () => {
    const unit = fc.oneof(
      fc.constantFrom(...'abz09-'.split('')),
      fc.integer({ min: 0xa0, max: 0x2ffff }).map((code) => String.fromCodePoint(code)),
    );
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 10 }), (label) => {
        let host: string;
        try {
          host = new URL(`http://${label}.com`).hostname;
        } catch {
          return;
        }
        if (/^xn--[a-z0-9-]+\.com$/.test(host) && !host.endsWith('-.com')) expect(asciiDomain(`${label}.com`)).toBe(host);
      }),
      { numRuns: 2000 },
    );
    expect(asciiDomain('xn--exmple-cua.de')).toBe('xn--exmple-cua.de');
    expect(asciiDomain('xn--zz.com')).toBeUndefined(); // not the A-label of anything
    expect(asciiDomain('xn--abc-.com')).toBeUndefined(); // decodes to plain ASCII
    expect(asciiDomain('xn--Bcher-kva.de')).toBe('xn--bcher-kva.de');
  });

  it('normalises idempotently', () => {
    const localChar = fc.constantFrom(...'abcXYZ09.+_-éÉθΣ用\u0301'.split(''));
    const label = fc.string({ unit: fc.constantFrom(...'abcXYZ09-äÖß例\u0301'.split('')), minLength: 1, maxLength: 12 });
    const address = fc
      .tuple(
        fc.string({ unit: localChar, minLength: 1, maxLength: 12 }),
        fc.array(label, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('com', 'DE', 'テスト', 'ελ'),
      )
      .map(([local, labels, tld]) => `${local}@${[...labels, tld].join('.')}`);
    fc.assert(
      fc.property(address, (value) => {
        const once = normalizeEmail(value);
        if (once === undefined) return;
        expect(normalizeEmail(once)).toBe(once);
        expect(once).toBe(once.normalize('NFC'));
        expect(once.slice(once.lastIndexOf('@') + 1)).toMatch(/^[a-z0-9.-]+$/);
      }),
    );
    fc.assert(fc.property(fc.string(), (value) => expect(normalizeText(normalizeText(value))).toBe(normalizeText(value))));
  });
});

describe('text', () => {
  it('NFC-normalises and trims names, company and the other text columns', () => {
    const composed = validateCustomerRecord({
      email: 'a@example.com',
      first_name: 'Jos\u00e9',
      last_name: 'Nu\u00f1ez',
      company: 'Caf\u00e9 GmbH',
      postal_code: '75001',
    });
    const decomposed = validateCustomerRecord({
      email: 'a@example.com',
      first_name: ' Jose\u0301 ',
      last_name: 'Nun\u0303ez\u00a0',
      company: '\tCafe\u0301 GmbH',
      postal_code: ' 75001 ',
    });
    expect(decomposed).toEqual(composed);
    expect(decomposed).toEqual({
      ok: true,
      record: { email: 'a@example.com', first_name: 'José', last_name: 'Nuñez', company: 'Café GmbH', postal_code: '75001' },
    });
    const record = decomposed.ok ? decomposed.record : undefined;
    expect(record?.first_name).toHaveLength(4);
  });
});

describe('phones', () => {
  const phone = (value: string, phoneRegion?: 'GB' | 'US') => {
    const result = validateCustomerRecord({ email: 'a@example.com', phone: value }, { phoneRegion });
    return result.ok ? { phone: result.record.phone, phone_status: result.record.phone_status } : result.reason;
  };

  it('normalises numbers with a country code to E.164', () => {
    expect(phone('+44 20 7946 0001')).toEqual({ phone: '+442079460001' });
    expect(phone('+1 (415) 555-0100')).toEqual({ phone: '+14155550100' });
    expect(phone(' +1-212-555-0123 ')).toEqual({ phone: '+12125550123' });
    expect(toE164('+44 20 7946 0001')).toBe('+442079460001');
  });

  it('reads a number without country code only with a default region', () => {
    expect(phone('(020) 7946 0001')).toEqual({ phone: '(020) 7946 0001', phone_status: 'unparsed' });
    expect(phone('(020) 7946 0001', 'GB')).toEqual({ phone: '+442079460001' });
    expect(phone('(415) 555-0100', 'US')).toEqual({ phone: '+14155550100' });
    // A country code wins over the region.
    expect(phone('+1 415 555 0100', 'GB')).toEqual({ phone: '+14155550100' });
  });

  it('keeps a phone it cannot read as given, flagged, and the row valid', () => {
    expect(phone('call after 5pm')).toEqual({ phone: 'call after 5pm', phone_status: 'unparsed' });
    expect(phone('+44 12')).toEqual({ phone: '+44 12', phone_status: 'unparsed' });
    expect(phone('+1 212 555 0123 ext. 45')).toEqual({ phone: '+1 212 555 0123 ext. 45', phone_status: 'unparsed' });
    expect(validateCustomerRecord({ email: 'a@example.com', phone: 'n/a' })).toEqual({
      ok: true,
      record: { email: 'a@example.com', phone: 'n/a', phone_status: 'unparsed' },
    });
  });

  it('leaves a record without phone unflagged', () => {
    expect(validateCustomerRecord({ email: 'a@example.com', phone: '  ' })).toEqual({ ok: true, record: { email: 'a@example.com' } });
    const result = validateCustomerRecord({ email: 'a@example.com' });
    expect(result.ok && 'phone_status' in result.record).toBe(false);
  });

  it('refuses an unknown default region', () => {
    expect(() => validateCustomerRecord({ email: 'a@example.com' }, { phoneRegion: 'XX' as 'GB' })).toThrow(RangeError);
  });
});
