import type { CustomerColumn } from './customer-record';

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
