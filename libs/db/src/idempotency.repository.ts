import type { Pool } from 'pg';
import { sqlPool, type PrismaClient } from './prisma-client';

/** What a key already stands for, as {@link IdempotencyRepository.claim} finds it. */
export type IdempotencyClaim =
  /** First use (or the earlier use expired, or was abandoned): handle the request, then {@link IdempotencyRepository.complete}. */
  | { state: 'claimed' }
  /** The first request with this key is still being handled. */
  | { state: 'in-progress' }
  /** Used for another request (another route or body). */
  | { state: 'mismatch'; route: string }
  /** Answered before: replay this. */
  | { state: 'done'; status: number; body: unknown; headers: Record<string, string> };

/** How long answers are kept, and when an unanswered claim counts as abandoned. */
export interface IdempotencyWindow {
  /** How long an answer is replayed. */
  ttlMs: number;
  /** A claim left unanswered this long is taken to be abandoned (its process died) and may be claimed again: longer than any request may take. */
  abandonedAfterMs: number;
}

/**
 * Idempotency keys per tenant (the IETF `Idempotency-Key` draft): a key is claimed in one statement
 * (so of two concurrent requests with one key exactly one is handled), answered once, and replayed
 * until it expires.
 */
export class IdempotencyRepository {
  private readonly pool: Pool;

  constructor(prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  async claim(tenantId: string, key: string, route: string, fingerprint: string, window: IdempotencyWindow, now = new Date()): Promise<IdempotencyClaim> {
    const { ttlMs, abandonedAfterMs } = window;
    // Takes the key when it is new, expired, or abandoned; otherwise leaves it as it is.
    const { rowCount } = await this.pool.query(
      `INSERT INTO idempotency_record (tenant_id, key, route, fingerprint, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET route = EXCLUDED.route, fingerprint = EXCLUDED.fingerprint, status = NULL, body = NULL, headers = NULL,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
         WHERE idempotency_record.expires_at <= $5
            OR (idempotency_record.status IS NULL AND idempotency_record.created_at <= $7)`,
      [
        tenantId,
        key,
        route,
        fingerprint,
        now.toISOString(),
        new Date(now.getTime() + ttlMs).toISOString(),
        new Date(now.getTime() - abandonedAfterMs).toISOString(),
      ],
    );
    if (rowCount === 1) return { state: 'claimed' };
    const { rows } = await this.pool.query<{
      route: string;
      fingerprint: string;
      status: number | null;
      body: unknown;
      headers: Record<string, string> | null;
    }>(`SELECT route, fingerprint, status, body, headers FROM idempotency_record WHERE tenant_id = $1 AND key = $2`, [tenantId, key]);
    const record = rows[0];
    // Deleted in between (purged): take it again.
    if (!record) return this.claim(tenantId, key, route, fingerprint, window, now);
    if (record.route !== route || record.fingerprint !== fingerprint) return { state: 'mismatch', route: record.route };
    if (record.status === null) return { state: 'in-progress' };
    return { state: 'done', status: record.status, body: record.body, headers: record.headers ?? {} };
  }

  /** Records the answer to replay. */
  async complete(tenantId: string, key: string, answer: { status: number; body: unknown; headers: Record<string, string> }): Promise<void> {
    await this.pool.query(`UPDATE idempotency_record SET status = $3, body = $4, headers = $5 WHERE tenant_id = $1 AND key = $2`, [
      tenantId,
      key,
      answer.status,
      JSON.stringify(answer.body ?? null),
      JSON.stringify(answer.headers),
    ]);
  }

  /** Gives the key up (the request failed in a way a retry may fix): the next request with it is handled afresh. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_record WHERE tenant_id = $1 AND key = $2 AND status IS NULL`, [tenantId, key]);
  }

  /** Deletes expired keys; returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM idempotency_record WHERE expires_at <= $1`, [now.toISOString()]);
    return rowCount ?? 0;
  }
}
