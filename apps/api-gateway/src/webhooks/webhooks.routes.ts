import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import type { WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord } from '@enrich/db';
import { WEBHOOK_EVENT_TYPES, webhookEventTypeSchema } from '@enrich/domain';
import { callerOf } from '@enrich/http';
import type { Request } from 'express';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { errorResponse } from '../jobs/jobs.schemas';
import type { ApiRoute } from '../routes';
import type { WebhooksService } from './webhooks.service';

extendZodWithOpenApi(z);

const endpointParams = z.object({ id: z.uuid({ error: 'must be a webhook endpoint id (UUID)' }) });
const deliveryParams = endpointParams.extend({
  deliveryId: z.string().regex(/^msg_[A-Za-z0-9_-]{43}$/, 'must be a delivery id (msg_ and 43 base64url characters)'),
});

const createWebhookBody = z
  .object({
    url: z.string().trim().min(1).max(2_000).openapi({
      description: 'Where to POST events: an http(s) URL reaching a public address (loopback, private, link-local and metadata addresses are refused).',
      example: 'https://hooks.example.com/enrich',
    }),
    events: z
      .array(webhookEventTypeSchema)
      .min(1)
      .transform((events) => [...new Set(events)])
      .openapi({ description: `Events to deliver: ${WEBHOOK_EVENT_TYPES.join(', ')}.`, example: ['job.completed', 'job.failed'] }),
    description: z.string().trim().max(200).optional().openapi({ description: 'What the endpoint is for (shown in lists).' }),
  })
  .strict();

const deliveriesQuery = z.object({
  cursor: z.string().max(200).optional().openapi({ description: 'The `next` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const endpointResponse = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(webhookEventTypeSchema),
    description: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebhookEndpoint');

const endpointWithSecret = endpointResponse
  .extend({
    secret: z.string().openapi({
      description:
        'The signing secret (`whsec_…`): shown this once, stored sealed. Verify each webhook with it (any Standard Webhooks library: `new Webhook(secret).verify(body, headers)`).',
    }),
  })
  .openapi('WebhookEndpointWithSecret');

const attemptResponse = z.object({
  attempt: z.number().int(),
  startedAt: z.string(),
  statusCode: z.number().int().nullable().openapi({ description: "The receiver's status code; null when no answer came (refused, timed out)." }),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
});

const deliveryResponse = z
  .object({
    id: z.string().openapi({ description: 'The `webhook-id` header of every attempt: deduplicate by it.' }),
    eventType: webhookEventTypeSchema,
    status: z
      .enum(['PENDING', 'DELIVERED', 'FAILED'])
      .openapi({ description: 'PENDING while attempted (retries for 24 hours), DELIVERED after a 2xx, FAILED after that.' }),
    attemptCount: z.number().int(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    payload: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The event as sent: `{ type, timestamp, data: { jobId, erid?, status, counts, links } }`.' }),
    attempts: z.array(attemptResponse),
  })
  .openapi('WebhookDelivery');

const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
const tenantOf = (req: Request) => callerOf<Principal>(req).tenant.id;

/**
 * The tenant's webhook endpoints, for its `admin` keys (Standard Webhooks: `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`): register, list, replace the secret, delete; the
 * deliveries of each with their attempts, and redelivery on request.
 */
export function webhooksRoutes(service: WebhooksService): ApiRoute[] {
  return [
    {
      method: 'post',
      path: '/webhooks',
      scopes: ['admin'],
      handler: async (req, res) => {
        const body = createWebhookBody.parse(req.body);
        const { endpoint, secret } = await service.create(tenantOf(req), body);
        req.log.info({ webhookEndpointId: endpoint.id, events: endpoint.events }, 'webhook endpoint created');
        res
          .status(201)
          .location(`/v1/webhooks/${endpoint.id}`)
          .json({ ...presentEndpoint(endpoint), secret });
      },
      doc: {
        summary: 'Register a webhook endpoint (its signing secret is shown once)',
        description:
          'Events are POSTed as JSON with the Standard Webhooks headers, retried with backoff (5 s doubling up to an hour) for 24 hours until the receiver answers 2xx; a 4xx other than 408 and 429 stops them. Receivers should deduplicate by `webhook-id`.',
        request: { body: { content: { 'application/json': { schema: createWebhookBody } } } },
        responses: {
          201: { description: 'The endpoint, with its secret', content: { 'application/json': { schema: endpointWithSecret } } },
          400: error('Bad body, or a URL webhooks may not reach (not http(s), private, loopback or link-local address: the reason is named)'),
        },
      },
    },
    {
      method: 'get',
      path: '/webhooks',
      scopes: ['admin'],
      handler: async (req, res) => {
        res.json({ items: (await service.list(tenantOf(req))).map(presentEndpoint) });
      },
      doc: {
        summary: "Your tenant's webhook endpoints (never their secrets)",
        responses: { 200: { description: 'Oldest first', content: { 'application/json': { schema: z.object({ items: z.array(endpointResponse) }) } } } },
      },
    },
    {
      method: 'post',
      path: '/webhooks/:id/rotate-secret',
      scopes: ['admin'],
      handler: async (req, res) => {
        const { id } = endpointParams.parse(req.params);
        const { endpoint, secret } = await service.rotateSecret(tenantOf(req), id);
        req.log.info({ webhookEndpointId: id }, 'webhook secret rotated');
        res
          .status(201)
          .location(`/v1/webhooks/${id}`)
          .json({ ...presentEndpoint(endpoint), secret });
      },
      doc: {
        summary: "Replace an endpoint's signing secret: every attempt from now on is signed with the new one",
        request: { params: endpointParams },
        responses: {
          201: { description: 'The endpoint, with its new secret', content: { 'application/json': { schema: endpointWithSecret } } },
          404: error('Unknown endpoint'),
        },
      },
    },
    {
      method: 'get',
      path: '/webhooks/:id/deliveries',
      scopes: ['admin'],
      handler: async (req, res) => {
        const { id } = endpointParams.parse(req.params);
        const page = await service.deliveries(tenantOf(req), id, deliveriesQuery.parse(req.query));
        res.json({ items: page.items.map(presentDelivery), ...(page.next ? { next: page.next } : {}) });
      },
      doc: {
        summary: "An endpoint's deliveries, newest first (keyset pagination), each with every attempt: status code, latency, error",
        request: { params: endpointParams, query: deliveriesQuery },
        responses: {
          200: {
            description: 'A page of deliveries',
            content: {
              'application/json': {
                schema: z.object({
                  items: z.array(deliveryResponse),
                  next: z.string().optional().openapi({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
                }),
              },
            },
          },
          400: error('Bad cursor or limit'),
          404: error('Unknown endpoint'),
        },
      },
    },
    {
      method: 'post',
      path: '/webhooks/:id/deliveries/:deliveryId/redeliver',
      scopes: ['admin'],
      handler: async (req, res) => {
        const { id, deliveryId } = deliveryParams.parse(req.params);
        const redelivery = await service.redeliver(tenantOf(req), id, deliveryId);
        req.log.info({ webhookEndpointId: id, ...redelivery }, 'webhook redelivery started');
        res.status(202).json(redelivery);
      },
      doc: {
        summary: 'Send a delivered or failed delivery again (same `webhook-id`, signed afresh), with its own retries',
        request: { params: deliveryParams },
        responses: {
          202: {
            description: 'Started: follow it in the deliveries list',
            content: { 'application/json': { schema: z.object({ deliveryId: z.string(), workflowId: z.string() }) } },
          },
          404: error('Unknown endpoint or delivery'),
          409: error('The delivery is still being attempted'),
        },
      },
    },
    {
      method: 'delete',
      path: '/webhooks/:id',
      scopes: ['admin'],
      handler: async (req, res) => {
        const { id } = endpointParams.parse(req.params);
        await service.remove(tenantOf(req), id);
        req.log.info({ webhookEndpointId: id }, 'webhook endpoint deleted');
        res.status(204).end();
      },
      doc: {
        summary: 'Delete an endpoint with its deliveries (those being retried stop)',
        request: { params: endpointParams },
        responses: { 204: { description: 'Deleted' }, 404: error('Unknown endpoint') },
      },
    },
  ];
}

function presentEndpoint(endpoint: WebhookEndpointRecord): z.input<typeof endpointResponse> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

function presentDelivery(delivery: WebhookDeliveryRecord & { attempts: WebhookAttemptRecord[] }): z.input<typeof deliveryResponse> {
  return {
    id: delivery.id,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    createdAt: delivery.createdAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    payload: delivery.payload as unknown as Record<string, unknown>,
    attempts: delivery.attempts.map((attempt) => ({ ...attempt, startedAt: attempt.startedAt.toISOString() })),
  };
}
