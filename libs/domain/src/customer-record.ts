import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/min';
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

/**
 * Text as a careful user compares it: Unicode NFC (an accent typed as a combining mark equals the
 * precomposed letter) and trimmed.
 */
export function normalizeText(value: string): string {
  return value.normalize('NFC').trim();
}

/**
 * One dot-separated atom of a local part (RFC 6531): RFC 5322 `atext` (letters, digits and
 * ``!#$%&'*+/=?^_`{|}~-``) plus any non-ASCII character but whitespace and separators, controls,
 * format characters other than the joiners ZWNJ and ZWJ (which some scripts need), surrogates,
 * private-use and unassigned code points.
 */
const LOCAL_ATOM = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[\u200C\u200D]|(?![\p{C}\p{Z}])[^\p{ASCII}])+$/u;
/** What cannot be part of a domain name as written: whitespace, controls, URL delimiters. */
const NOT_IN_DOMAIN = /[\s\p{Cc}/?#@:[\]\\%<>^|]/u;
/** One label of a host name in ASCII form (letters, digits, hyphens; no hyphen at either end). */
const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** UTF-8 length in octets (the unit of the RFC 5321 limits). */
function utf8Length(text: string): number {
  let octets = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    octets += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return octets;
}

/** Decodes the Punycode of an A-label (RFC 3492, without the `xn--`), or `undefined` when it is not valid Punycode. */
function decodePunycode(input: string): string | undefined {
  const [base, tMin, tMax, skew, damp] = [36, 1, 26, 38, 700];
  const digit = (code: number) =>
    code >= 0x30 && code <= 0x39 ? code - 22 : code >= 0x61 && code <= 0x7a ? code - 0x61 : code >= 0x41 && code <= 0x5a ? code - 0x41 : base;
  const adapt = (delta: number, points: number, first: boolean) => {
    delta = first ? Math.floor(delta / damp) : delta >> 1;
    delta += Math.floor(delta / points);
    let k = 0;
    for (; delta > ((base - tMin) * tMax) >> 1; k += base) delta = Math.floor(delta / (base - tMin));
    return k + Math.floor(((base - tMin + 1) * delta) / (delta + skew));
  };
  const delimiter = input.lastIndexOf('-');
  const output = [...input.slice(0, Math.max(delimiter, 0))].map((char) => char.charCodeAt(0));
  if (output.some((code) => code >= 0x80)) return undefined;
  let [n, bias, i] = [0x80, 72, 0];
  for (let index = delimiter > 0 ? delimiter + 1 : 0; index < input.length;) {
    const before = i;
    for (let w = 1, k = base; ; k += base) {
      const d = index < input.length ? digit(input.charCodeAt(index++)) : base;
      if (d >= base) return undefined;
      i += d * w;
      const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
      if (d < t) break;
      w *= base - t;
      if (i > 0x7fffffff || w > 0x7fffffff) return undefined;
    }
    bias = adapt(i - before, output.length + 1, before === 0);
    n += Math.floor(i / (output.length + 1));
    i %= output.length + 1;
    if (n > 0x10ffff) return undefined;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

/** UTS #46 processing of a host name by the WHATWG URL parser, or `undefined` when it refuses it. */
function urlHost(domain: string): string | undefined {
  try {
    return new URL(`http://${domain}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * A domain name in its IDNA ASCII form, lower-cased (`Exämple.DE` → `xn--exmple-cua.de`), or
 * `undefined` when it is not a host name with at least two labels or IDNA refuses a label. The
 * conversion is UTS #46 processing as done by the WHATWG URL parser: the `URL` global, present in
 * Node and in Temporal's workflow sandbox, where this package also runs (unlike `node:url`). The
 * result must then be letters, digits and hyphens with a final label that is not all digits (no IP
 * addresses), and each `xn--` label must be what its own Unicode form converts to (not every Node
 * version's URL parser checks a label given in ASCII form: `xn--zz` passes Node 24's).
 */
export function asciiDomain(domain: string): string | undefined {
  if (domain === '' || NOT_IN_DOMAIN.test(domain)) return undefined;
  const host = urlHost(domain);
  if (host === undefined || host.length > 253) return undefined;
  const labels = host.split('.');
  if (labels.length < 2 || /^\d+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  for (const label of labels) {
    if (!LDH_LABEL.test(label)) return undefined;
    if (!label.startsWith('xn--')) continue;
    const unicode = decodePunycode(label.slice(4));
    if (unicode === undefined || /^\p{ASCII}*$/u.test(unicode) || urlHost(unicode) !== label) return undefined;
  }
  return host;
}

/**
 * An email address (RFC 6531: UTF-8 local part, internationalised domain) in the form lookups use,
 * or `undefined` when it is not a valid address. The local part is NFC-normalised and lower-cased
 * (as addresses always were here); the domain is lower-cased and converted to its IDNA ASCII form
 * ({@link asciiDomain}), so `Θσερ@Exämple.de` and `θσερ@xn--exmple-cua.de` are the same contact.
 * Refused: no `@`, an empty local part, whitespace, a dot at either end of the local part or two
 * in a row, a quoted local part, a domain without a dot or that IDNA refuses, an IP-literal
 * domain, and a local part over 64 or an address over 254 octets. Idempotent.
 */
export function normalizeEmail(address: string): string | undefined {
  const text = address.normalize('NFC').trim();
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = text.slice(0, at).toLowerCase().normalize('NFC');
  const domain = asciiDomain(text.slice(at + 1));
  if (domain === undefined || !local.split('.').every((atom) => LOCAL_ATOM.test(atom))) return undefined;
  if (utf8Length(local) > 64 || utf8Length(local) + 1 + domain.length > 254) return undefined;
  return `${local}@${domain}`;
}

/** A region (ISO 3166-1 alpha-2, e.g. `GB`) whose national numbering plan reads a phone number written without country code. */
export type PhoneRegion = CountryCode;

/** Whether `code` names a region {@link toE164} knows (e.g. to check a region a user gave). */
export function isPhoneRegion(code: string): code is PhoneRegion {
  return isSupportedCountry(code);
}

/**
 * A phone number in E.164 (`+44 20 7946 0001` → `+442079460001`), or `undefined` when it cannot be
 * read as a valid number: garbage, a number of no plan, one with an extension (E.164 has no place
 * for it), or one without country code when no `region` is given. Uses the `min` metadata of
 * libphonenumber-js (plain JavaScript, no Node built-ins: safe in workflow code).
 */
export function toE164(phone: string, region?: PhoneRegion): string | undefined {
  const parsed = parsePhoneNumberFromString(phone, region ? { defaultCountry: region } : undefined);
  return parsed?.isValid() && !parsed.ext ? parsed.number : undefined;
}

/**
 * Set on a record whose phone could not be normalised ({@link toE164}): the phone is kept as given
 * (trimmed) and the row is enriched all the same.
 */
export type PhoneStatus = 'unparsed';

const optionalText = z
  .string()
  .normalize('NFC')
  .trim()
  .max(512)
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** The columns of a row, each validated and normalised on its own (the phone is read afterwards). */
const customerFieldsSchema = z.object({
  customer_id: optionalText,
  email: z
    .string()
    .normalize('NFC')
    .trim()
    .transform((value, ctx) => {
      if (value === '') return undefined;
      const email = normalizeEmail(value);
      if (email === undefined) ctx.issues.push({ code: 'custom', message: 'is not a valid email address', input: value });
      return email ?? z.NEVER;
    })
    .optional(),
  first_name: optionalText,
  last_name: optionalText,
  postal_code: optionalText,
  // Kept exactly as given (trimmed) unless it reads as a valid number: see `withPhone`.
  phone: z
    .string()
    .trim()
    .max(512)
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  company: optionalText,
  domain: optionalText,
});

/**
 * One customer as read from a file row and validated before it is staged: text NFC-normalised and
 * trimmed, empty columns absent, the email in its lookup form ({@link normalizeEmail}), the phone
 * in E.164 when it reads as a valid number — else as given, with `phone_status: 'unparsed'`.
 */
export type CustomerRecord = z.output<typeof customerFieldsSchema> & {
  /** Present only when the record has a phone that could not be normalised to E.164. */
  phone_status?: PhoneStatus;
};

function withPhone(record: z.output<typeof customerFieldsSchema>, region?: PhoneRegion): CustomerRecord {
  if (record.phone === undefined) return record;
  const e164 = toE164(record.phone, region);
  return e164 === undefined ? { ...record, phone_status: 'unparsed' } : { ...record, phone: e164 };
}

export type RowValidation = { ok: true; record: CustomerRecord } | { ok: false; reason: string; issues: Array<{ path: string; message: string }> };

export interface ValidationOptions {
  /** A record without an email is invalid (default; a CSV row is looked up by it). Push contacts may be identified by name and company instead. */
  emailRequired?: boolean;
  /** Region whose numbering plan reads phones written without country code; without one they are kept as given (and flagged). */
  phoneRegion?: PhoneRegion;
}

/**
 * Validates one row; the reason names the offending column, e.g. `email: is not a valid email
 * address`. A phone that cannot be normalised never fails a row (see {@link CustomerRecord}).
 *
 * @throws RangeError when `options.phoneRegion` is not a known region ({@link isPhoneRegion}).
 */
export function validateCustomerRecord(values: Partial<Record<CustomerColumn, string>>, options: ValidationOptions = {}): RowValidation {
  const region = options.phoneRegion;
  if (region !== undefined && !isPhoneRegion(region)) throw new RangeError(`unknown phone region "${String(region)}"`);
  const parsed = customerFieldsSchema.safeParse(values);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'row', message: i.message }));
  if (parsed.success && parsed.data.email === undefined && options.emailRequired !== false) issues.push({ path: 'email', message: 'is required' });
  if (parsed.success && issues.length === 0) return { ok: true, record: withPhone(parsed.data, region) };
  return { ok: false, reason: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues };
}
