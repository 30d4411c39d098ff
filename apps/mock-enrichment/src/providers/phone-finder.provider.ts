import { z } from 'zod';
import type { RecordHash } from '../record-hash';
import { normalizeCompany } from './firmographics.provider';
import { baseConfidence, defineProvider } from './provider';

export const LINE_TYPES = ['mobile', 'landline', 'voip'] as const;
export type LineType = (typeof LINE_TYPES)[number];

/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** US area codes for the simulated numbers. */
const US_AREA_CODES = ['212', '312', '415', '512', '617', '206', '303', '404', '305', '702'] as const;

/**
 * A fictional number: the ranges set aside for drama (US `555-01xx`, UK Ofcom `07700 900xxx` and
 * `020 7946 0xxx`), so that no generated number can ring a real person.
 */
function fictionalNumber(hash: RecordHash, lineType: LineType): string {
  const last3 = String(hash.integer('phone_digits', 0, 999)).padStart(3, '0');
  if (hash.integer('phone_country', 0, 9) < 7) {
    return `+1${hash.pick('area_code', US_AREA_CODES)}55501${last3.slice(1)}`;
  }
  return lineType === 'mobile' ? `+447700900${last3}` : `+442079460${last3}`;
}

// Clients often send null for "unknown"; treat it like an absent field.
const optionalText = (max: number, description: string) => z.string().trim().max(max).nullish().meta({ description });

const present = (value: string | null | undefined): value is string => value !== undefined && value !== null && value !== '';

/** `POST /v1/providers/phone-finder/lookup` body: an email, or first name, last name and company. */
export const phoneFinderRequestSchema = z
  .object({
    email: z
      .string()
      .trim()
      .toLowerCase()
      .check(z.email({ pattern: z.regexes.rfc5322Email }))
      .nullish()
      .meta({ description: 'Identifies the person; with it, names and company only corroborate.', example: 'ada@acme.com' }),
    first_name: optionalText(100, 'With last_name and company, identifies the person when there is no email.'),
    last_name: optionalText(100, 'With first_name and company, identifies the person when there is no email.'),
    company: optionalText(200, 'With first_name and last_name, identifies the person when there is no email.'),
  })
  .superRefine((request, context) => {
    if (present(request.email)) return;
    const missing = (['first_name', 'last_name', 'company'] as const).filter((field) => !present(request[field]));
    if (missing.length === 3) {
      context.addIssue({ code: 'custom', path: ['email'], message: 'email, or first_name, last_name and company, is required' });
      return;
    }
    for (const field of missing) {
      context.addIssue({ code: 'custom', path: [field], message: 'is required when no email is given' });
    }
  })
  .meta({ description: 'An email, or first_name + last_name + company.' });

export type PhoneFinderRequest = z.output<typeof phoneFinderRequestSchema>;

export const phoneFinderAttributesSchema = z.object({
  phone: z.string().regex(E164).meta({ description: 'E.164, from fictional ranges only.', example: '+14155550142' }),
  line_type: z.enum(LINE_TYPES),
});

export type PhoneFinderAttributes = z.output<typeof phoneFinderAttributesSchema>;

const nameKey = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ');

/** Finds the direct phone number of a person by email, or by name and company. */
export const phoneFinderProvider = defineProvider({
  name: 'phone-finder',
  label: 'mock-phone-finder',
  recordIdPrefix: 'per',
  schemaName: 'PhoneFinder',
  summary: 'Direct phone number of a person by email, or by name and company.',
  requestSchema: phoneFinderRequestSchema,
  attributesSchema: phoneFinderAttributesSchema,
  recordKey(request) {
    if (present(request.email)) return `email:${request.email}`;
    // The schema guarantees all three when there is no email.
    return `name:${nameKey(request.first_name ?? '')}\0${nameKey(request.last_name ?? '')}\0${normalizeCompany(request.company ?? '')}`;
  },
  answer(request, hash) {
    const roll = hash.fraction('line_type');
    const lineType: LineType = roll < 0.55 ? 'mobile' : roll < 0.85 ? 'landline' : 'voip';
    const corroborating = [request.first_name, request.last_name, request.company].filter(present).length;
    // An email is a stronger key than a name at a company; names and company add a little on top.
    const bonus = present(request.email) ? 0.08 + 0.02 * corroborating : 0;
    return {
      confidence: baseConfidence(hash, bonus),
      attributes: { phone: fictionalNumber(hash, lineType), line_type: lineType },
    };
  },
});
