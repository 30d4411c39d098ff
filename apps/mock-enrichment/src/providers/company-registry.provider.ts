import { z } from 'zod';
import {
  EMPLOYEE_BANDS,
  firmographicsAttributesSchema,
  FOUNDED_YEAR_RANGE,
  HQ_COUNTRIES,
  INDUSTRIES,
  normalizeCompany,
  normalizeDomain,
} from './firmographics.provider';
import { confidenceIn, defineProvider } from './provider';

/** `POST /v1/providers/company-registry/lookup` body: the company's name, and its domain if known. */
export const companyRegistryRequestSchema = z.object({
  company: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((value) => normalizeCompany(value) !== '', 'must contain letters or digits')
    .meta({ description: 'Company name; case, punctuation and legal forms are ignored.', example: 'Acme, Inc.' }),
  domain: z
    .string()
    .refine((value) => normalizeDomain(value) !== undefined, 'must be a domain such as acme.com')
    .nullish()
    .meta({ description: 'Company domain or website URL: corroborates the match, raising confidence.', example: 'acme.com' }),
});

export type CompanyRegistryRequest = z.output<typeof companyRegistryRequestSchema>;

/** What a registry filing says: the firmographic fields but no revenue, which private companies rarely file. */
export const companyRegistryAttributesSchema = firmographicsAttributesSchema.omit({ revenue_band: true });

export type CompanyRegistryAttributes = z.output<typeof companyRegistryAttributesSchema>;

/**
 * A second company-data vendor, a business registry: it finds companies by name (a domain only
 * corroborates) and knows most firmographic fields but not revenue, so after it a waterfall still
 * keeps the first vendor's revenue band. Its records are its own (see the not-found knob), and it
 * never answers below 0.6: a registry entry is a fact, the doubt is only whether it is this company.
 */
export const companyRegistryProvider = defineProvider({
  name: 'company-registry',
  label: 'mock-company-registry',
  recordIdPrefix: 'org',
  schemaName: 'CompanyRegistry',
  summary: 'Company attributes from a business registry, by company name (no revenue).',
  requestSchema: companyRegistryRequestSchema,
  attributesSchema: companyRegistryAttributesSchema,
  recordKey: (request) => normalizeCompany(request.company),
  answer(request, hash) {
    return {
      confidence: confidenceIn(hash, 'confidence', 0.6, 0.85) + (request.domain ? 0.1 : 0),
      attributes: {
        industry: hash.pick('industry', INDUSTRIES),
        employee_band: hash.pick('employee_band', EMPLOYEE_BANDS),
        // Registries know when a company was incorporated; drawn from the fixed range, never the clock.
        founded_year: hash.integer('founded_year', FOUNDED_YEAR_RANGE.min, FOUNDED_YEAR_RANGE.max),
        hq_country: hash.pick('hq_country', HQ_COUNTRIES),
      },
    };
  },
});
