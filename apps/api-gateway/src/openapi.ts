import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { errorResponse, jobIdParams, jobResponse, resultsQuery, resultsResponse } from './jobs/jobs.schemas';

/** The gateway's contract, generated from the same zod schemas the routes parse with. */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
  registry.registerPath({
    method: 'post',
    path: '/v1/jobs',
    summary: 'Upload a customer CSV and start enriching it',
    description:
      'Send the file as multipart/form-data (a `file` part; an optional `fields` part before it) or as a raw text/csv body (`?fields=&name=`). The header must include `email`.',
    request: {
      body: {
        content: {
          'multipart/form-data': { schema: { type: 'object', properties: { fields: { type: 'string' }, file: { type: 'string', format: 'binary' } } } },
          'text/csv': { schema: { type: 'string' } },
        },
      },
    },
    responses: {
      202: { description: 'Accepted: the job is staged and enriched in the background', content: { 'application/json': { schema: jobResponse } } },
      400: error('Empty file, missing required column or malformed CSV header (names the line); unknown fields'),
      413: error('File larger than MAX_UPLOAD_MB'),
      415: error('Unsupported content type'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: 'Status and row counts of a job',
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
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Enrichment API', version: '1.0.0' },
    servers: [{ url: '/' }],
  });
}
