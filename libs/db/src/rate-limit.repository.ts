import type { Pool } from 'pg';
import { sqlPool, type PrismaClient } from './prisma-client';

/**
 * Fixed-window request counters in PostgreSQL, so every gateway instance counts against the same
 * limit. One statement per request: an upsert that returns the window's new count.
 */
export class RateLimitRepository {
  private readonly pool: Pool;

  constructor(prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  /** Counts one request of `subject` in the window starting at `windowStart`; returns the window's count with it. */
  async hit(subject: string, windowStart: Date): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>(
      `INSERT INTO rate_limit_window (subject, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (subject, window_start) DO UPDATE SET count = rate_limit_window.count + 1
       RETURNING count`,
      [subject, windowStart.toISOString()],
    );
    return (rows[0] as { count: number }).count;
  }

  /** Deletes windows that started before `before`; returns how many. */
  async purgeBefore(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM rate_limit_window WHERE window_start < $1', [before.toISOString()]);
    return rowCount ?? 0;
  }
}
