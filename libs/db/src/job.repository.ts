import type {
  ColumnMapping,
  JobCounts,
  JobStatus,
  LookupStats,
  RowRange,
  RowStatus,
  StoredEnrichedField,
  StoredFieldValue,
  TextEncoding,
} from '@enrich/domain';
import { EMPTY_COUNTS } from '@enrich/domain';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, sqlPool, type Prisma, type PrismaClient } from './prisma-client';

/** Rows turned FAILED per statement when a job ends early: a fraction of a second each. */
const FINAL_ROWS_PER_STATEMENT = 20_000;

export interface NewJob {
  /** The tenant that owns the job (jobs made outside the API, by tools and tests, may have none). */
  tenantId?: string;
  sourceName: string;
  blobKey: string;
  fields: string[];
  /** Which header feeds which column, where the user said so. */
  columnMapping?: ColumnMapping;
  /** The file's text encoding, decided at upload; UTF-8 unless told. */
  encoding?: TextEncoding;
}

export interface JobSummary {
  id: string;
  /** The owner; null for jobs made before tenants existed. */
  tenantId: string | null;
  /** The enrichment request id whose contacts the job holds; null for a CSV job. */
  erid: string | null;
  status: JobStatus;
  sourceName: string;
  /** The text encoding the file was read in. */
  encoding: TextEncoding;
  fields: string[];
  error: string | null;
  workflowId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  counts: JobCounts;
  /** How the job's lookups were served, recorded when it ended (null before, and for jobs ended before this was recorded). */
  lookups: LookupStats | null;
}

/** A row of a job's file as staged: the record is stored as given (validated), with its line. */
export interface StagedRow {
  rowNumber: number;
  lineNumber: number;
  input: Record<string, unknown>;
  /** Every cell of the record as written, sealed as one value. */
  cells?: unknown;
  status: 'PENDING' | 'QUARANTINED';
  error?: string;
}

export interface ResultRow {
  rowNumber: number;
  lineNumber: number;
  status: RowStatus;
  lastError: string | null;
  input: Record<string, unknown>;
  /** As stored: personal values sealed (open them with `openEnrichedFields` of `@enrich/domain`), plain in rows written before they were. */
  fields: StoredEnrichedField[];
  /** Every cell of the record as written, sealed (null for rows staged before cells were kept). */
  cells: unknown;
}

export interface PendingRow {
  rowNumber: number;
  lineNumber: number;
  input: Record<string, unknown>;
}

/** The final outcome of one row, written together with its enriched fields. */
export interface RowResult {
  rowNumber: number;
  status: Exclude<RowStatus, 'PENDING' | 'QUARANTINED'>;
  error?: string;
  /** Stored as given: the activities seal personal values before they get here. */
  fields: StoredEnrichedField[];
}

const COUNT_KEYS: Record<RowStatus, keyof JobCounts> = {
  PENDING: 'pending',
  ENRICHED: 'enriched',
  NOT_FOUND: 'notFound',
  FAILED: 'failed',
  QUARANTINED: 'quarantined',
};

/**
 * Data access for jobs, their rows and results. Every write is idempotent (keyed by job and row, or
 * job, row and field) so an activity retried after a crash never duplicates anything.
 */
export class JobRepository {
  /** Bulk statements go to `pg` directly (see {@link sqlPool}). */
  private readonly pool: Pool;

  constructor(private readonly prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  async create({ columnMapping, ...job }: NewJob): Promise<{ id: string }> {
    return this.prisma.job.create({ data: { ...job, ...(columnMapping ? { columnMapping } : {}) }, select: { id: true } });
  }

  async setWorkflowId(jobId: string, workflowId: string): Promise<void> {
    await this.prisma.job.update({ where: { id: jobId }, data: { workflowId } });
  }

  /** The job; with `tenantId`, only when that tenant owns it. */
  async get(jobId: string, tenantId?: string): Promise<JobSummary | undefined> {
    const job = await this.prisma.job.findFirst({ where: { id: jobId, ...(tenantId === undefined ? {} : { tenantId }) } });
    if (!job) return undefined;
    return summaryOf(job, await this.counts(jobId));
  }

  /**
   * A tenant's jobs, newest first, `limit` at a time: `before` is the keyset cursor (the last job of
   * the previous page), filters by status and creation time. Counts for the whole page in one query.
   */
  async list(
    tenantId: string,
    {
      status,
      createdFrom,
      createdTo,
      before,
      limit,
    }: { status?: JobStatus[]; createdFrom?: Date; createdTo?: Date; before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<JobSummary[]> {
    const jobs = await this.prisma.job.findMany({
      where: {
        tenantId,
        ...(status?.length ? { status: { in: status } } : {}),
        ...(createdFrom || createdTo ? { createdAt: { ...(createdFrom ? { gte: createdFrom } : {}), ...(createdTo ? { lt: createdTo } : {}) } } : {}),
        ...(before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { gt: before.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: limit,
    });
    const counts = new Map<string, JobCounts>(jobs.map((job) => [job.id, { ...EMPTY_COUNTS }]));
    if (jobs.length > 0) {
      const groups = await this.prisma.jobRow.groupBy({ by: ['jobId', 'status'], where: { jobId: { in: jobs.map((job) => job.id) } }, _count: { _all: true } });
      for (const group of groups) addStatusCount(counts.get(group.jobId) as JobCounts, group.status, group._count._all);
    }
    return jobs.map((job) => summaryOf(job, counts.get(job.id) as JobCounts));
  }

  /** The job's blob key, requested fields and how to read its file, or undefined when the job does not exist. */
  async source(jobId: string): Promise<
    | {
        blobKey: string | null;
        fields: string[];
        status: JobStatus;
        encoding: TextEncoding;
        header: string[];
        totalRows: number;
        columnMapping?: ColumnMapping;
      }
    | undefined
  > {
    const job = await this.prisma.job.findUnique({
      where: { id: jobId },
      select: { blobKey: true, fields: true, status: true, columnMapping: true, encoding: true, header: true, totalRows: true },
    });
    if (!job) return undefined;
    const { columnMapping, encoding, ...rest } = job;
    return { ...rest, encoding: encoding as TextEncoding, ...(columnMapping ? { columnMapping: columnMapping as ColumnMapping } : {}) };
  }

  async counts(jobId: string): Promise<JobCounts> {
    return this.countRows({ jobId });
  }

  /** Row counts of one page of a job. */
  async rangeCounts(jobId: string, range: RowRange): Promise<JobCounts> {
    return this.countRows({ jobId, rowNumber: { gte: range.from, lt: range.to } });
  }

  private async countRows(where: Prisma.JobRowWhereInput): Promise<JobCounts> {
    const groups = await this.prisma.jobRow.groupBy({ by: ['status'], where, _count: { _all: true } });
    const counts = { ...EMPTY_COUNTS };
    for (const group of groups) addStatusCount(counts, group.status, group._count._all);
    return counts;
  }

  /**
   * Sets a job's status. A job that ends FAILED or CANCELLED leaves no row PENDING: first those rows
   * turn FAILED with the reason, a range of rows per statement (each committed, so a retried call
   * goes on where the last one stopped, however large the file), then the job's status is set. So
   * once a job says it is over, none of its rows changes any more.
   */
  async markStatus(jobId: string, status: JobStatus, error?: string, lookups?: LookupStats): Promise<void> {
    if (status === 'FAILED' || status === 'CANCELLED') {
      const reason = status === 'CANCELLED' ? 'not enriched: the job was cancelled' : `not enriched: the job failed${error ? ` (${error})` : ''}`;
      const { _max } = await this.prisma.jobRow.aggregate({ where: { jobId }, _max: { rowNumber: true } });
      for (let from = 1; from <= (_max.rowNumber ?? 0); from += FINAL_ROWS_PER_STATEMENT) {
        await this.failPendingRows(jobId, { from, to: from + FINAL_ROWS_PER_STATEMENT }, reason);
      }
    }
    const now = new Date();
    await this.prisma.job.update({
      where: { id: jobId },
      data: {
        status,
        ...(error !== undefined ? { error } : {}),
        ...(lookups !== undefined ? { lookups: { ...lookups } } : {}),
        ...(status === 'RUNNING' ? { startedAt: now } : {}),
        ...(status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED' ? { completedAt: now } : {}),
      },
    });
  }

  /**
   * Marks a job STAGING when its staging starts, unless pages already moved it on (a staging
   * attempt retried while its first rows are being enriched must not set the job back).
   */
  async markStaging(jobId: string): Promise<void> {
    await this.prisma.job.updateMany({ where: { id: jobId, status: 'PENDING' }, data: { status: 'STAGING', startedAt: new Date() } });
  }

  /** Records the number of data rows once staging is complete. */
  async setTotalRows(jobId: string, totalRows: number): Promise<void> {
    await this.prisma.job.update({ where: { id: jobId }, data: { totalRows } });
  }

  /**
   * Inserts staged rows; rows already staged by an earlier attempt are left as they are. Columns go
   * as arrays (`unnest`), so the statement has six parameters however many rows it carries.
   */
  async insertRows(jobId: string, rows: readonly StagedRow[]): Promise<void> {
    await insertStagedRows(this.pool, jobId, rows);
  }

  /** Records the file's header row as written, once (a retried staging attempt writes nothing). */
  async setHeader(jobId: string, header: readonly string[]): Promise<void> {
    await this.prisma.job.updateMany({ where: { id: jobId, header: { isEmpty: true } }, data: { header: [...header] } });
  }

  /** Rows of `range` still waiting for enrichment, in row order. */
  async pendingRows(jobId: string, range: RowRange): Promise<PendingRow[]> {
    const rows = await this.prisma.jobRow.findMany({
      where: { jobId, status: 'PENDING', rowNumber: { gte: range.from, lt: range.to } },
      orderBy: { rowNumber: 'asc' },
      select: { rowNumber: true, lineNumber: true, input: true },
    });
    return rows.map((row) => ({ ...row, input: row.input as Record<string, unknown> }));
  }

  /**
   * Writes the outcome of a batch of rows and their fields in one transaction. Only rows still
   * PENDING are written (the row lock makes a second writer wait, then skip them): a replayed batch,
   * or two attempts of one page racing after a heartbeat timeout, write each row once.
   */
  async saveRowResults(jobId: string, results: readonly RowResult[]): Promise<void> {
    if (results.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ row_number: number }>(
        `UPDATE job_row AS r
            SET status = v.status, last_error = v.error, attempts = r.attempts + 1, updated_at = now()
           FROM unnest($2::int[], $3::"RowStatus"[], $4::text[]) AS v(row_number, status, error)
          WHERE r.job_id = $1::uuid AND r.row_number = v.row_number AND r.status = 'PENDING'
          RETURNING r.row_number`,
        [jobId, results.map((r) => r.rowNumber), results.map((r) => r.status), results.map((r) => r.error ?? null)],
      );
      const written = new Set(rows.map((row) => row.row_number));
      const fields = results.filter((r) => written.has(r.rowNumber)).flatMap((r) => r.fields.map((f) => ({ rowNumber: r.rowNumber, ...f })));
      if (fields.length > 0) await upsertResults(client, jobId, fields);
    });
  }

  /** One row's stored input, or undefined. */
  async row(jobId: string, rowNumber: number): Promise<{ input: Record<string, unknown>; status: RowStatus } | undefined> {
    const row = await this.prisma.jobRow.findUnique({ where: { jobId_rowNumber: { jobId, rowNumber } }, select: { input: true, status: true } });
    return row ? { input: row.input as Record<string, unknown>, status: row.status } : undefined;
  }

  /**
   * Stores a row's web-research fields and settles the row: PENDING becomes ENRICHED when anything
   * was found, NOT_FOUND otherwise; a row NOT_FOUND by lookups becomes ENRICHED when research found
   * something. One transaction, idempotent.
   */
  async saveResearch(jobId: string, rowNumber: number, fields: readonly StoredEnrichedField[]): Promise<void> {
    const found = fields.length > 0;
    await inTransaction(this.pool, async (client) => {
      if (found)
        await upsertResults(
          client,
          jobId,
          fields.map((f) => ({ ...f, rowNumber, fromCache: false })),
        );
      await client.query(
        `UPDATE job_row SET status = $3::"RowStatus", last_error = $4, updated_at = now()
          WHERE job_id = $1::uuid AND row_number = $2 AND status = ANY($5::"RowStatus"[])`,
        [jobId, rowNumber, found ? 'ENRICHED' : 'NOT_FOUND', found ? null : 'nothing found on the web', found ? ['PENDING', 'NOT_FOUND'] : ['PENDING']],
      );
    });
  }

  /** Marks the rows of `range` still pending as failed with `reason`; returns how many. */
  async failPendingRows(jobId: string, range: RowRange, reason: string): Promise<number> {
    const { count } = await this.prisma.jobRow.updateMany({
      where: { jobId, status: 'PENDING', rowNumber: { gte: range.from, lt: range.to } },
      data: { status: 'FAILED', lastError: reason },
    });
    return count;
  }

  /** Stored row inputs of every job in (job, row) order after `after`: a keyset scan for maintenance. */
  async scanInputs(after: { jobId: string; rowNumber: number } | undefined, limit: number) {
    const rows = await this.prisma.jobRow.findMany({
      where: after ? { OR: [{ jobId: { gt: after.jobId } }, { jobId: after.jobId, rowNumber: { gt: after.rowNumber } }] } : {},
      orderBy: [{ jobId: 'asc' }, { rowNumber: 'asc' }],
      take: limit,
      select: { jobId: true, rowNumber: true, input: true },
    });
    return rows.map((row) => ({ ...row, input: row.input as Record<string, unknown> }));
  }

  /** Replaces the stored inputs of rows (after key rotation), in one transaction. */
  async replaceInputs(rows: ReadonlyArray<{ jobId: string; rowNumber: number; input: Record<string, unknown> }>): Promise<void> {
    await this.prisma.$transaction(
      rows.map((row) =>
        this.prisma.jobRow.update({
          where: { jobId_rowNumber: { jobId: row.jobId, rowNumber: row.rowNumber } },
          data: { input: row.input as Prisma.InputJsonValue },
        }),
      ),
    );
  }

  async totalStoredRows(): Promise<number> {
    return this.prisma.jobRow.count();
  }

  /** Rows of a job with their outcome and enriched fields, keyset-paginated by row number. */
  async resultRows(jobId: string, afterRow: number, limit: number): Promise<ResultRow[]> {
    const rows = await this.prisma.jobRow.findMany({
      where: { jobId, rowNumber: { gt: afterRow } },
      orderBy: { rowNumber: 'asc' },
      take: limit,
      select: {
        rowNumber: true,
        lineNumber: true,
        status: true,
        lastError: true,
        input: true,
        cells: true,
        results: { orderBy: { field: 'asc' }, select: { field: true, value: true, provider: true, confidence: true, fetchedAt: true, fromCache: true } },
      },
    });
    return rows.map(({ results, input, ...row }) => ({
      ...row,
      input: input as Record<string, unknown>,
      fields: results.map((r) => ({ ...r, value: r.value as StoredFieldValue, fetchedAt: r.fetchedAt.toISOString() })),
    }));
  }
}

/**
 * Upserts enriched fields keyed by (job, row, field): a replayed write changes nothing, and a newer
 * answer replaces the stored one with its provenance. Columns go as arrays (`unnest`): a constant
 * statement with eight parameters, however many fields, which is what keeps page writes cheap.
 */
async function upsertResults(db: Pick<PoolClient, 'query'>, jobId: string, fields: ReadonlyArray<StoredEnrichedField & { rowNumber: number }>): Promise<void> {
  await db.query(
    `INSERT INTO enrichment_result (job_id, row_number, field, value, provider, confidence, fetched_at, from_cache)
     SELECT $1::uuid, v.*
       FROM unnest($2::int[], $3::text[], $4::jsonb[], $5::text[], $6::float8[], $7::timestamptz[], $8::boolean[])
            AS v(row_number, field, value, provider, confidence, fetched_at, from_cache)
     ON CONFLICT (job_id, row_number, field) DO UPDATE
       SET value = EXCLUDED.value, provider = EXCLUDED.provider, confidence = EXCLUDED.confidence,
           fetched_at = EXCLUDED.fetched_at, from_cache = EXCLUDED.from_cache`,
    [
      jobId,
      fields.map((f) => f.rowNumber),
      fields.map((f) => f.field),
      fields.map((f) => JSON.stringify(f.value)),
      fields.map((f) => f.provider),
      fields.map((f) => f.confidence),
      fields.map((f) => new Date(f.fetchedAt).toISOString()),
      fields.map((f) => f.fromCache ?? false),
    ],
  );
}

/** Adds `count` rows in `status` to `counts`. */
function addStatusCount(counts: JobCounts, status: RowStatus, count: number): void {
  counts[COUNT_KEYS[status]] = count;
  counts.total += count;
}

function summaryOf(job: Prisma.JobGetPayload<object>, counts: JobCounts): JobSummary {
  return {
    id: job.id,
    tenantId: job.tenantId,
    erid: job.erid,
    status: job.status,
    sourceName: job.sourceName,
    encoding: job.encoding as TextEncoding,
    fields: job.fields,
    error: job.error,
    workflowId: job.workflowId,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    counts,
    lookups: job.lookups as LookupStats | null,
  };
}

/** Inserts staged rows (a row already there is kept: a retried batch writes nothing twice), on `db` (a pool or a transaction's client). */
export async function insertStagedRows(db: Pick<PoolClient, 'query'>, jobId: string, rows: readonly StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO job_row (job_id, row_number, line_number, input, status, last_error, cells)
     SELECT $1::uuid, v.row_number, v.line_number, v.input, v.status, v.last_error, v.cells
       FROM unnest($2::int[], $3::int[], $4::jsonb[], $5::"RowStatus"[], $6::text[], $7::jsonb[])
            AS v(row_number, line_number, input, status, last_error, cells)
     ON CONFLICT (job_id, row_number) DO NOTHING`,
    [
      jobId,
      rows.map((r) => r.rowNumber),
      rows.map((r) => r.lineNumber),
      rows.map((r) => JSON.stringify(r.input)),
      rows.map((r) => r.status),
      rows.map((r) => r.error ?? null),
      rows.map((r) => (r.cells === undefined ? null : JSON.stringify(r.cells))),
    ],
  );
}
