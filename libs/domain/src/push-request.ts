import { z } from 'zod';
import { type CustomerColumn, type CustomerRecord, validateCustomerRecord } from './customer-record';
import { type EnrichmentGroup, GROUP_FIELDS, RESEARCH_GROUPS } from './enrichment';

/**
 * Push requests: contacts sent to `POST /v1/enrichment-requests` in the body of the "Data
 * Enrichment Service" design — `{ erid, contact_list, fields_to_be_enriched }` — grouped by their
 * enrichment request id (`erid`) into one output.
 */

/** An erid: chosen by the caller, unique per tenant, safe in URLs and logs. */
export const eridSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, dots, dashes, underscores or colons, starting with a letter or digit');

/** Contacts in one request at most (a bigger list is a 413: send several requests with the same erid). */
export const MAX_CONTACTS_PER_REQUEST = 1_000;

/**
 * The design's contact attributes and the platform's column each one feeds. Also accepted under the
 * platform's own column names.
 */
export const CONTACT_ATTRIBUTES: Readonly<Record<string, CustomerColumn>> = {
  contact_id: 'customer_id',
  customer_id: 'customer_id',
  first_name: 'first_name',
  last_name: 'last_name',
  email: 'email',
  personal_email: 'email',
  phone: 'phone',
  phone_number: 'phone',
  company_name: 'company',
  company: 'company',
  company_domain: 'domain',
  domain: 'domain',
  postal_code: 'postal_code',
  zip: 'postal_code',
};

/** The columns a push request's cells are kept under, in this order (what its CSV export starts with). */
export const PUSH_COLUMNS: readonly CustomerColumn[] = ['customer_id', 'first_name', 'last_name', 'email', 'phone', 'company', 'domain', 'postal_code'];

/**
 * Names a request may put in `fields_to_be_enriched`, with the group and field each one means: the
 * design's names (`professional_email`, `phone_number`, …) and the platform's own field names.
 */
export const PUSH_FIELDS: Readonly<Record<string, { group: EnrichmentGroup; field: string }>> = {
  professional_email: { group: 'contact', field: 'work_email' },
  work_email: { group: 'contact', field: 'work_email' },
  email_status: { group: 'contact', field: 'email_status' },
  phone_number: { group: 'contact', field: 'phone' },
  phone: { group: 'contact', field: 'phone' },
  phone_line_type: { group: 'contact', field: 'line_type' },
  line_type: { group: 'contact', field: 'line_type' },
  company_industry: { group: 'firmographics', field: 'industry' },
  company_size: { group: 'firmographics', field: 'employee_band' },
  company_revenue: { group: 'firmographics', field: 'revenue_band' },
  ...Object.fromEntries(
    (['demographics', 'firmographics'] as const).flatMap((group) => GROUP_FIELDS[group].map((field) => [field, { group, field }] as const)),
  ),
};

/** The groups a push request's fields need (each group enriched whole, as for CSV jobs), in a stable order. */
export function pushGroups(fields: readonly string[]): EnrichmentGroup[] {
  const groups = new Set(fields.map((name) => (PUSH_FIELDS[name] as { group: EnrichmentGroup }).group));
  return [...groups].sort();
}

const contactSchema = z.record(z.string(), z.union([z.string(), z.number()]).nullable());

/** A push request's body as the design writes it. Field-level checks are in {@link parsePushRequest}. */
export const pushRequestBodySchema = z
  .object({
    erid: eridSchema,
    contact_list: z.array(contactSchema).min(1, 'must hold at least one contact'),
    fields_to_be_enriched: z.array(z.string()).min(1, 'must name at least one field'),
    /** Credits the erid may spend at its vendors (read when the erid starts; raise it later through its credits route). */
    max_credits: z.number().positive().max(1e12).optional(),
  })
  .strict();

/** One validation problem of a push request: where (`contact_list.3.email`) and what. */
export interface PushRequestIssue {
  path: string;
  message: string;
}

/** A valid push request: its contacts as records (in request order) with their cells as sent. */
export interface ParsedPushRequest {
  erid: string;
  groups: EnrichmentGroup[];
  fields: string[];
  contacts: Array<{ record: CustomerRecord; cells: string[] }>;
}

/**
 * Checks a push request as a whole and every contact in it: unknown attributes and fields are named
 * with the valid ones, each invalid contact by its index and attribute. Every problem is reported,
 * not only the first, and nothing is staged unless all contacts are valid.
 */
export function parsePushRequest(
  body: z.output<typeof pushRequestBodySchema>,
): { ok: true; request: ParsedPushRequest } | { ok: false; issues: PushRequestIssue[] } {
  const issues: PushRequestIssue[] = [];
  body.fields_to_be_enriched.forEach((name, i) => {
    if (!(name in PUSH_FIELDS)) {
      const research = (RESEARCH_GROUPS as readonly string[]).some((group) => GROUP_FIELDS[group as EnrichmentGroup].includes(name));
      issues.push({
        path: `fields_to_be_enriched.${i}`,
        message: research
          ? `"${name}" is found by web research, which push requests do not offer: send it in a CSV job`
          : `unknown field "${name}"; valid: ${Object.keys(PUSH_FIELDS).join(', ')}`,
      });
    }
  });
  const contacts: ParsedPushRequest['contacts'] = [];
  body.contact_list.forEach((contact, index) => {
    const values: Partial<Record<CustomerColumn, string>> = {};
    for (const [name, value] of Object.entries(contact)) {
      const column = CONTACT_ATTRIBUTES[name];
      if (!column) {
        issues.push({ path: `contact_list.${index}.${name}`, message: `unknown attribute; valid: ${Object.keys(CONTACT_ATTRIBUTES).join(', ')}` });
        continue;
      }
      if (value !== null && String(value).trim() !== '') values[column] = String(value);
    }
    const identified =
      values.email !== undefined || (values.first_name !== undefined && values.last_name !== undefined && (values.company ?? values.domain) !== undefined);
    if (!identified) {
      issues.push({ path: `contact_list.${index}`, message: 'needs an email, or first_name and last_name with company_name or company_domain' });
      return;
    }
    const validated = validateCustomerRecord(values, { emailRequired: false });
    if (!validated.ok) {
      for (const problem of validated.issues) issues.push({ path: `contact_list.${index}.${problem.path}`, message: problem.message });
      return;
    }
    contacts.push({ record: validated.record, cells: PUSH_COLUMNS.map((column) => values[column] ?? '') });
  });
  if (issues.length > 0) return { ok: false, issues };
  const fields = [...new Set(body.fields_to_be_enriched)];
  return { ok: true, request: { erid: body.erid, groups: pushGroups(fields), fields, contacts } };
}
