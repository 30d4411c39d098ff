import type { EnrichedField } from '@enrich/domain';
import type { PrismaClient } from './prisma-client';

/** A cached provider answer. */
export interface CachedAnswer {
  found: boolean;
  fields: EnrichedField[];
  fetchedAt: Date;
}

/**
 * Provider answers by (provider, lookup key), valid until they expire: the same contact is not
 * paid for twice across jobs. Keys are hashes (see the activities' `lookupKey`), never identities.
 */
export class LookupCacheRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Unexpired answers for `keys`, by key. */
  async getMany(provider: string, keys: readonly string[], now = new Date()): Promise<Map<string, CachedAnswer>> {
    if (keys.length === 0) return new Map();
    // Raw SQL with the keys as one array parameter: this runs for every chunk of every page.
    const rows = await this.prisma.$queryRaw<Array<{ lookup_key: string; found: boolean; fields: EnrichedField[]; fetched_at: Date }>>`
      SELECT lookup_key, found, fields, fetched_at FROM lookup_cache
       WHERE provider = ${provider} AND lookup_key = ANY(${[...new Set(keys)]}::text[]) AND expires_at > ${now}`;
    return new Map(rows.map((r) => [r.lookup_key, { found: r.found, fields: r.fields, fetchedAt: r.fetched_at }]));
  }

  /** Stores answers (the newest wins), valid for `ttlMs`. */
  async putMany(provider: string, answers: ReadonlyArray<{ key: string } & CachedAnswer>, ttlMs: number): Promise<void> {
    if (answers.length === 0) return;
    await this.prisma.$executeRaw`
      INSERT INTO lookup_cache (provider, lookup_key, found, fields, fetched_at, expires_at)
      SELECT ${provider}, v.*
        FROM unnest(${answers.map((a) => a.key)}::text[], ${answers.map((a) => a.found)}::boolean[],
                    ${answers.map((a) => JSON.stringify(a.fields))}::jsonb[], ${answers.map((a) => a.fetchedAt.toISOString())}::timestamptz[],
                    ${answers.map((a) => new Date(a.fetchedAt.getTime() + ttlMs).toISOString())}::timestamptz[])
             AS v(lookup_key, found, fields, fetched_at, expires_at)
      ON CONFLICT (provider, lookup_key) DO UPDATE
        SET found = EXCLUDED.found, fields = EXCLUDED.fields, fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at`;
  }

  /** Deletes expired answers; returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const { count } = await this.prisma.lookupCache.deleteMany({ where: { expiresAt: { lte: now } } });
    return count;
  }
}
