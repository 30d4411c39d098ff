import { CsvFormatError, readCustomerRows } from '@enrich/activities';
import type { FieldSealer } from '@enrich/codec';
import type { BlobStore, JobRepository, JobSummary } from '@enrich/db';
import { ENRICHMENT_GROUPS, isEnrichmentGroup, type JobCounts } from '@enrich/domain';
import { batchEnrichmentWorkflow, progressQuery, type BatchProgress } from '@enrich/workflows';
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { badRequest, notFound } from '@enrich/http';

export interface JobsServiceDeps {
  jobs: JobRepository;
  blobs: BlobStore;
  temporal: Client;
  taskQueue: string;
  /** Opens the sealed personal fields of rows for the job's owner. */
  sealer: Pick<FieldSealer, 'openRecord'>;
}

export interface JobView extends JobSummary {
  /** Live view of the workflow while it runs (rows per page done, pages in flight). */
  progress?: BatchProgress;
}

export const jobWorkflowId = (jobId: string) => `job-${jobId}`;

/** Use cases behind the /v1/jobs routes. */
export class JobsService {
  constructor(private readonly deps: JobsServiceDeps) {}

  /**
   * Stores the upload, checks its header (a file without the required columns is refused with a
   * 400 naming them and the line), records the job and starts its workflow.
   */
  async submit(file: Readable, sourceName: string, fieldsParam: string | undefined): Promise<JobSummary> {
    const fields = parseFields(fieldsParam);
    const blobKey = `uploads/${randomUUID()}.csv`;
    await this.deps.blobs.put(blobKey, file);
    try {
      await this.checkHeader(blobKey);
    } catch (error) {
      await this.deps.blobs.delete(blobKey);
      throw error;
    }
    const { id } = await this.deps.jobs.create({ sourceName, blobKey, fields });
    const workflowId = jobWorkflowId(id);
    await this.deps.temporal.workflow.start(batchEnrichmentWorkflow, {
      workflowId,
      taskQueue: this.deps.taskQueue,
      args: [{ jobId: id, fields }],
    });
    await this.deps.jobs.setWorkflowId(id, workflowId);
    return (await this.deps.jobs.get(id)) as JobSummary;
  }

  async get(jobId: string): Promise<JobView> {
    const job = await this.deps.jobs.get(jobId);
    if (!job) throw notFound(`job ${jobId} does not exist`);
    if (job.status === 'STAGING' || job.status === 'RUNNING' || job.status === 'PENDING') {
      const progress = await this.deps.temporal.workflow
        .getHandle(jobWorkflowId(jobId))
        .query(progressQuery)
        .catch(() => undefined);
      return progress ? { ...job, progress } : job;
    }
    return job;
  }

  async results(jobId: string, after: number, limit: number) {
    if (!(await this.deps.jobs.source(jobId))) throw notFound(`job ${jobId} does not exist`);
    const rows = await this.deps.jobs.resultRows(jobId, after, limit);
    const lastRow = rows.at(-1)?.rowNumber;
    const items = await Promise.all(rows.map(async (row) => ({ ...row, input: await this.deps.sealer.openRecord(row.input) })));
    return { items, nextAfter: rows.length === limit ? lastRow : undefined };
  }

  private async checkHeader(blobKey: string): Promise<void> {
    try {
      // Reading the first record validates the header; the rest is the staging activity's job.
      for await (const _row of readCustomerRows(await this.deps.blobs.get(blobKey))) break;
    } catch (error) {
      if (error instanceof CsvFormatError) throw badRequest('invalid_csv', error.message, { line: error.line });
      throw error;
    }
  }
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
