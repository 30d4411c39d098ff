/** Groups of fields a caller can ask for. */
export const ENRICHMENT_GROUPS = ['demographics', 'firmographics', 'contact', 'web'] as const;
export type EnrichmentGroup = (typeof ENRICHMENT_GROUPS)[number];

/** The fields each group fills in, as stored in `enrichment_result.field`. */
export const GROUP_FIELDS: Readonly<Record<EnrichmentGroup, readonly string[]>> = {
  demographics: ['age_band', 'income_band', 'region', 'household_size', 'home_owner', 'education', 'marital_status'],
  firmographics: ['industry', 'employee_band', 'revenue_band', 'founded_year', 'hq_country'],
  contact: ['work_email', 'email_status', 'phone', 'line_type'],
  web: ['company_description', 'headcount', 'linkedin_url'],
};

/** Groups researched on the open web, one row at a time (search, crawl, extract, feedback). */
export const RESEARCH_GROUPS: readonly EnrichmentGroup[] = ['web'];

/**
 * The waterfall: for each group, the providers tried in order. A provider is asked only for the
 * fields still missing (or below the confidence threshold) after the ones before it, so a second
 * vendor is paid only for the contacts the first has no record of or is unsure about.
 */
export const DEFAULT_WATERFALL: Readonly<Record<EnrichmentGroup, readonly string[]>> = {
  demographics: ['demographics', 'people-data'],
  firmographics: ['firmographics', 'company-registry'],
  contact: ['email-finder', 'phone-finder'],
  web: [],
};

/** Below this confidence a value does not stop the waterfall (it is kept if nothing better comes). */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.6;

/** The fields of `wanted` that `have` does not hold at `threshold` or above (values, sealed or not, are not looked at). */
export function missingFields(
  wanted: readonly string[],
  have: ReadonlyArray<Pick<EnrichedField<unknown>, 'field' | 'confidence'>>,
  threshold: number,
): string[] {
  const sure = new Set(have.filter((f) => f.confidence >= threshold).map((f) => f.field));
  return wanted.filter((field) => !sure.has(field));
}

export type FieldValue = string | number | boolean | null;

/**
 * One enriched field with its provenance. `V` is the type of its value: plain by default (what a
 * provider answers and what the results API shows); `StoredEnrichedField` (`./sealed`) is the form
 * kept at rest and carried by the worker, with the values of personal fields sealed.
 */
export interface EnrichedField<V = FieldValue> {
  field: string;
  value: V;
  provider: string;
  /** 0..1: how sure the provider is of this value. */
  confidence: number;
  fetchedAt: string;
  /** Served from the lookup cache (an answer paid for earlier) rather than a provider call. */
  fromCache?: boolean;
}

/** What happened to one row: every row ends in exactly one of these (`V`: the type of field values, see {@link EnrichedField}). */
export type RowOutcome<V = FieldValue> =
  { kind: 'enriched'; fields: Array<EnrichedField<V>> } | { kind: 'not_found'; provider: string } | { kind: 'failed'; reason: string };

export function isEnrichmentGroup(value: string): value is EnrichmentGroup {
  return (ENRICHMENT_GROUPS as readonly string[]).includes(value);
}
