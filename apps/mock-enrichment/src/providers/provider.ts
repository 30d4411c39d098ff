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

/** Any 200 body as sent on the wire: `provider` first, then the provider's own fields. */
export interface ProviderResponse {
  provider: string;
}

/** A lookup answer as sent on the wire. */
export interface LookupAnswer extends ProviderResponse {
  record_id: string;
  confidence: number;
  attributes: unknown;
}

/** A validated request, ready to be answered. */
export interface PreparedLookup<Answer extends ProviderResponse | undefined = ProviderResponse | undefined> {
  /** See {@link ProviderDefinition.recordKey}. */
  key: string;
  /** The 200 body; `undefined` when the provider has nothing at that address (a 404, e.g. an unknown host). */
  answer(hash: RecordHash): Answer;
}

/**
 * A provider as the server sees it: types erased, so the registry can hold any mix of them.
 * `Answer` stays precise for callers holding one concrete provider (tests).
 */
export interface MockProvider<Answer extends ProviderResponse | undefined = ProviderResponse | undefined> {
  readonly name: string;
  readonly label: string;
  readonly summary: string;
  /** Last path segment: `lookup`, `query`, `fetch`, `fields`. */
  readonly operation: string;
  /** `POST` path of the provider: `/v1/providers/<name>/<operation>`. */
  readonly path: string;
  /** OpenAPI operation id, e.g. `demographicsLookup`, `emailFinderLookup`. */
  readonly operationId: string;
  /** OpenAPI description of this provider's 404. */
  readonly notFoundDescription: string;
  /** The request schema, registered under `<SchemaName><Operation>Request` for the OpenAPI document. */
  readonly requestSchema: z.ZodType;
  /** The 200 body schema, registered under `<SchemaName><Operation>Response`. */
  readonly responseSchema: z.ZodType;
  /** Validates and normalizes a request body. */
  prepare(body: unknown): { success: true; lookup: PreparedLookup<Answer> } | { success: false; error: z.ZodError };
}

const round2 = (value: number): number => Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;

const pascal = (text: string): string => text.replace(/(^|[-_])([a-z])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());
const camel = (text: string): string => text.replace(/[-_]([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/** `POST /v1/providers/<name>/<operation>`. */
export function providerPath(name: string, operation = 'lookup'): string {
  return `/v1/providers/${name}/${operation}`;
}

/**
 * The `prepare` of every provider: validate the body, then key the record and defer the answer
 * until the simulator has its hash.
 */
function preparer<Request extends z.ZodType, Answer extends ProviderResponse | undefined>(
  schema: Request,
  recordKey: (request: z.output<Request>) => string,
  answer: (request: z.output<Request>, hash: RecordHash) => Answer,
): MockProvider<Answer>['prepare'] {
  return (body) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { success: false, error: parsed.error };
    const request = parsed.data;
    return { success: true, lookup: { key: recordKey(request), answer: (hash) => answer(request, hash) } };
  };
}

const RECORD_NOT_FOUND = 'not_found: the provider does not know this record (always the same records, by hash).';

/** Builds a {@link MockProvider} from its definition, adding the shared envelope and schemas. */
export function defineProvider<Request extends z.ZodType, Attributes extends z.ZodType>(
  definition: ProviderDefinition<Request, Attributes>,
): MockProvider<LookupAnswer> {
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
    operation: 'lookup',
    path: providerPath(definition.name),
    operationId: `${camel(definition.name)}Lookup`,
    notFoundDescription: RECORD_NOT_FOUND,
    requestSchema,
    responseSchema,
    prepare: preparer(definition.requestSchema, definition.recordKey, (request, hash) => {
      const { confidence, attributes } = definition.answer(request, hash);
      // Fixed key order: answers must be byte-identical, not merely deep-equal.
      return {
        provider: definition.label,
        record_id: `${definition.recordIdPrefix}_${hash.hex.slice(0, 24)}`,
        confidence: round2(confidence),
        attributes,
      };
    }),
  };
}

/**
 * A provider that is not a record lookup (search, crawl, extract): it names its own operation and
 * its whole response body; only `provider` is added, first.
 */
export interface OperationDefinition<Request extends z.ZodType, Body extends z.ZodObject> {
  /** URL segment: `POST /v1/providers/<name>/<operation>`. Also hashed into every answer. */
  name: string;
  /** The `provider` field of answers, e.g. `mock-search`. */
  label: string;
  /** Last path segment, e.g. `query`. */
  operation: string;
  /** PascalCase stem of the OpenAPI schema names (`Search` → `SearchQueryRequest`). */
  schemaName: string;
  summary: string;
  /** What a 404 means for this provider, for the OpenAPI document. */
  notFoundDescription?: string;
  requestSchema: Request;
  /** The 200 body without `provider`. */
  bodySchema: Body;
  /** The normalized identity of what is asked: equal requests must give equal keys. Drives the hash. */
  recordKey(request: z.output<Request>): string;
  /** The body (without `provider`), or `undefined` for a 404; only from the request and the hash. */
  answer(request: z.output<Request>, hash: RecordHash): z.input<Body> | undefined;
}

/** Builds a {@link MockProvider} whose answers are `{ provider, ...body }`. */
export function defineOperation<Request extends z.ZodType, Body extends z.ZodObject>(
  definition: OperationDefinition<Request, Body>,
): MockProvider<(ProviderResponse & z.input<Body>) | undefined> {
  const stem = `${definition.schemaName}${pascal(definition.operation)}`;
  const requestSchema = definition.requestSchema.meta({ id: `${stem}Request` });
  const responseSchema = z.object({ provider: z.literal(definition.label), ...definition.bodySchema.shape }).meta({ id: `${stem}Response` });
  return {
    name: definition.name,
    label: definition.label,
    summary: definition.summary,
    operation: definition.operation,
    path: providerPath(definition.name, definition.operation),
    operationId: `${camel(definition.name)}${pascal(definition.operation)}`,
    notFoundDescription: definition.notFoundDescription ?? RECORD_NOT_FOUND,
    requestSchema,
    responseSchema,
    prepare: preparer(definition.requestSchema, definition.recordKey, (request, hash) => {
      const answer = definition.answer(request, hash);
      return answer === undefined ? undefined : { provider: definition.label, ...answer };
    }),
  };
}

/**
 * A confidence in [0.55, 0.84] from the record hash, plus `bonus` for corroborating input.
 * Callers keep the bonus at or below 0.15 so the result stays within [0.55, 0.99].
 */
export function baseConfidence(hash: RecordHash, bonus: number): number {
  return 0.55 + hash.fraction('confidence') * 0.29 + bonus;
}

/** A value in [min, max] from the record hash, for one named purpose (rounded to two decimals). */
export function confidenceIn(hash: RecordHash, label: string, min: number, max: number): number {
  return round2(min + hash.fraction(label) * (max - min));
}
