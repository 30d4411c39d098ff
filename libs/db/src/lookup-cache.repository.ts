import type { EnrichedField } from '@enrich/domain';
import { Prisma, type PrismaClient } from './prisma-client';

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
    const rows = await this.prisma.lookupCache.findMany({
      where: { provider, lookupKey: { in: [...new Set(keys)] }, expiresAt: { gt: now } },
      select: { lookupKey: true, found: true, fields: true, fetchedAt: true },
    });
    return new Map(rows.map((r) => [r.lookupKey, { found: r.found, fields: r.fields as unknown as EnrichedField[], fetchedAt: r.fetchedAt }]));
  }

  /** Stores answers (the newest wins), valid for `ttlMs`. */
  async putMany(provider: string, answers: ReadonlyArray<{ key: string } & CachedAnswer>, ttlMs: number): Promise<void> {
    if (answers.length === 0) return;
    await this.prisma.$executeRaw`
      INSERT INTO lookup_cache (provider, lookup_key, found, fields, fetched_at, expires_at)
      VALUES ${Prisma.join(
        answers.map(
          (a) =>
            Prisma.sql`(${provider}, ${a.key}, ${a.found}, ${JSON.stringify(a.fields)}::jsonb, ${a.fetchedAt}, ${new Date(a.fetchedAt.getTime() + ttlMs)})`,
        ),
      )}
      ON CONFLICT (provider, lookup_key) DO UPDATE
        SET found = EXCLUDED.found, fields = EXCLUDED.fields, fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at`;
  }

  /** Deletes expired answers; returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const { count } = await this.prisma.lookupCache.deleteMany({ where: { expiresAt: { lte: now } } });
    return count;
  }
}
