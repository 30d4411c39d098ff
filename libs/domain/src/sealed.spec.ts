import { GROUP_FIELDS } from './enrichment';
import { isPersonalEnrichedField, isSealed, PERSONAL_CUSTOMER_FIELDS, PERSONAL_ENRICHED_FIELDS } from './sealed';

/**
 * Enriched fields deliberately left open at rest (see `PERSONAL_ENRICHED_FIELDS`): statuses,
 * coarse demographic bands and company facts.
 */
const OPEN_ENRICHED_FIELDS = [
  'age_band',
  'income_band',
  'region',
  'household_size',
  'home_owner',
  'education',
  'marital_status',
  'industry',
  'employee_band',
  'revenue_band',
  'founded_year',
  'hq_country',
  'email_status',
  'line_type',
  'company_description',
  'headcount',
  'linkedin_url',
];

describe('PERSONAL_ENRICHED_FIELDS', () => {
  const catalog = [...new Set(Object.values(GROUP_FIELDS).flat())];

  it('classifies every enriched field of the catalog as personal (sealed at rest) or open, and only those', () => {
    const unclassified = catalog.filter((field) => !isPersonalEnrichedField(field) && !OPEN_ENRICHED_FIELDS.includes(field));
    expect(unclassified).toEqual([]);
    expect(PERSONAL_ENRICHED_FIELDS.filter((field) => OPEN_ENRICHED_FIELDS.includes(field))).toEqual([]);
    expect([...PERSONAL_ENRICHED_FIELDS, ...OPEN_ENRICHED_FIELDS].filter((field) => !catalog.includes(field))).toEqual([]);
  });

  it('counts an enriched field named like a personal customer column as personal', () => {
    const sameName = catalog.filter((field) => (PERSONAL_CUSTOMER_FIELDS as readonly string[]).includes(field));
    expect(sameName.length).toBeGreaterThan(0);
    expect(sameName.every(isPersonalEnrichedField)).toBe(true);
  });

  it('names the work email and the phone', () => {
    expect(isPersonalEnrichedField('work_email')).toBe(true);
    expect(isPersonalEnrichedField('phone')).toBe(true);
    expect(isPersonalEnrichedField('email_status')).toBe(false);
    expect(isPersonalEnrichedField('age_band')).toBe(false);
  });
});

describe('isSealed', () => {
  it('tells a sealed value from plain values, old plaintext results included', () => {
    expect(isSealed({ $sealed: 1, kid: 'k', wk: 'AA==', iv: 'AA==', ct: 'AA==' })).toBe(true);
    for (const plain of ['ada@acme.com', '+14155550142', 3, true, null, { $sealed: 2, kid: 'k', wk: 'AA==', iv: 'AA==', ct: 'AA==' }]) {
      expect(isSealed(plain)).toBe(false);
    }
  });
});
