import { type CustomerRecord, GROUP_FIELDS } from '@enrich/domain';
import { z } from 'zod';
import type { ProviderAdapter, RequestBody } from '../adapter';
import { companyDomain } from './contact';

/** `{ provider, confidence, attributes }`: the answer of every lookup provider of the platform's own contract. */
const answerSchema = z.object({
  provider: z.string(),
  confidence: z.number(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

const when = (ready: boolean, body: RequestBody): RequestBody | undefined => (ready ? body : undefined);

/** What both demographics vendors are asked: the person behind an email address (a contact without one is not looked up). */
const personRequest = (r: CustomerRecord) =>
  when(Boolean(r.email), { email: r.email, first_name: r.first_name, last_name: r.last_name, postal_code: r.postal_code });

interface PlatformProvider {
  name: string;
  description: string;
  fields: readonly string[];
  request(record: CustomerRecord): RequestBody | undefined;
}

/**
 * An adapter for a lookup provider of the platform's own contract (mock-enrichment): POST
 * `/v1/providers/<name>/lookup` with a JSON request, `{ provider, confidence, attributes }` back,
 * 404 for no record. Billed one credit per answered call.
 */
function platformAdapter({ name, description, fields, request }: PlatformProvider): ProviderAdapter {
  return {
    kind: name,
    description,
    fields,
    auth: { in: 'header', name: 'x-api-key' },
    label: `mock-${name}`,
    defaultCost: { perCall: 1 },
    request,
    call: (body) => ({ method: 'POST', path: `/v1/providers/${name}/lookup`, body }),
    read(body) {
      const answer = answerSchema.parse(body);
      return { kind: 'found', confidence: answer.confidence, attributes: answer.attributes, label: answer.provider };
    },
  };
}

/**
 * The lookup providers of the platform's own contract, by adapter kind (the names the default
 * waterfall uses). A group's second vendor (`people-data`, `company-registry`) answers the same
 * fields, or some of them, from its own records: the waterfall asks it where the first had nothing
 * sure to say.
 */
export const PLATFORM_ADAPTERS: Readonly<Record<string, ProviderAdapter>> = Object.fromEntries(
  [
    platformAdapter({
      name: 'demographics',
      description: 'platform contract: demographics of the person behind an email',
      fields: GROUP_FIELDS.demographics,
      request: personRequest,
    }),
    platformAdapter({
      name: 'people-data',
      description: 'platform contract: second demographics vendor',
      fields: GROUP_FIELDS.demographics,
      request: personRequest,
    }),
    platformAdapter({
      name: 'firmographics',
      description: 'platform contract: firmographics of a company by domain or name',
      fields: GROUP_FIELDS.firmographics,
      request: (r) => when(Boolean(companyDomain(r) || r.company), { domain: companyDomain(r), company: r.company }),
    }),
    platformAdapter({
      name: 'company-registry',
      description: 'platform contract: company registry (no revenue)',
      // A registry files no revenue: the waterfall keeps another vendor's revenue band, or none.
      fields: GROUP_FIELDS.firmographics.filter((field) => field !== 'revenue_band'),
      request: (r) => when(Boolean(r.company), { company: r.company, domain: companyDomain(r) }),
    }),
    platformAdapter({
      name: 'email-finder',
      description: 'platform contract: work email from a name and a company domain',
      fields: ['work_email', 'email_status'],
      request: (r) =>
        when(Boolean(r.first_name && r.last_name && companyDomain(r)), { first_name: r.first_name, last_name: r.last_name, domain: companyDomain(r) }),
    }),
    platformAdapter({
      name: 'phone-finder',
      description: 'platform contract: phone number of a person',
      fields: ['phone', 'line_type'],
      request: (r) => ({ email: r.email, first_name: r.first_name, last_name: r.last_name, company: r.company }),
    }),
  ].map((adapter) => [adapter.kind, adapter]),
);
