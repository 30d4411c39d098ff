import {
  AGE_BANDS,
  demographicsAttributesSchema,
  demographicsRequestSchema,
  EDUCATION_LEVELS,
  INCOME_BANDS,
  MARITAL_STATUSES,
  REGIONS,
} from './demographics.provider';
import { confidenceIn, defineProvider } from './provider';

const present = (value: string | null | undefined): boolean => value !== undefined && value !== null && value !== '';

const clampIndex = (index: number, length: number): number => Math.min(length - 1, Math.max(0, index));

/**
 * A second consumer-data vendor, an identity graph: the same question and attributes as
 * `demographics`, but its own records (a record unknown to one is often known to the other, since
 * the not-found decision hashes the provider name) and its own confidence profile. It never
 * answers an email alone below 0.6, and a matching name counts for more than a postal code, so it is
 * the vendor a waterfall asks when the first one has no record or is unsure.
 */
export const peopleDataProvider = defineProvider({
  name: 'people-data',
  label: 'mock-people-data',
  recordIdPrefix: 'per',
  schemaName: 'PeopleData',
  summary: 'Demographic attributes of the person behind an email address, from a second vendor (an identity graph).',
  requestSchema: demographicsRequestSchema,
  attributesSchema: demographicsAttributesSchema,
  recordKey: (request) => request.email,
  answer(request, hash) {
    const names = [request.first_name, request.last_name].filter(present).length;
    const postalCode = present(request.postal_code) ? 1 : 0;
    const ageIndex = hash.integer('age_band', 0, AGE_BANDS.length - 1);
    const educationIndex = hash.integer('education', 0, EDUCATION_LEVELS.length - 1);
    // Income follows education within two bands either way, as in census tables.
    const incomeIndex = clampIndex(educationIndex + hash.integer('income_band', -2, 2), INCOME_BANDS.length);
    // Nobody under 25 is widowed or divorced in this graph, and couples live in bigger households.
    const marital = ageIndex === 0 ? hash.pick('marital_status', ['single', 'domestic_partnership'] as const) : hash.pick('marital_status', MARITAL_STATUSES);
    const couple = marital === 'married' || marital === 'domestic_partnership';
    return {
      // At most 0.80 + 0.16 + 0.03 = 0.99.
      confidence: confidenceIn(hash, 'confidence', 0.6, 0.8) + 0.08 * names + 0.03 * postalCode,
      attributes: {
        age_band: AGE_BANDS[ageIndex] ?? AGE_BANDS[0],
        income_band: INCOME_BANDS[incomeIndex] ?? INCOME_BANDS[0],
        region: hash.pick('region', REGIONS),
        household_size: couple ? hash.integer('household_size', 2, 6) : hash.integer('household_size', 1, 4),
        home_owner: hash.chance('home_owner', 0.15 + 0.13 * ageIndex),
        education: EDUCATION_LEVELS[educationIndex] ?? EDUCATION_LEVELS[0],
        marital_status: marital,
      },
    };
  },
});
