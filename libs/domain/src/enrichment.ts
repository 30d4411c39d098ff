/** Groups of fields a caller can ask for; each group is served by one kind of provider. */
export const ENRICHMENT_GROUPS = ['demographics'] as const;
export type EnrichmentGroup = (typeof ENRICHMENT_GROUPS)[number];

/** The fields each group fills in, as stored in `enrichment_result.field`. */
export const GROUP_FIELDS: Readonly<Record<EnrichmentGroup, readonly string[]>> = {
  demographics: ['age_band', 'income_band', 'region', 'household_size', 'home_owner', 'education', 'marital_status'],
};

export type FieldValue = string | number | boolean | null;

/** One enriched field with its provenance. */
export interface EnrichedField {
  field: string;
  value: FieldValue;
  provider: string;
  /** 0..1: how sure the provider is of this value. */
  confidence: number;
  fetchedAt: string;
  /** Served from the lookup cache (an answer paid for earlier) rather than a provider call. */
  fromCache?: boolean;
}

/** What happened to one row: every row ends in exactly one of these. */
export type RowOutcome =
  | { kind: 'enriched'; fields: EnrichedField[] }
  | { kind: 'not_found'; provider: string }
  | { kind: 'failed'; reason: string };

export function isEnrichmentGroup(value: string): value is EnrichmentGroup {
  return (ENRICHMENT_GROUPS as readonly string[]).includes(value);
}
