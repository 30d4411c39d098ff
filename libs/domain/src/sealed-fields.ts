import type { FieldValue } from './enrichment';
import { isPersonalEnrichedField, isSealed, type OpenedRecord, type SealedRecord, type StoredEnrichedField, type StoredFieldValue } from './sealed';

/**
 * What sealing enriched fields needs of a sealer: `FieldSealer` (`@enrich/codec`) is one. It is
 * described here by its shape, in this package's own types, because the codec depends on the domain
 * and not the other way round; the sealer is passed in, so the helpers below do no I/O themselves.
 */
export interface RecordSealer {
  sealRecord<T extends object, K extends keyof T & string>(record: T, fields: readonly K[]): Promise<SealedRecord<T, K>>;
}

/** What opening enriched fields needs of a sealer: `FieldSealer` (`@enrich/codec`) is one (see {@link RecordSealer}). */
export interface RecordOpener {
  openRecord<R extends object>(record: R, fields?: readonly (keyof R & string)[]): Promise<OpenedRecord<R>>;
}

/** `F` with its value as stored: sealed when the field is personal. */
export type WithStoredValue<F extends StoredEnrichedField> = Omit<F, 'value'> & { value: StoredFieldValue };

/** `F` (an enriched field, or any record of one, e.g. an export's) with its value opened. */
export type WithOpenedValue<F extends { value: StoredFieldValue }> = Omit<F, 'value'> & { value: FieldValue };

/**
 * Seals the values of personal enriched fields (`PERSONAL_ENRICHED_FIELDS`) with the same
 * `FieldSealer` as the input; every other field, a null value and a value already sealed are kept
 * as they are (so sealing twice changes nothing). All values of the call are sealed concurrently:
 * give it a whole chunk's fields at once. A seal costs one AES-GCM encryption under the cached data
 * key, no key-provider call.
 */
export async function sealPersonalFields<F extends StoredEnrichedField>(sealer: RecordSealer, fields: readonly F[]): Promise<Array<WithStoredValue<F>>> {
  return Promise.all(
    fields.map(async (field): Promise<WithStoredValue<F>> =>
      needsSealing(field) ? ((await sealer.sealRecord(field, ['value'])) as WithStoredValue<F>) : field,
    ),
  );
}

/** {@link sealPersonalFields} over the fields of many rows (a chunk), sealed together. */
export async function sealPersonalFieldsOfRows<R extends { fields: readonly StoredEnrichedField[] }>(
  sealer: RecordSealer,
  rows: readonly R[],
): Promise<Array<Omit<R, 'fields'> & { fields: StoredEnrichedField[] }>> {
  if (!rows.some((row) => row.fields.some(needsSealing))) return rows.map((row) => ({ ...row, fields: [...row.fields] }));
  const sealed = await sealPersonalFields(
    sealer,
    rows.flatMap((row) => row.fields),
  );
  let next = 0;
  return rows.map((row) => ({ ...row, fields: row.fields.map(() => sealed[next++]) }));
}

/**
 * Opens the sealed values of enriched fields, for an authorised reader only (the results API and
 * the CSV export, for the job's owner). A value that is not sealed (a non-personal field, or a row
 * written before enriched values were sealed) is returned as it is.
 */
export async function openEnrichedFields<F extends { value: StoredFieldValue }>(
  sealer: RecordOpener,
  fields: readonly F[],
): Promise<Array<WithOpenedValue<F>>> {
  return Promise.all(fields.map(async (field) => (isSealed(field.value) ? await sealer.openRecord(field, ['value']) : field) as WithOpenedValue<F>));
}

function needsSealing(field: StoredEnrichedField): boolean {
  return isPersonalEnrichedField(field.field) && field.value !== null && !isSealed(field.value);
}
