import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { callerOf } from '@enrich/http';
import type { Principal } from '../auth/principal';
import type { ApiRoute } from '../routes';
import type { CsvDownload, JobsService, JobView } from './jobs.service';
import {
  errorResponse,
  exportQuery,
  jobIdParams,
  jobListQuery,
  jobListResponse,
  jobResponse,
  resultsQuery,
  resultsResponse,
  resumeBody,
  submitTuning,
} from './jobs.schemas';
import { receiveUpload } from './upload';

const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
const job = (description: string) => ({ description, content: { 'application/json': { schema: jobResponse } } });
const tenantOf = (req: Request) => callerOf<Principal>(req).tenant.id;

/** The /v1/jobs routes: a thin HTTP layer over {@link JobsService} (parse, call, shape), each with its scopes and OpenAPI operation. */
export function jobsRoutes(service: JobsService, maxUploadBytes: number): ApiRoute[] {
  return [
    {
      method: 'post',
      path: '/jobs',
      scopes: ['write'],
      handler: async (req, res) => {
        const upload = await receiveUpload(req, maxUploadBytes);
        const tuning = parseTuning(upload.fields, () => upload.file.resume());
        const submitted = await service.submit(tenantOf(req), upload, upload.fields['fields'], tuning);
        res.status(202).location(`/v1/jobs/${submitted.id}`).json(present(submitted));
      },
      doc: {
        summary: 'Upload a customer CSV and start enriching it',
        description:
          'Send the file as multipart/form-data (a `file` part; optional `fields`, `pageSize` and `windowSize` parts before it) or as a raw text/csv body (`?fields=&name=&pageSize=&windowSize=`). The header must include `email`.',
        request: {
          query: submitTuning,
          body: {
            content: {
              'multipart/form-data': { schema: { type: 'object', properties: { fields: { type: 'string' }, file: { type: 'string', format: 'binary' } } } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
        },
        responses: {
          202: job('Accepted: the job is staged and enriched in the background'),
          400: error('Empty file, missing required column or malformed CSV header (names the line); unknown fields; bad pageSize or windowSize'),
          413: error('File larger than MAX_UPLOAD_MB'),
          415: error('Unsupported content type'),
        },
      },
    },
    {
      method: 'get',
      path: '/jobs',
      scopes: ['read'],
      handler: async (req, res) => {
        const query = jobListQuery.parse(req.query);
        const page = await service.list(tenantOf(req), query);
        res.json({ items: page.items.map(present), ...(page.next ? { next: page.next } : {}) });
      },
      doc: {
        summary: "Your tenant's jobs, newest first (keyset pagination, filters by status and creation time)",
        request: { query: jobListQuery },
        responses: { 200: { description: 'A page of jobs', content: { 'application/json': { schema: jobListResponse } } }, 400: error('Bad filter or cursor') },
      },
    },
    {
      method: 'get',
      path: '/jobs/:id',
      scopes: ['read'],
      handler: async (req, res) => {
        const { id } = jobIdParams.parse(req.params);
        res.json(present(await service.get(tenantOf(req), id)));
      },
      doc: {
        summary: 'Status, row counts and progress (rate, ETA, paused) of a job',
        request: { params: jobIdParams },
        responses: { 200: job('The job'), 400: error('Bad id'), 404: error('Unknown job (or another tenant’s)') },
      },
    },
    {
      method: 'get',
      path: '/jobs/:id/results',
      scopes: ['read'],
      handler: async (req, res) => {
        const { id } = jobIdParams.parse(req.params);
        const { after, limit } = resultsQuery.parse(req.query);
        res.json(await service.results(tenantOf(req), id, after, limit, { personal: callerOf<Principal>(req).scopes.has('pii') }));
      },
      doc: {
        summary: 'Rows of a job with their outcome and enriched fields (keyset pagination)',
        description: 'Personal values are opened for a credential with the pii scope; without it they read "[redacted]" and `cells` are null.',
        request: { params: jobIdParams, query: resultsQuery },
        responses: { 200: { description: 'A page of rows', content: { 'application/json': { schema: resultsResponse } } }, 404: error('Unknown job') },
      },
    },
    {
      method: 'get',
      path: '/jobs/:id/results.csv',
      // The export gives every input cell back as written, and any column may be personal.
      scopes: ['read', 'pii'],
      handler: async (req, res) => {
        const { id } = jobIdParams.parse(req.params);
        const { formulas, bom } = exportQuery.parse(req.query);
        await streamCsv(res, await service.resultsCsv(tenantOf(req), id, { neutraliseFormulas: formulas === 'neutralise', bom }));
      },
      doc: {
        summary: 'Every row of a job as CSV, streamed (what is done so far while the job runs)',
        description:
          "Needs the pii scope: the export holds every input cell as written. Read in keyset pages of 1,000 rows and written as they come (constant memory). Columns: every input column with its header as written, in the file's order and with its cells exactly as written (never replaced), then the platform's columns under a prefix no input header starts with (`enriched.` unless the file uses it, then `_enriched.`): `enriched.row_number`, `enriched.status`, `enriched.error`, and for each enriched field of the job's groups `enriched.<field>`, `enriched.<field>.provider` and `enriched.<field>.confidence` (empty when the row has no value).",
        request: { params: jobIdParams, query: exportQuery },
        responses: {
          200: {
            description: 'The CSV, as an attachment',
            headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename=job-<id>-results.csv' } },
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          400: error('Bad id'),
          404: error('Unknown job'),
        },
      },
    },
    control(
      'pause',
      'Pause a job: no new page starts; pages in flight finish',
      202,
      'Accepted: the job stays RUNNING with `progress.paused: true`',
      (tenant, id) => service.pause(tenant, id),
    ),
    {
      method: 'post',
      path: '/jobs/:id/resume',
      scopes: ['write'],
      handler: async (req, res) => {
        const { id } = jobIdParams.parse(req.params);
        const options = resumeBody.parse(req.body ?? {});
        res.status(200).json(present(await service.resume(tenantOf(req), id, options)));
      },
      doc: {
        summary: 'Resume a paused job, or one that spent its credits (with a higher maxCredits)',
        request: { params: jobIdParams, body: { required: false, content: { 'application/json': { schema: resumeBody } } } },
        responses: {
          200: job('The job, pages starting again'),
          400: error('Bad id or body'),
          404: error('Unknown job'),
          409: error('The job is already completed, failed or cancelled (or finishing); or it spent its credits and maxCredits is not above what it spent'),
        },
      },
    },
    control('start', 'Start a job created with start=false', 200, 'The job, its pages starting; a 409 when it has started already', (tenant, id) =>
      service.start(tenant, id),
    ),
    control(
      'cancel',
      'Cancel a job',
      202,
      'Accepted: pages in flight stop at a chunk boundary, then the job turns CANCELLED; rows never half-written',
      (tenant, id) => service.cancel(tenant, id),
    ),
  ];
}

/** POST /jobs/:id/<action>: pause, resume and cancel differ only in what they call and answer. */
function control(
  action: string,
  summary: string,
  status: 200 | 202,
  description: string,
  act: (tenantId: string, jobId: string) => Promise<JobView>,
): ApiRoute {
  return {
    method: 'post',
    path: `/jobs/:id/${action}`,
    scopes: ['write'],
    handler: async (req, res) => {
      const { id } = jobIdParams.parse(req.params);
      res.status(status).json(present(await act(tenantOf(req), id)));
    },
    doc: {
      summary,
      request: { params: jobIdParams },
      responses: {
        [status]: job(description),
        400: error('Bad id'),
        404: error('Unknown job'),
        409: error('The job is already completed, failed or cancelled (or finishing)'),
      },
    },
  };
}

/** Sends a CSV download as an attachment, with backpressure end to end: a page of rows is read only when the client has taken the last one. */
export async function streamCsv(res: Response, download: CsvDownload): Promise<void> {
  res.status(200).type('text/csv; charset=utf-8').attachment(download.filename);
  await pipeline(download.body, res).catch((failure: unknown) => {
    // A client that hangs up mid-download is not an error of ours; the reads stop with the stream.
    if ((failure as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw failure;
  });
}

/** Parses the tuning parameters; on a bad value the upload is drained before the 400 goes out. */
function parseTuning(fields: Record<string, string>, drain: () => void) {
  const parsed = submitTuning.safeParse(fields);
  if (parsed.success) return parsed.data;
  drain();
  throw parsed.error;
}

function present({ tenantId: _tenantId, ...view }: JobView) {
  return { ...view, links: { self: `/v1/jobs/${view.id}`, results: `/v1/jobs/${view.id}/results`, resultsCsv: `/v1/jobs/${view.id}/results.csv` } };
}
