import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';

const ExternalPayloadDetails = temporal.api.common.v1.Payload.ExternalPayloadDetails;

/** A `temporal.api.common.v1.Payload` in proto3 JSON: bytes as base64 strings. */
export interface PayloadJson {
  metadata: Record<string, string>;
  data: string;
  externalPayloads?: { sizeBytes?: string }[];
}

/** The codec protocol's body, `temporal.api.common.v1.Payloads` in proto3 JSON. */
export interface PayloadsJson {
  payloads: PayloadJson[];
}

// proto3 JSON writes standard base64 with padding but parsers must accept URL-safe and unpadded too.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function isBase64(value: string): boolean {
  if (!BASE64.test(value)) return false;
  const padded = value.endsWith('=');
  return padded ? value.length % 4 === 0 : value.length % 4 !== 1;
}

const bytes = z
  .string({ error: 'must be a base64 string' })
  .refine(isBase64, { error: 'is not valid base64' })
  .transform((value) => Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));

const payloadSchema = z.object(
  {
    metadata: z.record(z.string(), bytes, { error: 'must be an object of base64 strings' }).nullish(),
    data: bytes.nullish(),
    externalPayloads: z
      .array(
        z.object({ sizeBytes: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()], { error: 'must be a non-negative integer' }).nullish() }),
      )
      .nullish(),
  },
  { error: 'must be an object with metadata and data' },
);

const payloadsSchema = z.object(
  // Proto3 JSON leaves an empty repeated field out: the Temporal CLI sends `{}` for an update or
  // signal without arguments, which is no payloads, not a bad request.
  { payloads: z.array(payloadSchema, { error: 'must be an array of payloads' }).default([]) },
  { error: 'the body must be a JSON object { "payloads": [...] }' },
);

/** What is wrong with a request body: a message naming the field, never its content. */
export class PayloadsJsonError extends Error {
  override readonly name = 'PayloadsJsonError';
}

/**
 * Parses a codec request body into payloads.
 *
 * @throws {@link PayloadsJsonError} naming the first bad field, e.g. `payloads[2].metadata.encoding is not valid base64`.
 */
export function payloadsFromJson(body: unknown): Payload[] {
  const result = payloadsSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? fieldPath(issue.path) : '';
    throw new PayloadsJsonError(where ? `${where} ${issue?.message ?? 'is invalid'}` : (issue?.message ?? 'the body is invalid'));
  }
  return result.data.payloads.map((payload) => ({
    metadata: payload.metadata ?? {},
    data: payload.data ?? new Uint8Array(0),
    ...(payload.externalPayloads?.length ? { externalPayloads: payload.externalPayloads.map((details) => ExternalPayloadDetails.fromObject(details)) } : {}),
  }));
}

/** Payloads as the codec protocol's JSON body. */
export function payloadsToJson(payloads: readonly Payload[]): PayloadsJson {
  return { payloads: payloads.map(payloadToJson) };
}

function payloadToJson(payload: Payload): PayloadJson {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    if (value) metadata[key] = base64(value);
  }
  const json: PayloadJson = { metadata, data: base64(payload.data ?? new Uint8Array(0)) };
  if (payload.externalPayloads?.length) {
    json.externalPayloads = payload.externalPayloads.map((details) =>
      ExternalPayloadDetails.toObject(ExternalPayloadDetails.fromObject(details), { longs: String }),
    );
  }
  return json;
}

function base64(bytes: Uint8Array | ArrayLike<number>): string {
  return (ArrayBuffer.isView(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(Array.from(bytes))).toString('base64');
}

/** `['payloads', 2, 'metadata', 'encoding']` → `payloads[2].metadata.encoding`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}
