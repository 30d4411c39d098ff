import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { CONTACT_ATTRIBUTES, eridSchema, MAX_CONTACTS_PER_REQUEST, PUSH_FIELDS } from '@enrich/domain';
import { callerOf, HttpError } from '@enrich/http';
import type { Request } from 'express';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { errorResponse, exportQuery, resultsQuery, resultsResponse } from '../jobs/jobs.schemas';
import type { JobsService } from '../jobs/jobs.service';
import { streamCsv } from '../jobs/jobs.route';
import type { ApiRoute } from '../routes';
import type { PushRequestsService } from './push-requests.service';

extendZodWithOpenApi(z);

const eridParams = z.object({ erid: eridSchema });

const pushBody = z
  .object({
    erid: eridSchema.meta({
      description: 'Your id for the output this request belongs to: requests with the same erid are grouped into one.',
      example: 'campaign-2026-12',
    }),
    contact_list: z
      .array(z.record(z.string(), z.union([z.string(), z.number()]).nullable()))
      .min(1)
      .max(MAX_CONTACTS_PER_REQUEST)
      .openapi({
        description: `Up to ${MAX_CONTACTS_PER_REQUEST} contacts (more is a 413). Attributes: ${Object.keys(CONTACT_ATTRIBUTES).join(', ')}. Each needs an email, or first_name and last_name with company_name or company_domain.`,
        example: [{ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme', company_domain: 'acme.com' }],
      }),
    fields_to_be_enriched: z
      .array(z.string())
      .min(1)
      .openapi({ description: `What to find: ${Object.keys(PUSH_FIELDS).join(', ')}.`, example: ['professional_email', 'phone_number'] }),
    max_credits: z.number().positive().optional().openapi({
      description:
        "Credits the erid may spend at its vendors (each vendor's configured cost), read from the request that starts the erid. Once spent, its contacts wait (progress.credits.exhausted) until POST …/credits gives more.",
    }),
  })
  .openapi('PushRequest');

const creditsBody = z
  .object({ max_credits: z.number().positive().max(1e12).openapi({ description: 'The new budget: above what the erid has spent.' }) })
  .strict()
  .openapi('EridCredits');

const accepted = z
  .object({
    erid: z.string(),
    jobId: z.uuid(),
    request: z.object({
      firstRow: z.number().int().openapi({ description: "Row number of the request's first contact in the erid's results." }),
      contacts: z.number().int(),
      replayed: z
        .boolean()
        .openapi({ description: 'True when this request had been received before (same Idempotency-Key or same body): nothing was staged again.' }),
    }),
    links: z.object({ self: z.string(), results: z.string(), resultsCsv: z.string() }),
  })
  .openapi('PushAccepted');

const eridView = z
  .object({
    erid: z.string(),
    jobId: z.uuid(),
    status: z.enum(['PENDING', 'STAGING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']),
    open: z.boolean().openapi({ description: 'Still takes contacts.' }),
    closedAt: z.string().nullable(),
    createdAt: z.string(),
    groups: z.array(z.string()),
    counts: z.record(z.string(), z.number()),
    progress: z.record(z.string(), z.unknown()).optional(),
    requests: z.array(z.object({ firstRow: z.number().int(), contacts: z.number().int(), receivedAt: z.string() })),
    links: z.object({ self: z.string(), results: z.string(), resultsCsv: z.string() }),
  })
  .openapi('EnrichmentRequest');

const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
const tenantOf = (req: Request) => callerOf<Principal>(req).tenant.id;
const links = (erid: string) => {
  const self = `/v1/enrichment-requests/${encodeURIComponent(erid)}`;
  return { self, results: `${self}/results`, resultsCsv: `${self}/results.csv` };
};

/** The /v1/enrichment-requests routes: push requests grouped by erid, their status, results and close. */
export function pushRequestsRoutes(service: PushRequestsService, jobs: JobsService): ApiRoute[] {
  return [
    {
      method: 'post',
      path: '/enrichment-requests',
      scopes: ['write'],
      handler: async (req, res) => {
        const contacts = (req.body as { contact_list?: unknown } | undefined)?.contact_list;
        if (Array.isArray(contacts) && contacts.length > MAX_CONTACTS_PER_REQUEST) {
          throw new HttpError(
            413,
            'payload_too_large',
            `contact_list: ${contacts.length} contacts; at most ${MAX_CONTACTS_PER_REQUEST} per request: send several requests with the same erid`,
            {
              issues: [{ path: 'contact_list', message: `at most ${MAX_CONTACTS_PER_REQUEST} contacts` }],
            },
          );
        }
        const pushed = await service.push(tenantOf(req), req.body, req.get('idempotency-key') ?? undefined);
        res
          .status(202)
          .location(links(pushed.erid).self)
          .json({ ...pushed, links: links(pushed.erid) });
      },
      doc: {
        summary: 'Push contacts to enrich, grouped by erid (asynchronous: 202, then follow the Location)',
        description:
          'The first request of an erid starts its enrichment; later ones join it, until the erid is closed (POST …/close) or no contact has arrived for the idle window (PUSH_IDLE_CLOSE_S). A request sent again (same Idempotency-Key, or the same body) stages nothing twice. Every validation error names the contact index and attribute.',
        request: { body: { content: { 'application/json': { schema: pushBody } } } },
        responses: {
          202: { description: 'Accepted: the contacts are staged and being enriched', content: { 'application/json': { schema: accepted } } },
          400: error('Bad body: unknown field (the valid ones listed), bad contact (index and attribute named)'),
          409: error('The erid is closed, or enriches other fields than this request asks for'),
          413: error(`More than ${MAX_CONTACTS_PER_REQUEST} contacts, or a body over 2 MB`),
        },
      },
    },
    {
      method: 'get',
      path: '/enrichment-requests/:erid',
      scopes: ['read'],
      handler: async (req, res) => {
        const { erid } = eridParams.parse(req.params);
        res.json({ ...(await service.get(tenantOf(req), erid)), links: links(erid) });
      },
      doc: {
        summary: 'Status, counts, progress and the requests an erid holds',
        request: { params: eridParams },
        responses: { 200: { description: 'The erid', content: { 'application/json': { schema: eridView } } }, 404: error('Unknown erid') },
      },
    },
    {
      method: 'get',
      path: '/enrichment-requests/:erid/results',
      scopes: ['read'],
      handler: async (req, res) => {
        const { erid } = eridParams.parse(req.params);
        const { after, limit } = resultsQuery.parse(req.query);
        const jobId = await service.jobOf(tenantOf(req), erid);
        res.json(await jobs.results(tenantOf(req), jobId, after, limit, { personal: callerOf<Principal>(req).scopes.has('pii') }));
      },
      doc: {
        summary: "An erid's contacts with their outcome and enriched fields, in arrival order (keyset pagination)",
        description: 'Personal values are opened for a credential with the pii scope; without it they read "[redacted]".',
        request: { params: eridParams, query: resultsQuery },
        responses: { 200: { description: 'A page of contacts', content: { 'application/json': { schema: resultsResponse } } }, 404: error('Unknown erid') },
      },
    },
    {
      method: 'get',
      path: '/enrichment-requests/:erid/results.csv',
      scopes: ['read', 'pii'],
      handler: async (req, res) => {
        const { erid } = eridParams.parse(req.params);
        const { formulas, bom } = exportQuery.parse(req.query);
        const jobId = await service.jobOf(tenantOf(req), erid);
        await streamCsv(res, await jobs.resultsCsv(tenantOf(req), jobId, { neutraliseFormulas: formulas === 'neutralise', bom }, `erid-${erid}-results.csv`));
      },
      doc: {
        summary: "An erid's contacts as CSV, streamed: the contact attributes as sent, then the enriched.* columns",
        request: { params: eridParams, query: exportQuery },
        responses: { 200: { description: 'The CSV, as an attachment', content: { 'text/csv': { schema: { type: 'string' } } } }, 404: error('Unknown erid') },
      },
    },
    {
      method: 'post',
      path: '/enrichment-requests/:erid/close',
      scopes: ['write'],
      handler: async (req, res) => {
        const { erid } = eridParams.parse(req.params);
        res.json({ ...(await service.close(tenantOf(req), erid)), links: links(erid) });
      },
      doc: {
        summary: 'Close an erid: no more contacts; it completes once those it holds are enriched (idempotent)',
        request: { params: eridParams },
        responses: { 200: { description: 'The erid, closed', content: { 'application/json': { schema: eridView } } }, 404: error('Unknown erid') },
      },
    },
    {
      method: 'post',
      path: '/enrichment-requests/:erid/credits',
      scopes: ['write'],
      handler: async (req, res) => {
        const { erid } = eridParams.parse(req.params);
        // Another tenant's erid is a 404 whatever the body says.
        await service.jobOf(tenantOf(req), erid);
        const { max_credits } = creditsBody.parse(req.body);
        res.json({ ...(await service.raiseCredits(tenantOf(req), erid, max_credits)), links: links(erid) });
      },
      doc: {
        summary: 'Give an erid created with max_credits a new credit budget: its waiting contacts are enriched again',
        request: { params: eridParams, body: { content: { 'application/json': { schema: creditsBody } } } },
        responses: {
          200: { description: 'The erid, with its new budget', content: { 'application/json': { schema: eridView } } },
          400: error('Bad erid or body'),
          404: error('Unknown erid'),
          409: error('The budget is not above what the erid spent, the erid has no budget, or it is over'),
        },
      },
    },
  ];
}
