import type { FieldSealer } from '@enrich/codec';
import { CsvFormatError, readCustomerRows } from '@enrich/csv';
import type { BlobStore, JobExportRepository, JobRepository, JobSummary, ProviderCallRepository } from '@enrich/db';
import {
  type ColumnMapping,
  type EncodingSniffer,
  type TextEncoding,
  isSealed,
  openEnrichedFields,
  type WithOpenedValue,
  ENRICHMENT_GROUPS,
  isEnrichmentGroup,
  isTerminal,
  jobProgress,
  type JobCounts,
  type JobProgress,
  type LookupStats,
  type StoredFieldValue,
  FAILURE_TYPES,
  jobWorkflowId,
  withBilledUsage,
} from '@enrich/domain';
import {
  batchEnrichmentWorkflow,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  startUpdate,
  type BatchEnrichmentInput,
  type BatchProgress,
  type CreditBudget,
  type ResumeOptions,
} from '@enrich/workflows';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { badRequest, HttpError, notFound } from '@enrich/http';
import { decodeCursor, encodeCursor } from '../http/keyset-cursor';
import { csvExport, type CsvExportOptions } from './results-csv';

export interface JobsServiceDeps {
  jobs: JobRepository;
  /** The provider-call ledger: a running job's calls as they are made, crashed attempts included. */
  providerCalls: Pick<ProviderCallRepository, 'usage'>;
  blobs: BlobStore;
  temporal: Client;
  taskQueue: string;
  /** Opens the sealed personal fields of rows (input and enriched values) for the job's owner. */
  sealer: Pick<FieldSealer, 'openRecord' | 'open'>;
  /** Keyset reads of rows with their fields, for the CSV export. */
  exports: JobExportRepository;
  /** Rows per export query (and in memory at once); 1,000 unless told. */
  exportPageSize?: number;
  /** The clock of rate and ETA (tests pin it). */
  now?: () => Date;
}

/** Progress of a job: counts, rate and ETA from the tables, plus the workflow's live cursors while it runs. */
export interface JobViewProgress extends JobProgress {
  /** First row not yet handed to a page (live, while running). */
  nextRow?: number;
  pagesInFlight?: number;
  /** Workflow runs so far, continue-as-new included (live, while running). */
  runs?: number;
  /** Created with start=false and not started yet (live). */
  awaitingStart?: boolean;
  /** How finished pages' lookups were served: from the lookup cache, paid calls, calls shared by duplicates (live, then as recorded when the job ended). */
  lookups?: LookupStats;
  /** The job's credit budget, when it has one (live). */
  credits?: CreditBudget;
  /** Activities being retried and why (a vendor down, out of credits, rate limited): live, while the job runs. */
  retrying?: ActivityRetry[];
}

/** An activity of the job that failed and waits for its next attempt. */
export interface ActivityRetry {
  activity: string;
  attempt: number;
  /** The last attempt's failure, as the activity said it. */
  reason: string;
  /** Its failure type (`ProviderUnavailable`, `ProviderOutOfCredits`, …). */
  type?: string;
  nextAttemptAt?: string;
}

export interface JobView extends Omit<JobSummary, 'lookups'> {
  progress: JobViewProgress;
}

/** Optional tuning of a job's workflow, for tests and power users. */
export type JobTuning = Pick<BatchEnrichmentInput, 'pageSize' | 'windowSize' | 'maxCredits'>;

/** A CSV download: its file name and the stream of its bytes, produced as it is read. */
export interface CsvDownload {
  filename: string;
  body: Readable;
}

/** Use cases behind the /v1/jobs routes. */
export class JobsService {
  constructor(private readonly deps: JobsServiceDeps) {}

  /**
   * Stores the upload, decides its text encoding (a file that is not valid in it is refused with a
   * 400 naming the first bad line), checks its header (a file without the required columns is
   * refused with a 400 naming them and the line), records the job and starts its workflow.
   */
  async submit(
    tenantId: string,
    upload: { file: Readable; filename: string; sniffer: EncodingSniffer; complete: Promise<void> },
    fieldsParam: string | undefined,
    { mapping, encoding: named, start = true, ...tuning }: JobTuning & { mapping?: ColumnMapping; encoding?: TextEncoding; start?: boolean } = {},
  ): Promise<JobView> {
    const fields = parseFields(fieldsParam);
    const blobKey = `uploads/${randomUUID()}.csv`;
    await this.deps.blobs.put(blobKey, upload.file);
    let encoding: TextEncoding;
    try {
      // The file part may be whole while the request around it is not: nothing is kept then.
      await upload.complete;
      const sniffed = upload.sniffer.finish(named);
      if (!sniffed.ok) throw badRequest('invalid_encoding', sniffed.reason, { line: sniffed.line });
      encoding = sniffed.encoding;
      await this.checkHeader(blobKey, mapping, encoding);
    } catch (error) {
      await this.deps.blobs.delete(blobKey);
      throw error;
    }
    const { id } = await this.deps.jobs.create({
      tenantId,
      sourceName: upload.filename,
      blobKey,
      fields,
      encoding,
      ...(mapping ? { columnMapping: mapping } : {}),
    });
    const workflowId = jobWorkflowId(id);
    await this.deps.temporal.workflow.start(batchEnrichmentWorkflow, {
      workflowId,
      taskQueue: this.deps.taskQueue,
      args: [{ jobId: id, fields, ...tuning, ...(start ? {} : { awaitStart: true }) }],
    });
    await this.deps.jobs.setWorkflowId(id, workflowId);
    return this.view((await this.deps.jobs.get(id)) as JobSummary);
  }

  /** The tenant's job: another tenant's job is as unknown as a job that does not exist (404). */
  async get(tenantId: string, jobId: string): Promise<JobView> {
    return this.view(await this.find(tenantId, jobId));
  }

  /** The tenant's jobs, newest first: a page of `limit` and the cursor of the next one. */
  async list(tenantId: string, query: JobListQuery): Promise<{ items: JobView[]; next?: string }> {
    const jobs = await this.deps.jobs.list(tenantId, { ...query, before: query.cursor ? decodeCursor(query.cursor) : undefined, limit: query.limit });
    const items = await Promise.all(jobs.map((job) => this.view(job)));
    const last = jobs.at(-1);
    return { items, ...(last && jobs.length === query.limit ? { next: encodeCursor(last) } : {}) };
  }

  /** Starts a job created with `start=false`: its pages begin. A 409 once it has started. */
  async start(tenantId: string, jobId: string): Promise<JobView> {
    return this.control(tenantId, jobId, 'start');
  }

  /** Stops new pages from starting (pages in flight finish); the job stays RUNNING, shown paused. */
  async pause(tenantId: string, jobId: string): Promise<JobView> {
    return this.control(tenantId, jobId, 'pause');
  }

  /** Resumes a paused job; one that spent its credits needs a higher `maxCredits` (else a 409 says what the rest would take). */
  async resume(tenantId: string, jobId: string, options: ResumeOptions = {}): Promise<JobView> {
    return this.control(tenantId, jobId, 'resume', options);
  }

  /**
   * Cancels the job's workflow: pages in flight stop at their next chunk boundary (each chunk is
   * written in one transaction, so a row is either pending or final with its fields), and the
   * workflow marks the job CANCELLED.
   */
  async cancel(tenantId: string, jobId: string): Promise<JobView> {
    const job = await this.find(tenantId, jobId);
    if (isTerminal(job.status)) throw finalJob(job);
    if (job.erid !== null) throw eridJob(job.erid, jobId);
    try {
      await this.deps.temporal.workflow.getHandle(jobWorkflowId(jobId)).cancel();
    } catch (error) {
      throw await this.asConflict(tenantId, jobId, error);
    }
    return this.get(tenantId, jobId);
  }

  /**
   * A page of the job's rows with their input, their cells as written and enriched values: opened
   * for a caller allowed personal data (`personal`), else every sealed value redacted and the cells
   * withheld. `columns` is the file's header row as written (what `cells` line up with).
   */
  async results(tenantId: string, jobId: string, after: number, limit: number, { personal }: { personal: boolean }) {
    await this.find(tenantId, jobId);
    const source = await this.deps.jobs.source(jobId);
    if (!source) throw notFound(`job ${jobId} does not exist`);
    const rows = await this.deps.jobs.resultRows(jobId, after, limit);
    const lastRow = rows.at(-1)?.rowNumber;
    const items = await Promise.all(rows.map((row) => (personal ? openStoredRow(this.deps.sealer, row) : redactStoredRow(row))));
    return { columns: source.header, items, nextAfter: rows.length === limit ? lastRow : undefined, ...(personal ? {} : { redacted: true }) };
  }

  /**
   * The job's rows as CSV, read in keyset pages and produced as the response consumes them: what
   * is done so far while the job runs, everything once it is over. 404 before any byte is sent.
   */
  async resultsCsv(
    tenantId: string,
    jobId: string,
    format: Pick<CsvExportOptions, 'neutraliseFormulas' | 'bom'> = {},
    filename = `job-${jobId}-results.csv`,
  ): Promise<CsvDownload> {
    await this.find(tenantId, jobId);
    const source = await this.deps.jobs.source(jobId);
    if (!source) throw notFound(`job ${jobId} does not exist`);
    const { exports, sealer, exportPageSize = 1_000 } = this.deps;
    async function* pages() {
      for await (const page of exports.pages(jobId, { pageSize: exportPageSize })) {
        yield await Promise.all(page.map((row) => openStoredRow(sealer, row)));
      }
    }
    return { filename, body: csvExport({ header: source.header, groups: source.fields, ...format }, pages()) };
  }

  private async find(tenantId: string, jobId: string): Promise<JobSummary> {
    const job = await this.deps.jobs.get(jobId, tenantId);
    if (!job) throw notFound(`job ${jobId} does not exist`);
    return job;
  }

  private async view({ lookups, ...job }: JobSummary): Promise<JobView> {
    const live = isTerminal(job.status) ? undefined : await this.liveProgress(job.id);
    const progress = jobProgress({
      status: job.status,
      counts: job.counts,
      startedAt: job.status === 'RUNNING' || isTerminal(job.status) ? job.startedAt : null,
      now: (this.deps.now ?? (() => new Date()))(),
      paused: live?.paused ?? false,
      phase: live?.phase,
    });
    if (live) {
      const { nextRow, pagesInFlight, runs, lookups: liveLookups, awaitingStart, credits } = live;
      const retrying = await this.retrying(job.id);
      return {
        ...job,
        progress: {
          ...progress,
          nextRow,
          pagesInFlight,
          runs,
          lookups: withBilledUsage(liveLookups, await this.deps.providerCalls.usage(job.id)),
          ...(awaitingStart ? { awaitingStart } : {}),
          ...(credits ? { credits } : {}),
          ...(retrying.length > 0 ? { retrying } : {}),
        },
      };
    }
    return { ...job, progress: lookups ? { ...progress, lookups } : progress };
  }

  /**
   * The job's activities waiting for another attempt, with the last attempt's failure (decoded with
   * the client's codec: failure messages are encrypted in Temporal like payloads).
   */
  private async retrying(jobId: string): Promise<ActivityRetry[]> {
    const description = await this.deps.temporal.workflow
      .getHandle(jobWorkflowId(jobId))
      .describe()
      .catch(() => undefined);
    const failed = (description?.raw.pendingActivities ?? []).filter((activity) => activity.lastFailure && (activity.attempt ?? 1) > 1);
    return Promise.all(
      failed.map(async (activity): Promise<ActivityRetry> => {
        const error = await decodeOptionalFailureToOptionalError(this.deps.temporal.options.loadedDataConverter, activity.lastFailure).catch(() => undefined);
        const next = activity.nextAttemptScheduleTime?.seconds;
        return {
          activity: activity.activityType?.name ?? 'unknown',
          attempt: activity.attempt ?? 1,
          reason: error?.message ?? 'unknown',
          ...(error instanceof ApplicationFailure && error.type ? { type: error.type } : {}),
          ...(next ? { nextAttemptAt: new Date(Number(next) * 1_000).toISOString() } : {}),
        };
      }),
    );
  }

  private async liveProgress(jobId: string): Promise<BatchProgress | undefined> {
    // A workflow that is not there (yet) or not answering leaves the view to the tables.
    return this.deps.temporal.workflow
      .getHandle(jobWorkflowId(jobId))
      .query(progressQuery)
      .catch(() => undefined);
  }

  private async control(tenantId: string, jobId: string, action: 'pause' | 'resume' | 'start', options?: ResumeOptions): Promise<JobView> {
    const job = await this.find(tenantId, jobId);
    if (isTerminal(job.status)) throw finalJob(job);
    if (job.erid !== null) throw eridJob(job.erid, jobId);
    try {
      const handle = this.deps.temporal.workflow.getHandle(jobWorkflowId(jobId));
      if (action === 'resume') await handle.executeUpdate(resumeUpdate, { args: [options ?? {}] });
      else await handle.executeUpdate(CONTROLS[action]);
    } catch (error) {
      throw await this.asConflict(tenantId, jobId, error);
    }
    return this.get(tenantId, jobId);
  }

  /** A control request that lost a race with the job's end is a 409; anything else stays as it is. */
  private async asConflict(tenantId: string, jobId: string, error: unknown): Promise<unknown> {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === FAILURE_TYPES.CREDIT_BUDGET_EXHAUSTED) {
      return new HttpError(409, 'credit_budget_exhausted', error.cause.message, {}, {}, { cause: error });
    }
    const rejected =
      error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === FAILURE_TYPES.JOB_NOT_CONTROLLABLE;
    if (!rejected && !(error instanceof WorkflowNotFoundError)) return error;
    const job = await this.find(tenantId, jobId);
    return new HttpError(
      409,
      'conflict',
      isTerminal(job.status) ? finalJob(job).message : `job ${jobId} is finishing and can no longer be changed`,
      { status: job.status },
      {},
      { cause: error },
    );
  }

  private async checkHeader(blobKey: string, mapping: ColumnMapping | undefined, encoding: TextEncoding): Promise<void> {
    try {
      // Reading the first record validates the header; the rest is the staging activity's job.
      for await (const _row of readCustomerRows(await this.deps.blobs.get(blobKey), { mapping, encoding })) break;
    } catch (error) {
      if (error instanceof CsvFormatError) throw badRequest('invalid_csv', error.message, { line: error.line });
      throw error;
    }
  }
}

/**
 * A stored row (results API or export) for its owner: the sealed personal fields of its input and
 * its sealed enriched values opened; values stored plain (non-personal ones, or rows written before
 * enriched values were sealed) are taken as they are. The CSV export writes rows opened by this.
 */
export async function openStoredRow<R extends { input: Record<string, unknown>; cells: unknown; fields: ReadonlyArray<{ value: StoredFieldValue }> }>(
  sealer: Pick<FieldSealer, 'openRecord' | 'open'>,
  row: R,
): Promise<
  Omit<R, 'input' | 'cells' | 'fields'> & { input: Record<string, unknown>; cells: string[] | null; fields: Array<WithOpenedValue<R['fields'][number]>> }
> {
  const [input, cells, fields] = await Promise.all([
    sealer.openRecord(row.input),
    isSealed(row.cells) ? (sealer.open(row.cells) as Promise<string[]>) : Promise.resolve(Array.isArray(row.cells) ? (row.cells as string[]) : null),
    openEnrichedFields(sealer, row.fields),
  ]);
  return { ...row, input, cells, fields };
}

/** REDACTED stands for every sealed (personal) value a caller without the pii scope is shown. */
export const REDACTED = '[redacted]';

/**
 * A stored row for a caller without the pii scope: every sealed value (the personal fields of its
 * input, its personal enriched values) replaced by {@link REDACTED}, its cells as written withheld
 * (any column may hold personal data). Nothing is opened.
 */
function redactStoredRow<R extends { input: Record<string, unknown>; cells: unknown; fields: ReadonlyArray<{ value: StoredFieldValue }> }>(row: R) {
  const input = Object.fromEntries(Object.entries(row.input).map(([name, value]) => [name, isSealed(value) ? REDACTED : value]));
  const fields = row.fields.map((field) => ({ ...field, value: isSealed(field.value) ? REDACTED : field.value }));
  return { ...row, input, cells: null, fields };
}

/** Filters and page of {@link JobsService.list}. */
export interface JobListQuery {
  status?: JobSummary['status'][];
  createdFrom?: Date;
  createdTo?: Date;
  /** Opaque cursor from the previous page's `next`. */
  cursor?: string;
  limit: number;
}

/** The workflow update behind each control route. */
const CONTROLS = { pause: pauseUpdate, start: startUpdate } as const;

/** The rows of an erid are controlled through the erid (its close), not as a job. */
function eridJob(erid: string, jobId: string): HttpError {
  return new HttpError(409, 'conflict', `job ${jobId} holds the contacts of erid ${erid}: close it with POST /v1/enrichment-requests/${erid}/close`, { erid });
}

function finalJob(job: JobSummary): HttpError {
  return new HttpError(409, 'conflict', `job ${job.id} is already ${job.status.toLowerCase()}`, { status: job.status });
}

function parseFields(param: string | undefined): string[] {
  const fields = (param ?? 'demographics')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.filter((f) => !isEnrichmentGroup(f));
  if (fields.length === 0 || unknown.length > 0) {
    throw badRequest('invalid_request', `fields: unknown enrichment group(s) ${unknown.join(', ') || '(none given)'}; known: ${ENRICHMENT_GROUPS.join(', ')}`, {
      issues: [{ path: 'fields', message: `must be a comma-separated list of: ${ENRICHMENT_GROUPS.join(', ')}` }],
    });
  }
  return [...new Set(fields)];
}

export type { JobCounts };
