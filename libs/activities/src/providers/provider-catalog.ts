import { type CustomerRecord, GROUP_FIELDS } from '@enrich/domain';
import type { LookupProviderSpec, RequestBody } from './http-lookup.client';

/** The company's web domain: the file's domain column, else a work email's domain. */
function companyDomain(record: CustomerRecord): string | undefined {
  if (record.domain) return record.domain;
  const domain = record.email?.split('@')[1];
  return domain && !FREEMAIL.has(domain) ? domain : undefined;
}

const FREEMAIL = new Set(['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'proton.me', 'gmx.de', 'web.de']);

const when = (ready: boolean, body: RequestBody): RequestBody | undefined => (ready ? body : undefined);

/** What both demographics vendors are asked: the person behind an email address (a contact without one is not looked up). */
const personRequest: LookupProviderSpec['request'] = (r) =>
  when(Boolean(r.email), { email: r.email, first_name: r.first_name, last_name: r.last_name, postal_code: r.postal_code });

/**
 * The lookup providers the platform knows, by registry name (the mock-enrichment contract). A
 * group's second vendor (`people-data`, `company-registry`) answers the same fields, or some of
 * them, from its own records: the waterfall asks it where the first had nothing sure to say.
 */
export const PROVIDER_CATALOG: Readonly<Record<string, LookupProviderSpec>> = {
  demographics: {
    name: 'demographics',
    path: '/v1/providers/demographics/lookup',
    fields: GROUP_FIELDS.demographics,
    request: personRequest,
  },
  'people-data': {
    name: 'people-data',
    path: '/v1/providers/people-data/lookup',
    fields: GROUP_FIELDS.demographics,
    request: personRequest,
  },
  firmographics: {
    name: 'firmographics',
    path: '/v1/providers/firmographics/lookup',
    fields: GROUP_FIELDS.firmographics,
    request: (r) => when(Boolean(companyDomain(r) || r.company), { domain: companyDomain(r), company: r.company }),
  },
  'company-registry': {
    name: 'company-registry',
    path: '/v1/providers/company-registry/lookup',
    // A registry files no revenue: the waterfall keeps another vendor's revenue band, or none.
    fields: GROUP_FIELDS.firmographics.filter((field) => field !== 'revenue_band'),
    request: (r) => when(Boolean(r.company), { company: r.company, domain: companyDomain(r) }),
  },
  'email-finder': {
    name: 'email-finder',
    path: '/v1/providers/email-finder/lookup',
    fields: ['work_email', 'email_status'],
    request: (r) =>
      when(Boolean(r.first_name && r.last_name && companyDomain(r)), { first_name: r.first_name, last_name: r.last_name, domain: companyDomain(r) }),
  },
  'phone-finder': {
    name: 'phone-finder',
    path: '/v1/providers/phone-finder/lookup',
    fields: ['phone', 'line_type'],
    request: (r) => ({ email: r.email, first_name: r.first_name, last_name: r.last_name, company: r.company }),
  },
};
