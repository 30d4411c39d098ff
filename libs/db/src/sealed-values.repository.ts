import type { StoredEnrichedField, StoredFieldValue } from '@enrich/domain';
import type { Pool } from 'pg';
import { sqlPool, type PrismaClient } from './prisma-client';

/** Where a stored enriched value is: its job, row and field. */
export interface ResultKey {
  jobId: string;
  rowNumber: number;
  field: string;
}

/** Where a cached answer is: its provider and lookup key. */
export interface CacheKey {
  provider: string;
  lookupKey: string;
}

/**
 * Maintenance access to the sealed values kept outside `job_row.input`: the personal enriched
 * values in `enrichment_result.value` and in `lookup_cache.fields` (see `PERSONAL_ENRICHED_FIELDS`).
 * Keyset scans in primary-key order and batched replacements, for re-wrapping their data keys
 * after a master-key rotation (`rewrap`). Values are read and written as they are: nothing here
 * seals or opens.
 */
export class SealedValuesRepository {
  private readonly pool: Pool;

  constructor(prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  /** Enriched values that are sealed objects, after `after` in (job, row, field) order. */
  async scanSealedResults(after: ResultKey | undefined, limit: number): Promise<Array<ResultKey & { value: StoredFieldValue }>> {
    const { rows } = await this.pool.query<{ job_id: string; row_number: number; field: string; value: StoredFieldValue }>(
      `SELECT job_id::text AS job_id, row_number, field, value FROM enrichment_result
        WHERE ($1::uuid IS NULL OR (job_id, row_number, field) > ($1::uuid, $2::int, $3::text))
          AND jsonb_typeof(value) = 'object' AND value ? '$sealed'
        ORDER BY job_id, row_number, field
        LIMIT $4`,
      [after?.jobId ?? null, after?.rowNumber ?? 0, after?.field ?? '', limit],
    );
    return rows.map((r) => ({ jobId: r.job_id, rowNumber: r.row_number, field: r.field, value: r.value }));
  }

  /** Replaces stored enriched values (provenance untouched), in one statement. */
  async replaceResultValues(values: ReadonlyArray<ResultKey & { value: StoredFieldValue }>): Promise<void> {
    if (values.length === 0) return;
    await this.pool.query(
      `UPDATE enrichment_result AS e SET value = v.value
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::jsonb[]) AS v(job_id, row_number, field, value)
        WHERE e.job_id = v.job_id AND e.row_number = v.row_number AND e.field = v.field`,
      [values.map((v) => v.jobId), values.map((v) => v.rowNumber), values.map((v) => v.field), values.map((v) => JSON.stringify(v.value))],
    );
  }

  /** Cached answers holding a sealed value, after `after` in (provider, key) order, expired ones included. */
  async scanSealedCache(after: CacheKey | undefined, limit: number): Promise<Array<CacheKey & { fields: StoredEnrichedField[] }>> {
    const { rows } = await this.pool.query<{ provider: string; lookup_key: string; fields: StoredEnrichedField[] }>(
      `SELECT provider, lookup_key, fields FROM lookup_cache
        WHERE ($1::text IS NULL OR (provider, lookup_key) > ($1::text, $2::text))
          AND jsonb_path_exists(fields, '$[*].value."$sealed"')
        ORDER BY provider, lookup_key
        LIMIT $3`,
      [after?.provider ?? null, after?.lookupKey ?? '', limit],
    );
    return rows.map((r) => ({ provider: r.provider, lookupKey: r.lookup_key, fields: r.fields }));
  }

  /** Replaces the fields of cached answers (their expiry untouched), in one statement. */
  async replaceCacheFields(entries: ReadonlyArray<CacheKey & { fields: readonly StoredEnrichedField[] }>): Promise<void> {
    if (entries.length === 0) return;
    await this.pool.query(
      `UPDATE lookup_cache AS c SET fields = v.fields
         FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS v(provider, lookup_key, fields)
        WHERE c.provider = v.provider AND c.lookup_key = v.lookup_key`,
      [entries.map((e) => e.provider), entries.map((e) => e.lookupKey), entries.map((e) => JSON.stringify(e.fields))],
    );
  }

  /** Rows of both tables a rewrap scans at most (for progress bars). */
  async countSealed(): Promise<{ results: number; cache: number }> {
    const { rows } = await this.pool.query<{ results: string; cache: string }>(
      `SELECT (SELECT count(*) FROM enrichment_result WHERE jsonb_typeof(value) = 'object' AND value ? '$sealed') AS results,
              (SELECT count(*) FROM lookup_cache WHERE jsonb_path_exists(fields, '$[*].value."$sealed"')) AS cache`,
    );
    return { results: Number(rows[0].results), cache: Number(rows[0].cache) };
  }
}
