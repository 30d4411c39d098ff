import type { CustomerColumn } from './customer-record';
import type { EnrichedField, FieldValue } from './enrichment';

// Type-level only: it lets `Sealed<T>` remember T without anything extra at run time or in JSON.
declare const sealedValueType: unique symbol;

/**
 * A value encrypted by `FieldSealer` (`@enrich/codec`): what personal fields look like everywhere
 * between the point they enter the platform and the one activity allowed to open them.
 *
 * Plain JSON with base64 strings, so it is safe to keep in workflow state, pass through queries,
 * log and store; it reveals nothing about the value but its rough length. `T` is the type of the
 * value inside, tracked by the type checker only.
 */
export interface Sealed<T> {
  /** Format version of the sealed value. */
  readonly $sealed: 1;
  /** Id of the master key (KMS key ARN or local key id) that wraps the data key. */
  readonly kid: string;
  /** The data key, wrapped by the master key (base64). */
  readonly wk: string;
  /** AES-GCM initialisation vector (base64, 12 bytes). */
  readonly iv: string;
  /** AES-GCM ciphertext of the value's JSON followed by the 16-byte tag (base64). */
  readonly ct: string;
  /** Never present: carries `T` for the type checker. */
  readonly [sealedValueType]?: T;
}

/** The value type inside a sealed value; other types are left as they are. */
export type Unsealed<V> = V extends Sealed<infer U> ? U : V;

/**
 * `T` with the properties `K` sealed. Missing (`undefined`) and `null` values stay as they are:
 * there is nothing personal in an absent value.
 */
export type SealedRecord<T, K extends keyof T> = {
  [P in keyof T]: P extends K ? Sealed<NonNullable<T[P]>> | Extract<T[P], null | undefined> : T[P];
};

/** A record with every sealed property replaced by its value type. */
export type OpenedRecord<R> = { [P in keyof R]: Unsealed<R[P]> };

/**
 * Customer columns that identify a person; they travel sealed through workflows, queries and
 * logs and are opened only in the activity that sends them to a provider.
 */
export const PERSONAL_CUSTOMER_FIELDS = ['email', 'first_name', 'last_name', 'phone', 'postal_code'] as const satisfies readonly CustomerColumn[];

/** One of {@link PERSONAL_CUSTOMER_FIELDS}. */
export type PersonalCustomerField = (typeof PERSONAL_CUSTOMER_FIELDS)[number];

/**
 * Enriched fields (`GROUP_FIELDS`) whose values identify or reach a person: what providers answer
 * for them is personal data of the same kind as {@link PERSONAL_CUSTOMER_FIELDS}, so it is kept the
 * same way. The page activity seals these values, with the same `FieldSealer` as the input, as soon
 * as a provider answers, before they are written to `lookup_cache.fields` and
 * `enrichment_result.value`; the worker passes them on sealed (merging looks at confidences, never
 * at values) and only the results API and the CSV export open them, for the job's owner.
 *
 * - `work_email`: a person's address (email-finder);
 * - `phone`: a person's direct number (phone-finder).
 *
 * Every other enriched field stays open so the tables remain useful to query: statuses
 * (`email_status`, `line_type`), coarse demographic bands (age, income, region, household,
 * education, marital status: they say nothing of who the person is without the sealed identifiers)
 * and company facts (firmographics, web research). A new field that names or reaches a person (a
 * name, an address, a personal profile URL) belongs here: `sealed.spec.ts` fails until each field
 * of `GROUP_FIELDS` is classified.
 */
export const PERSONAL_ENRICHED_FIELDS = ['work_email', 'phone'] as const;

/** One of {@link PERSONAL_ENRICHED_FIELDS}. */
export type PersonalEnrichedField = (typeof PERSONAL_ENRICHED_FIELDS)[number];

/** Whether an enriched field's value is personal (see {@link PERSONAL_ENRICHED_FIELDS}) and so sealed at rest. */
export function isPersonalEnrichedField(field: string): field is PersonalEnrichedField {
  return (PERSONAL_ENRICHED_FIELDS as readonly string[]).includes(field);
}

/**
 * An enriched value as stored and carried by the worker: sealed for a personal field (see
 * {@link PERSONAL_ENRICHED_FIELDS}), plain otherwise, and plain in rows written before enriched
 * values were sealed; readers open whatever {@link isSealed} says is sealed and take the rest as it is.
 */
export type StoredFieldValue = FieldValue | Sealed<FieldValue>;

/** An enriched field as stored (`enrichment_result`, `lookup_cache`) and carried by the worker: see {@link StoredFieldValue}. */
export type StoredEnrichedField = EnrichedField<StoredFieldValue>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `value` has the shape of a {@link Sealed} value (it says nothing about who can open it). */
export function isSealed(value: unknown): value is Sealed<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate['$sealed'] === 1 &&
    typeof candidate['kid'] === 'string' &&
    candidate['kid'].length > 0 &&
    isBase64(candidate['wk']) &&
    isBase64(candidate['iv']) &&
    isBase64(candidate['ct'])
  );
}

function isBase64(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && BASE64.test(value);
}
