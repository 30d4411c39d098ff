import type { FieldSealer } from '@enrich/codec';
import type { JobRepository } from '@enrich/db';

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
