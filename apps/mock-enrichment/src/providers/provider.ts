import { z } from 'zod';
import type { RecordHash } from '../record-hash';

/** What a provider's answer function returns; the envelope (`provider`, `record_id`) is added for it. */
export interface ProviderAnswer<Attributes> {
  /** In [0, 1]; rounded to two decimals in the response. */
  confidence: number;
  attributes: Attributes;
}

/**
 * Everything one simulated provider is: a name, a request schema and a deterministic answer.
 * One `*.provider.ts` file exports one of these through {@link defineProvider}.
 */
export interface ProviderDefinition<Request extends z.ZodType, Attributes extends z.ZodType> {
  /** URL segment: `POST /v1/providers/<name>/lookup`. Also hashed into every record. */
  name: string;
  /** The `provider` field of answers, e.g. `mock-demographics`. */
  label: string;
  /** Prefix of `record_id`, e.g. `per` for people, `org` for companies. */
  recordIdPrefix: string;
  /** PascalCase stem of the OpenAPI schema names (`Demographics` → `DemographicsLookupRequest`). */
  schemaName: string;
  /** One line for the OpenAPI document. */
  summary: string;
  requestSchema: Request;
  attributesSchema: Attributes;
  /**
   * The normalized identity of the record a request points at. Requests that mean the same record
   * (different case, whitespace, URL form) must return the same key.
   */
  recordKey(request: z.output<Request>): string;
  /** The record's answer, computed only from the request and the record hash. */
  answer(request: z.output<Request>, hash: RecordHash): ProviderAnswer<z.input<Attributes>>;
}

/** A lookup answer as sent on the wire. */
export interface LookupAnswer {
  provider: string;
  record_id: string;
  confidence: number;
  attributes: unknown;
}

/** A validated request, ready to be answered. */
export interface PreparedLookup {
  /** See {@link ProviderDefinition.recordKey}. */
  key: string;
  answer(hash: RecordHash): LookupAnswer;
}

/** A provider as the server sees it: types erased, so the registry can hold any mix of them. */
export interface MockProvider {
  readonly name: string;
  readonly label: string;
  readonly summary: string;
  /** The request schema, registered under `<SchemaName>LookupRequest` for the OpenAPI document. */
  readonly requestSchema: z.ZodType;
  /** The 200 body schema, registered under `<SchemaName>LookupResponse`. */
  readonly responseSchema: z.ZodType;
  /** Validates and normalizes a request body. */
  prepare(body: unknown): { success: true; lookup: PreparedLookup } | { success: false; error: z.ZodError };
}

const round2 = (value: number): number => Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;

/** Builds a {@link MockProvider} from its definition, adding the shared envelope and schemas. */
export function defineProvider<Request extends z.ZodType, Attributes extends z.ZodType>(
  definition: ProviderDefinition<Request, Attributes>,
): MockProvider {
  const requestSchema = definition.requestSchema.meta({ id: `${definition.schemaName}LookupRequest` });
  const responseSchema = z
    .object({
      provider: z.literal(definition.label),
      record_id: z
        .string()
        .regex(new RegExp(`^${definition.recordIdPrefix}_[0-9a-f]{24}$`))
        .meta({ description: 'Stable id of the record: the same for every request that points at it.' }),
      confidence: z.number().min(0).max(1),
      attributes: definition.attributesSchema,
    })
    .meta({ id: `${definition.schemaName}LookupResponse` });

  return {
    name: definition.name,
    label: definition.label,
    summary: definition.summary,
    requestSchema,
    responseSchema,
    prepare(body) {
      const parsed = definition.requestSchema.safeParse(body);
      if (!parsed.success) return { success: false, error: parsed.error };
      const request = parsed.data;
      return {
        success: true,
        lookup: {
          key: definition.recordKey(request),
          answer(hash) {
            const { confidence, attributes } = definition.answer(request, hash);
            // Fixed key order: answers must be byte-identical, not merely deep-equal.
            return {
              provider: definition.label,
              record_id: `${definition.recordIdPrefix}_${hash.hex.slice(0, 24)}`,
              confidence: round2(confidence),
              attributes,
            };
          },
        },
      };
    },
  };
}

/**
 * A confidence in [0.55, 0.84] from the record hash, plus `bonus` for corroborating input.
 * Callers keep the bonus at or below 0.15 so the result stays within [0.55, 0.99].
 */
export function baseConfidence(hash: RecordHash, bonus: number): number {
  return 0.55 + hash.fraction('confidence') * 0.29 + bonus;
}
