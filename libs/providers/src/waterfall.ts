import {
  type CustomerRecord,
  type EnrichmentGroup,
  GROUP_FIELDS,
  mergeEnrichedFields,
  missingFields,
  type LookupStats,
  type RowOutcome,
  type StoredEnrichedField,
  type StoredFieldValue,
} from '@enrich/domain';
import type { CallLedger, LookupService } from './lookup-service';

export interface WaterfallOptions {
  /** Lookup services by provider registry name. */
  providers: Readonly<Record<string, Pick<LookupService, 'lookupMany'>>>;
  /** For each group, the providers to try in order. */
  waterfall: Readonly<Record<EnrichmentGroup, readonly string[]>>;
  /** A value at or above it ends the waterfall for its field. */
  threshold: number;
}

/**
 * A row's outcome, or `unavailable` when a provider could not answer yet (retry the row later).
 * Field values are as the lookup services hand them on: personal ones sealed.
 */
export type WaterfallOutcome = { kind: 'done'; outcome: RowOutcome<StoredFieldValue> } | { kind: 'unavailable'; error: Error };

/** Thrown when configuration (a waterfall, a rate budget) names a provider the worker has no client for. */
export class UnknownProviderError extends Error {
  override readonly name = 'UnknownProviderError';
}

/**
 * Enriches a batch of records for the requested groups. Groups run side by side; within a group,
 * providers are asked in waterfall order, each only for the records still missing a field of the
 * group (no value, or one below the threshold). Every candidate value is kept with its provenance
 * and the most confident one per field wins, so a low-confidence answer is still recorded when no
 * provider does better.
 */
export async function runWaterfall(
  records: readonly CustomerRecord[],
  groups: readonly EnrichmentGroup[],
  options: WaterfallOptions,
  signal: AbortSignal,
  stats?: LookupStats,
  /** Where the calls are billed, durably (a job's ledger); none for lookups billed to no job. */
  ledger?: CallLedger,
): Promise<WaterfallOutcome[]> {
  // Ranked by confidence only: sealed values are carried through unopened.
  const candidates: StoredEnrichedField[][] = records.map(() => []);
  const asked: Array<Set<string>> = records.map(() => new Set());
  const rejected: Array<string | undefined> = records.map(() => undefined);
  const unavailable: Array<Error | undefined> = records.map(() => undefined);

  await Promise.all(
    groups.map(async (group) => {
      const wanted = GROUP_FIELDS[group];
      for (const name of options.waterfall[group]) {
        const service = options.providers[name];
        if (!service) throw new UnknownProviderError(`the waterfall of ${group} names provider "${name}", which this worker has no client for`);
        const indexes = records.flatMap((_, i) => (!unavailable[i] && missingFields(wanted, candidates[i], options.threshold).length > 0 ? [i] : []));
        if (indexes.length === 0) return;
        const outcomes = await service.lookupMany(
          indexes.map((i) => records[i]),
          signal,
          stats,
          ledger,
        );
        outcomes.forEach((outcome, k) => {
          const i = indexes[k];
          if (outcome.kind === 'found') candidates[i].push(...outcome.fields.filter((f) => wanted.includes(f.field)));
          if (outcome.kind === 'found' || outcome.kind === 'not_found') asked[i].add(name);
          if (outcome.kind === 'rejected') rejected[i] = outcome.reason;
          if (outcome.kind === 'unavailable') unavailable[i] = outcome.error;
        });
      }
    }),
  );

  return records.map((_, i): WaterfallOutcome => {
    const error = unavailable[i];
    if (error) return { kind: 'unavailable', error };
    const fields = mergeEnrichedFields(candidates[i]);
    if (fields.length > 0) return { kind: 'done', outcome: { kind: 'enriched', fields } };
    const reason = rejected[i];
    if (reason) return { kind: 'done', outcome: { kind: 'failed', reason } };
    return { kind: 'done', outcome: { kind: 'not_found', provider: [...asked[i]].join(', ') || 'any provider' } };
  });
}
