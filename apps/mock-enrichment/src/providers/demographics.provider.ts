import { z } from 'zod';
import { baseConfidence, defineProvider } from './provider';

/** Age bands, youngest first. */
export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
/** Yearly household income bands (USD), lowest first. */
export const INCOME_BANDS = ['<25k', '25k-50k', '50k-75k', '75k-100k', '100k-150k', '150k-200k', '200k+'] as const;
export const REGIONS = ['US-Northeast', 'US-Midwest', 'US-South', 'US-West'] as const;
export const EDUCATION_LEVELS = ['high_school', 'some_college', 'associate', 'bachelor', 'master', 'doctorate'] as const;
export const MARITAL_STATUSES = ['single', 'married', 'domestic_partnership', 'divorced', 'widowed'] as const;

// Clients often send null for "unknown"; treat it like an absent field.
const optionalText = (max: number) => z.string().trim().max(max).nullish();

/** `POST /v1/providers/demographics/lookup` body. The email is trimmed and lower-cased. */
export const demographicsRequestSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    // RFC 5322 rather than zod's default (a gmail-like subset): real providers accept `o'brien+x@…`.
    .check(z.email({ pattern: z.regexes.rfc5322Email }))
    .meta({ description: 'Identifies the person; trimmed and lower-cased before matching.', example: 'ada@example.com' }),
  first_name: optionalText(100).meta({ description: 'Corroborates the match: raises confidence.' }),
  last_name: optionalText(100).meta({ description: 'Corroborates the match: raises confidence.' }),
  postal_code: optionalText(20).meta({ description: 'Corroborates the match: raises confidence.' }),
});

export type DemographicsRequest = z.output<typeof demographicsRequestSchema>;

export const demographicsAttributesSchema = z.object({
  age_band: z.enum(AGE_BANDS),
  income_band: z.enum(INCOME_BANDS),
  region: z.enum(REGIONS),
  household_size: z.number().int().min(1).max(6),
  home_owner: z.boolean(),
  education: z.enum(EDUCATION_LEVELS),
  marital_status: z.enum(MARITAL_STATUSES),
});

export type DemographicsAttributes = z.output<typeof demographicsAttributesSchema>;

/** A consumer-data provider: who is behind an email address. */
export const demographicsProvider = defineProvider({
  name: 'demographics',
  label: 'mock-demographics',
  recordIdPrefix: 'per',
  schemaName: 'Demographics',
  summary: 'Demographic attributes of the person behind an email address.',
  requestSchema: demographicsRequestSchema,
  attributesSchema: demographicsAttributesSchema,
  recordKey: (request) => request.email,
  answer(request, hash) {
    const corroborating = [request.first_name, request.last_name, request.postal_code].filter(
      (value) => value !== undefined && value !== null && value !== '',
    ).length;
    const ageIndex = hash.integer('age_band', 0, AGE_BANDS.length - 1);
    return {
      // Each matching name or postal code makes the match more certain, as with real identity graphs.
      confidence: baseConfidence(hash, 0.05 * corroborating),
      attributes: {
        age_band: AGE_BANDS[ageIndex] ?? AGE_BANDS[0],
        income_band: hash.pick('income_band', INCOME_BANDS),
        region: hash.pick('region', REGIONS),
        household_size: hash.integer('household_size', 1, 6),
        // Older people own homes more often; keeps demo data plausible.
        home_owner: hash.chance('home_owner', 0.2 + 0.12 * ageIndex),
        education: hash.pick('education', EDUCATION_LEVELS),
        marital_status: hash.pick('marital_status', MARITAL_STATUSES),
      },
    };
  },
});
