import type { FieldSealer } from '@enrich/codec';
import type { CacheKey, JobRepository, ResultKey, SealedValuesRepository } from '@enrich/db';
import type { StoredEnrichedField, StoredFieldValue } from '@enrich/domain';

export interface RewrapProgress {
  scanned: number;
  rewrapped: number;
}

export interface RewrapOptions {
  jobs: Pick<JobRepository, 'scanInputs' | 'replaceInputs'>;
  sealer: Pick<FieldSealer, 'rewrapRecord'>;
  batchSize?: number;
  /** Count what would change without writing anything. */
  dryRun?: boolean;
  onProgress?: (progress: RewrapProgress) => void;
}

/**
 * Re-wraps the data keys of every sealed field stored in `job_row.input` under the current master
 * key, batch by batch over a keyset cursor: after it, the old key is needed only for Temporal
 * history still within its retention period. Safe to stop and run again; values already under the
 * current key are skipped without a key-provider call.
 */
export async function rewrapStoredInputs({ jobs, sealer, batchSize = 500, dryRun = false, onProgress }: RewrapOptions): Promise<RewrapProgress> {
  const progress: RewrapProgress = { scanned: 0, rewrapped: 0 };
  // Learned from the first rewrap: the provider's current key as it names it in sealed values.
  let currentKid: string | undefined;
  let cursor: { jobId: string; rowNumber: number } | undefined;
  for (;;) {
    const rows = await jobs.scanInputs(cursor, batchSize);
    if (rows.length === 0) return progress;
    const changed: Array<{ jobId: string; rowNumber: number; input: Record<string, unknown> }> = [];
    for (const row of rows) {
      const result = await sealer.rewrapRecord(row.input, currentKid);
      currentKid ??= result.kids.length === 1 ? result.kids[0] : undefined;
      if (result.changed) changed.push({ jobId: row.jobId, rowNumber: row.rowNumber, input: result.record });
    }
    if (!dryRun && changed.length > 0) await jobs.replaceInputs(changed);
    progress.scanned += rows.length;
    progress.rewrapped += changed.length;
    onProgress?.(progress);
    const last = rows[rows.length - 1];
    cursor = { jobId: last.jobId, rowNumber: last.rowNumber };
  }
}

export interface RewrapSealedValuesOptions {
  values: Pick<SealedValuesRepository, 'scanSealedResults' | 'replaceResultValues' | 'scanSealedCache' | 'replaceCacheFields'>;
  sealer: Pick<FieldSealer, 'rewrapRecord'>;
  batchSize?: number;
  /** Count what would change without writing anything. */
  dryRun?: boolean;
  onProgress?: (progress: RewrapProgress) => void;
}

/**
 * Re-wraps the data keys of the personal enriched values sealed in `enrichment_result.value`
 * under the current master key, like {@link rewrapStoredInputs} (same batches, same skipping of
 * values already under it). Values stored in plaintext are not touched.
 */
export async function rewrapStoredResults({ values, sealer, batchSize = 500, dryRun = false, onProgress }: RewrapSealedValuesOptions): Promise<RewrapProgress> {
  return rewrapInBatches<ResultKey & { value: StoredFieldValue }, ResultKey>({
    scan: (after) => values.scanSealedResults(after, batchSize),
    keyOf: ({ jobId, rowNumber, field }) => ({ jobId, rowNumber, field }),
    async rewrap(row, currentKid) {
      const result = await sealer.rewrapRecord({ value: row.value }, currentKid);
      return { row: { ...row, value: result.record.value }, changed: result.changed, kids: result.kids };
    },
    write: (rows) => values.replaceResultValues(rows),
    dryRun,
    onProgress,
  });
}

/**
 * Re-wraps the data keys of the personal values sealed in cached provider answers
 * (`lookup_cache.fields`) under the current master key, expired answers included.
 */
export async function rewrapCachedAnswers({ values, sealer, batchSize = 500, dryRun = false, onProgress }: RewrapSealedValuesOptions): Promise<RewrapProgress> {
  return rewrapInBatches<CacheKey & { fields: StoredEnrichedField[] }, CacheKey>({
    scan: (after) => values.scanSealedCache(after, batchSize),
    keyOf: ({ provider, lookupKey }) => ({ provider, lookupKey }),
    async rewrap(entry, currentKid) {
      const results = await Promise.all(entry.fields.map((field) => sealer.rewrapRecord({ value: field.value }, currentKid)));
      return {
        row: { ...entry, fields: entry.fields.map((field, i) => ({ ...field, value: results[i].record.value })) },
        changed: results.some((r) => r.changed),
        kids: [...new Set(results.flatMap((r) => r.kids))],
      };
    },
    write: (entries) => values.replaceCacheFields(entries),
    dryRun,
    onProgress,
  });
}

/** The keyset loop shared by the rewraps: scan a batch after the cursor, re-wrap each row, write the changed ones. */
async function rewrapInBatches<Row, Key>(options: {
  scan(after: Key | undefined): Promise<Row[]>;
  keyOf(row: Row): Key;
  rewrap(row: Row, currentKid: string | undefined): Promise<{ row: Row; changed: boolean; kids: string[] }>;
  write(rows: Row[]): Promise<void>;
  dryRun: boolean;
  onProgress?: (progress: RewrapProgress) => void;
}): Promise<RewrapProgress> {
  const progress: RewrapProgress = { scanned: 0, rewrapped: 0 };
  let currentKid: string | undefined;
  let cursor: Key | undefined;
  for (;;) {
    const rows = await options.scan(cursor);
    if (rows.length === 0) return progress;
    const changed: Row[] = [];
    for (const row of rows) {
      const result = await options.rewrap(row, currentKid);
      currentKid ??= result.kids.length === 1 ? result.kids[0] : undefined;
      if (result.changed) changed.push(result.row);
    }
    if (!options.dryRun && changed.length > 0) await options.write(changed);
    progress.scanned += rows.length;
    progress.rewrapped += changed.length;
    options.onProgress?.(progress);
    cursor = options.keyOf(rows[rows.length - 1]);
  }
}
