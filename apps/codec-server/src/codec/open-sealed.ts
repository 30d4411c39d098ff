import { isSealed, type Sealed } from '@enrich/domain';
import type { FieldSealer } from '@enrich/codec';
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';

const JSON_PLAIN = Buffer.from('json/plain', 'utf8');

/** What {@link openSealedFields} did to one payload. */
export interface OpenedPayload {
  payload: Payload;
  /** Sealed values opened. */
  opened: number;
  /** Sealed values left sealed because they did not open (another namespace's key, tampered, unknown key). */
  failed: number;
}

/**
 * Replaces every {@link Sealed} value inside a `json/plain` payload by its opened value and writes
 * the JSON back. Other payloads, and payloads whose data is not JSON, come back unchanged. A sealed
 * value that does not open stays sealed: what the caller then sees is the truth about it.
 */
export async function openSealedFields(payload: Payload, sealer: FieldSealer): Promise<OpenedPayload> {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  if (!encoding || !JSON_PLAIN.equals(encoding) || !payload.data?.length) return { payload, opened: 0, failed: 0 };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data.buffer, payload.data.byteOffset, payload.data.byteLength).toString('utf8'));
  } catch {
    return { payload, opened: 0, failed: 0 };
  }
  const counts = { opened: 0, failed: 0 };
  const opened = await openWithin(value, sealer, counts);
  if (counts.opened === 0) return { payload, ...counts };
  return { payload: { ...payload, data: Buffer.from(JSON.stringify(opened), 'utf8') }, ...counts };
}

async function openWithin(value: unknown, sealer: FieldSealer, counts: { opened: number; failed: number }): Promise<unknown> {
  if (isSealed(value)) {
    try {
      const opened = await sealer.open(value as Sealed<unknown>);
      counts.opened += 1;
      return opened;
    } catch {
      counts.failed += 1;
      return value;
    }
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => openWithin(item, sealer, counts)));
  if (typeof value === 'object' && value !== null) {
    const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await openWithin(item, sealer, counts)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}
