import { type CustomerRecord, type EnrichedField, normalizeConfidence } from '@enrich/domain';
import { postLookup, type HttpProviderOptions } from './http-provider';

/** What a lookup provider answered: fields with provenance, or no record. */
export type ProviderLookup = { kind: 'found'; fields: EnrichedField[] } | { kind: 'not_found'; provider: string };

/** A provider's request for a record, or `undefined` when the record lacks what it needs. */
export type RequestBody = Record<string, string | undefined>;

/** How one lookup provider is called: its path, its request and the fields it answers. */
export interface LookupProviderSpec {
  /** Registry name (used by the waterfall, the rate budget and the cache). */
  name: string;
  path: string;
  request(record: CustomerRecord): RequestBody | undefined;
  /** Attributes of the answer stored as fields. */
  fields: readonly string[];
}

interface LookupAnswer {
  provider: string;
  confidence: number;
  attributes: Record<string, string | number | boolean | null>;
}

/**
 * Client of a record-lookup provider speaking the common contract (POST a JSON request, get
 * `{ provider, confidence, attributes }`, 404 for no record). Throws the errors of
 * `provider-errors` when the call itself fails.
 */
export class HttpLookupClient {
  constructor(
    private readonly spec: LookupProviderSpec,
    private readonly options: HttpProviderOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** The request this provider is sent for `record` (also what its answers are cached by). */
  request(record: CustomerRecord): RequestBody | undefined {
    return this.spec.request(record);
  }

  async lookup(record: CustomerRecord, signal?: AbortSignal): Promise<ProviderLookup> {
    const body = this.spec.request(record);
    if (!body) return { kind: 'not_found', provider: this.name };
    const answer = await postLookup<LookupAnswer>(this.name, this.spec.path, body, this.options, signal);
    if (!answer.found) return { kind: 'not_found', provider: this.name };
    const { provider, confidence, attributes } = answer.body;
    const fetchedAt = this.now().toISOString();
    const fields = this.spec.fields
      .filter((field) => attributes[field] !== undefined)
      .map((field) => ({ field, value: attributes[field] ?? null, provider, confidence: normalizeConfidence(confidence), fetchedAt }));
    return { kind: 'found', fields };
  }
}
