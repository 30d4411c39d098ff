import type { EnrichedField } from './enrichment';

/**
 * Merges enriched fields by name, keeping for each field the value with the highest confidence;
 * on a tie the most recently fetched wins, so a refresh replaces an equally sure older value.
 * Pure and order-independent: merging the same candidates in any order gives the same result.
 * Values are never looked at, so sealed ones merge just like plain ones.
 */
export function mergeEnrichedFields<F extends EnrichedField<unknown>>(...candidates: ReadonlyArray<readonly F[]>): F[] {
  const best = new Map<string, F>();
  for (const field of candidates.flat()) {
    const current = best.get(field.field);
    if (!current || outranks(field, current)) best.set(field.field, field);
  }
  return [...best.values()].sort((a, b) => a.field.localeCompare(b.field));
}

function outranks(a: EnrichedField<unknown>, b: EnrichedField<unknown>): boolean {
  if (a.confidence !== b.confidence) return a.confidence > b.confidence;
  if (a.fetchedAt !== b.fetchedAt) return a.fetchedAt > b.fetchedAt;
  return a.provider < b.provider;
}

/** Clamps a provider-reported confidence into 0..1, treating non-numbers as no confidence. */
export function normalizeConfidence(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) return 0;
  return Math.min(1, Math.max(0, value));
}
