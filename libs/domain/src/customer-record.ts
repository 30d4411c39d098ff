import { z } from 'zod';

/**
 * Columns a customer file may carry, in canonical (snake_case) form. `email` is the identity every
 * provider needs; the rest improve match quality.
 */
export const CUSTOMER_COLUMNS = ['customer_id', 'email', 'first_name', 'last_name', 'postal_code', 'phone', 'company', 'domain'] as const;
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number];

/** Columns without which a file cannot be enriched at all. */
export const REQUIRED_COLUMNS: readonly CustomerColumn[] = ['email'];

const HEADER_ALIASES: Readonly<Record<string, CustomerColumn>> = {
  id: 'customer_id',
  customerid: 'customer_id',
  customer_id: 'customer_id',
  external_id: 'customer_id',
  email: 'email',
  e_mail: 'email',
  email_address: 'email',
  e_mail_address: 'email',
  mail: 'email',
  first_name: 'first_name',
  firstname: 'first_name',
  given_name: 'first_name',
  last_name: 'last_name',
  lastname: 'last_name',
  surname: 'last_name',
  family_name: 'last_name',
  postal_code: 'postal_code',
  postcode: 'postal_code',
  zip: 'postal_code',
  zip_code: 'postal_code',
  zipcode: 'postal_code',
  phone: 'phone',
  phone_number: 'phone',
  mobile: 'phone',
  company: 'company',
  company_name: 'company',
  organization: 'company',
  domain: 'domain',
  website: 'domain',
  company_domain: 'domain',
};

/** Maps a file header ("E-mail Address", "Zip") to its canonical column, or `undefined` if unknown. */
export function canonicalColumn(header: string): CustomerColumn | undefined {
  const key = header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  return HEADER_ALIASES[key];
}

/** Result of matching a file's header row against {@link CUSTOMER_COLUMNS}. */
export interface HeaderMapping {
  /** For each position in the header row, the canonical column it feeds (or null: ignored). */
  columns: ReadonlyArray<CustomerColumn | null>;
  missing: CustomerColumn[];
  ignored: string[];
  /** Entries of an explicit mapping whose header is not in the file. */
  unmatched: string[];
}

/** Which file header feeds which column, as a user states it (`{ email: "E-Mail Addr" }`). */
export type ColumnMapping = Partial<Record<CustomerColumn, string>>;

/** Validates a user's column mapping: known columns only, non-empty header names. */
export const columnMappingSchema = z
  .partialRecord(z.enum(CUSTOMER_COLUMNS), z.string().trim().min(1, 'must name a header'), {
    // The record reports unknown keys as one `unrecognized_keys` issue (its type does not say so).
    error: (issue) => {
      const { code, keys } = issue as { code: string; keys?: string[] };
      return code === 'unrecognized_keys' ? `unknown column(s) ${keys?.join(', ')}; known: ${CUSTOMER_COLUMNS.join(', ')}` : undefined;
    },
  })
  .transform((mapping) => mapping as ColumnMapping);

const sameHeader = (a: string, b: string) =>
  a
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase() === b.trim().toLowerCase();

/**
 * Works out which header feeds which column: the columns `explicit` maps are taken from the headers
 * it names (a name the file lacks is reported in `unmatched`); the others are inferred from the
 * header names, the first header that maps to a column winning.
 */
export function mapHeader(headers: readonly string[], explicit: ColumnMapping = {}): HeaderMapping {
  const seen = new Set<CustomerColumn>();
  const ignored: string[] = [];
  const unmatched: string[] = [];
  const columns: Array<CustomerColumn | null> = headers.map(() => null);
  for (const [column, header] of Object.entries(explicit) as Array<[CustomerColumn, string]>) {
    const index = headers.findIndex((h, i) => columns[i] === null && sameHeader(h, header));
    if (index < 0) unmatched.push(`${column} → "${header}"`);
    else {
      columns[index] = column;
      seen.add(column);
    }
  }
  headers.forEach((header, index) => {
    if (columns[index] !== null) return;
    const column = canonicalColumn(header);
    if (!column || seen.has(column)) {
      ignored.push(header);
      return;
    }
    seen.add(column);
    columns[index] = column;
  });
  return { columns, missing: REQUIRED_COLUMNS.filter((c) => !seen.has(c)), ignored, unmatched };
}

const optionalText = z
  .string()
  .trim()
  .max(512)
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** One customer as read from a file row, after trimming; validated before it is staged. */
export const customerRecordSchema = z.object({
  customer_id: optionalText,
  email: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .pipe(z.email({ error: 'is not a valid email address' }))
    .transform((v) => v.toLowerCase()),
  first_name: optionalText,
  last_name: optionalText,
  postal_code: optionalText,
  phone: optionalText,
  company: optionalText,
  domain: optionalText,
});
export type CustomerRecord = z.output<typeof customerRecordSchema>;

export type RowValidation = { ok: true; record: CustomerRecord } | { ok: false; reason: string };

/** Validates one row; the reason names the offending column, e.g. `email: is not a valid email address`. */
export function validateCustomerRecord(values: Partial<Record<CustomerColumn, string>>): RowValidation {
  const parsed = customerRecordSchema.safeParse(values);
  if (parsed.success) return { ok: true, record: parsed.data };
  const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
  return { ok: false, reason };
}
