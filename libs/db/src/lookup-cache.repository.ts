import type { StoredEnrichedField } from '@enrich/domain';
import type { Pool } from 'pg';
import { sqlPool, type PrismaClient } from './prisma-client';

/** A cached provider answer. */
export interface CachedAnswer {
  found: boolean;
  /** Stored as given: the lookup service seals personal values before it caches them. */
  fields: StoredEnrichedField[];
  fetchedAt: Date;
}

/**
 * Provider answers by (provider, lookup key), valid until they expire: the same contact is not
 * paid for twice across jobs. Keys are hashes (see the activities' `lookupKey`), never identities.
 */
export class LookupCacheRepository {
  /** Runs for every chunk of every page: straight to `pg` (see {@link sqlPool}). */
  private readonly pool: Pool;

  constructor(private readonly prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  /** Unexpired answers for `keys`, by key. */
  async getMany(provider: string, keys: readonly string[], now = new Date()): Promise<Map<string, CachedAnswer>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<{ lookup_key: string; found: boolean; fields: StoredEnrichedField[]; fetched_at: Date }>(
      `SELECT lookup_key, found, fields, fetched_at FROM lookup_cache
        WHERE provider = $1 AND lookup_key = ANY($2::text[]) AND expires_at > $3`,
      [provider, [...new Set(keys)], now.toISOString()],
    );
    return new Map(rows.map((r) => [r.lookup_key, { found: r.found, fields: r.fields, fetchedAt: r.fetched_at }]));
  }

  /** Stores answers (the newest wins), valid for `ttlMs`. */
  async putMany(provider: string, answers: ReadonlyArray<{ key: string } & CachedAnswer>, ttlMs: number): Promise<void> {
    if (answers.length === 0) return;
    await this.pool.query(
      `INSERT INTO lookup_cache (provider, lookup_key, found, fields, fetched_at, expires_at)
       SELECT $1, v.*
         FROM unnest($2::text[], $3::boolean[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[])
              AS v(lookup_key, found, fields, fetched_at, expires_at)
       ON CONFLICT (provider, lookup_key) DO UPDATE
         SET found = EXCLUDED.found, fields = EXCLUDED.fields, fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at`,
      [
        provider,
        answers.map((a) => a.key),
        answers.map((a) => a.found),
        answers.map((a) => JSON.stringify(a.fields)),
        answers.map((a) => a.fetchedAt.toISOString()),
        answers.map((a) => new Date(a.fetchedAt.getTime() + ttlMs).toISOString()),
      ],
    );
  }

  /** Deletes expired answers; returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const { count } = await this.prisma.lookupCache.deleteMany({ where: { expiresAt: { lte: now } } });
    return count;
  }
}
