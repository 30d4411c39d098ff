import { type CustomerRecord, type EnrichedField, GROUP_FIELDS, normalizeConfidence } from '@enrich/domain';
import { postLookup, type HttpProviderOptions } from './http-provider';

interface DemographicsAnswer {
  provider: string;
  record_id: string;
  confidence: number;
  attributes: Record<string, string | number | boolean | null>;
}

export type ProviderLookup = { kind: 'found'; fields: EnrichedField[] } | { kind: 'not_found'; provider: string };

/** Client of a demographics provider (the mock-enrichment app's contract). */
export class DemographicsClient {
  readonly name = 'demographics';

  constructor(
    private readonly options: HttpProviderOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The request this provider is sent for `record`: also what its answers are cached by. */
  request(record: CustomerRecord): Record<string, string | undefined> {
    return { email: record.email, first_name: record.first_name, last_name: record.last_name, postal_code: record.postal_code };
  }

  /** Looks a customer up; throws the errors of `provider-errors` when the call itself fails. */
  async lookup(record: CustomerRecord, signal?: AbortSignal): Promise<ProviderLookup> {
    const answer = await postLookup<DemographicsAnswer>(this.name, '/v1/providers/demographics/lookup', this.request(record), this.options, signal);
    if (!answer.found) return { kind: 'not_found', provider: this.name };
    const { provider, confidence, attributes } = answer.body;
    const fetchedAt = this.now().toISOString();
    const fields = GROUP_FIELDS.demographics
      .filter((field) => attributes[field] !== undefined)
      .map((field) => ({ field, value: attributes[field] ?? null, provider, confidence: normalizeConfidence(confidence), fetchedAt }));
    return { kind: 'found', fields };
  }
}
