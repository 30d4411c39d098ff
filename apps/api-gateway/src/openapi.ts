import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { errorResponse, jobIdParams, jobResponse, resultsQuery, exportQuery, resultsResponse, submitTuning } from './jobs/jobs.schemas';

/** The gateway's contract, generated from the same zod schemas the routes parse with. */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
  registry.registerPath({
    method: 'post',
    path: '/v1/jobs',
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
      202: { description: 'Accepted: the job is staged and enriched in the background', content: { 'application/json': { schema: jobResponse } } },
      400: error('Empty file, missing required column or malformed CSV header (names the line); unknown fields; bad pageSize or windowSize'),
      413: error('File larger than MAX_UPLOAD_MB'),
      415: error('Unsupported content type'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: 'Status, row counts and progress (rate, ETA, paused) of a job',
    request: { params: jobIdParams },
    responses: { 200: { description: 'The job', content: { 'application/json': { schema: jobResponse } } }, 400: error('Bad id'), 404: error('Unknown job') },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/jobs/{id}/results',
    summary: 'Rows of a job with their outcome and enriched fields (keyset pagination)',
    request: { params: jobIdParams, query: resultsQuery },
    responses: { 200: { description: 'A page of rows', content: { 'application/json': { schema: resultsResponse } } }, 404: error('Unknown job') },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/jobs/{id}/results.csv',
    summary: 'Every row of a job as CSV, streamed (what is done so far while the job runs)',
    description:
      "Read in keyset pages of 1,000 rows and written as they come (constant memory). Columns: every input column with its header as written, in the file's order and with its cells exactly as written (never replaced), then the platform's columns under a prefix no input header starts with (`enriched.` unless the file uses it, then `_enriched.`): `enriched.row_number`, `enriched.status`, `enriched.error`, and for each enriched field of the job's groups `enriched.<field>`, `enriched.<field>.provider` and `enriched.<field>.confidence` (empty when the row has no value). Personal values are opened for the job's owner.",
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
  });
  const control = (action: string, summary: string, status: 200 | 202, description: string) =>
    registry.registerPath({
      method: 'post',
      path: `/v1/jobs/{id}/${action}`,
      summary,
      request: { params: jobIdParams },
      responses: {
        [status]: { description, content: { 'application/json': { schema: jobResponse } } },
        400: error('Bad id'),
        404: error('Unknown job'),
        409: error('The job is already completed, failed or cancelled (or finishing)'),
      },
    });
  control('pause', 'Pause a job: no new page starts; pages in flight finish', 202, 'Accepted: the job stays RUNNING with `progress.paused: true`');
  control('resume', 'Resume a paused job', 200, 'The job, pages starting again');
  control('cancel', 'Cancel a job', 202, 'Accepted: pages in flight stop at a chunk boundary, then the job turns CANCELLED; rows never half-written');
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Enrichment API', version: '1.0.0' },
    servers: [{ url: '/' }],
  });
}
