import { randomUUID } from 'node:crypto';
import { type JobStatus, PUSH_COLUMNS } from '@enrich/domain';
import type { Pool } from 'pg';
import { insertStagedRows } from './job.repository';
import { inTransaction, sqlPool, type PrismaClient } from './prisma-client';

/** An erid of a tenant: the job its contacts are rows of. */
export interface PushAggregate {
  jobId: string;
  erid: string;
  status: JobStatus;
  /** The enrichment groups its contacts get (set by its first request). */
  fields: string[];
  /** Contacts staged so far (row numbers 1..totalRows). */
  totalRows: number;
  workflowId: string;
  createdAt: Date;
  /** When it stopped taking contacts; null while open. */
  closedAt: Date | null;
}

/** A contact ready to stage: its validated record (personal fields sealed) and its cells as sent, sealed. */
export interface PushContact {
  input: Record<string, unknown>;
  cells: unknown;
}

/** What staging a request did: its rows, and whether it had been staged before (a replay). */
export type StagedPush = { firstRow: number; contacts: number; replayed: boolean } | { closed: true };

/** One request an erid holds. */
export interface PushRequestRecord {
  firstRow: number;
  contacts: number;
  createdAt: Date;
}

interface AggregateRow {
  id: string;
  erid: string;
  status: JobStatus;
  fields: string[];
  total_rows: number;
  workflow_id: string;
  created_at: Date;
  closed_at: Date | null;
}

/**
 * Push requests grouped by erid. Every erid of a tenant is one job (made by its first request, once
 * however many requests race to make it) whose rows are the contacts of its requests in arrival
 * order. A request is staged in one transaction under the job's row lock: its row numbers are
 * allocated, its rows inserted and its key recorded together, so a request sent again finds its
 * rows instead of staging them twice, and no request is staged after the erid closed.
 */
export class PushRequestRepository {
  private readonly pool: Pool;

  constructor(prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  /** The tenant's erid, made on its first request with `fields` and the workflow id `workflowIdOf(jobId)`. */
  async openOrCreate(tenantId: string, erid: string, fields: readonly string[], workflowIdOf: (jobId: string) => string): Promise<PushAggregate> {
    const id = randomUUID();
    await this.pool.query(
      `INSERT INTO job (id, tenant_id, erid, source_name, fields, status, workflow_id, header, updated_at, started_at)
       VALUES ($1, $2, $3, $4, $5::text[], 'RUNNING', $6, $7::text[], now(), now())
       ON CONFLICT (tenant_id, erid) DO NOTHING`,
      [id, tenantId, erid, `erid ${erid}`, fields, workflowIdOf(id), PUSH_COLUMNS],
    );
    return (await this.byErid(tenantId, erid)) as PushAggregate;
  }

  async byErid(tenantId: string, erid: string): Promise<PushAggregate | undefined> {
    const { rows } = await this.pool.query<AggregateRow>(
      `SELECT id, erid, status, fields, total_rows, workflow_id, created_at, closed_at FROM job WHERE tenant_id = $1 AND erid = $2`,
      [tenantId, erid],
    );
    const row = rows[0];
    return row ? aggregateOf(row) : undefined;
  }

  /**
   * Stages one request's contacts as the erid's next rows, once per `requestKey`: a key seen before
   * answers the rows it staged then (replayed), whether or not the erid has closed since.
   */
  async stage(jobId: string, requestKey: string, contacts: readonly PushContact[]): Promise<StagedPush> {
    const staged = await inTransaction(this.pool, async (client) => {
      // The row lock on the job orders concurrent requests of one erid, and waits for a close.
      const { rows } = await client.query<{ total_rows: number }>(
        `UPDATE job SET total_rows = total_rows + $2, updated_at = now() WHERE id = $1 AND closed_at IS NULL RETURNING total_rows`,
        [jobId, contacts.length],
      );
      const total = rows[0]?.total_rows;
      if (total === undefined) return undefined;
      const firstRow = total - contacts.length + 1;
      const claimed = await client.query(
        `INSERT INTO push_request (job_id, request_key, first_row, contacts) VALUES ($1, $2, $3, $4) ON CONFLICT (job_id, request_key) DO NOTHING`,
        [jobId, requestKey, firstRow, contacts.length],
      );
      // Staged before (committed by an earlier or a concurrent attempt): undo the allocation.
      if (claimed.rowCount === 0) throw REPLAYED;
      await insertStagedRows(
        client,
        jobId,
        contacts.map((contact, i) => ({ rowNumber: firstRow + i, lineNumber: firstRow + i, input: contact.input, cells: contact.cells, status: 'PENDING' })),
      );
      return { firstRow, contacts: contacts.length, replayed: false };
    }).catch((error: unknown) => {
      if (error === REPLAYED) return undefined;
      throw error;
    });
    if (staged) return staged;
    const earlier = await this.pool.query<{ first_row: number; contacts: number }>(
      `SELECT first_row, contacts FROM push_request WHERE job_id = $1 AND request_key = $2`,
      [jobId, requestKey],
    );
    const row = earlier.rows[0];
    return row ? { firstRow: row.first_row, contacts: row.contacts, replayed: true } : { closed: true };
  }

  /** Stops the erid taking contacts (idempotent); returns how many it holds, all of them staged. */
  async close(jobId: string): Promise<{ totalRows: number; closedAt: Date }> {
    const { rows } = await this.pool.query<{ total_rows: number; closed_at: Date }>(
      `UPDATE job SET closed_at = COALESCE(closed_at, now()), updated_at = now() WHERE id = $1 RETURNING total_rows, closed_at`,
      [jobId],
    );
    const row = rows[0];
    if (!row) throw new Error(`job ${jobId} does not exist`);
    return { totalRows: row.total_rows, closedAt: row.closed_at };
  }

  /** The requests the erid holds, in arrival order, after row `afterRow`. */
  async requests(jobId: string, afterRow: number, limit: number): Promise<PushRequestRecord[]> {
    const { rows } = await this.pool.query<{ first_row: number; contacts: number; created_at: Date }>(
      `SELECT first_row, contacts, created_at FROM push_request WHERE job_id = $1 AND first_row > $2 ORDER BY first_row LIMIT $3`,
      [jobId, afterRow, limit],
    );
    return rows.map((r) => ({ firstRow: r.first_row, contacts: r.contacts, createdAt: r.created_at }));
  }
}

const REPLAYED = Symbol('replayed');

function aggregateOf(row: AggregateRow): PushAggregate {
  return {
    jobId: row.id,
    erid: row.erid,
    status: row.status,
    fields: row.fields,
    totalRows: row.total_rows,
    workflowId: row.workflow_id,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}
