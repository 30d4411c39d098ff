import type { FieldSealer } from '@enrich/codec';
import type { WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord, WebhookRepository } from '@enrich/db';
import { WEBHOOK_SECRET_PREFIX, webhookDeliveryWorkflowId, webhookUrlRefusal, type WebhookEventType } from '@enrich/domain';
import { badRequest, HttpError, notFound } from '@enrich/http';
import { webhookDeliveryWorkflow } from '@enrich/workflows';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { decodeCursor, encodeCursor } from '../http/keyset-cursor';

export interface WebhooksServiceDeps {
  webhooks: WebhookRepository;
  /** Seals each endpoint's secret before it is stored. */
  sealer: Pick<FieldSealer, 'seal'>;
  temporal: Client;
  taskQueue: string;
  /** Lets endpoints on loopback and private addresses be registered (`WEBHOOK_ALLOW_PRIVATE_URLS`: development and tests). */
  allowPrivateUrls: boolean;
  /** First retry interval of redeliveries (absent: the workflow's 5 s); tests shorten it, as their worker does for deliveries. */
  retryInitialIntervalMs?: number;
}

/** An endpoint with its signing secret: answered once, when it is made or its secret replaced. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpointRecord;
  /** `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries take it. */
  secret: string;
}

/** A page of an endpoint's deliveries, newest first, each with its attempts. */
export interface DeliveryPage {
  items: Array<WebhookDeliveryRecord & { attempts: WebhookAttemptRecord[] }>;
  /** The cursor of the next page; absent on the last. */
  next?: string;
}

/**
 * A tenant's webhook endpoints: registered only for URLs webhooks may reach (http(s), public
 * addresses), each with a secret shown once and stored sealed; their deliveries with every
 * attempt; and redelivery on request, by a fresh delivery workflow with the same `webhook-id`.
 */
export class WebhooksService {
  constructor(private readonly deps: WebhooksServiceDeps) {}

  async create(tenantId: string, endpoint: { url: string; events: WebhookEventType[]; description?: string }): Promise<EndpointWithSecret> {
    await this.checkUrl(endpoint.url);
    const secret = newSecret();
    const created = await this.deps.webhooks.createEndpoint(tenantId, { ...endpoint, secret: await this.deps.sealer.seal(secret) });
    return { endpoint: created, secret };
  }

  async list(tenantId: string): Promise<WebhookEndpointRecord[]> {
    return this.deps.webhooks.endpoints(tenantId);
  }

  /** Deletes the endpoint with its deliveries: deliveries being retried stop at their next attempt. */
  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.deps.webhooks.deleteEndpoint(tenantId, id))) throw endpointNotFound(id);
  }

  /** A new secret at once: every attempt from now on is signed with it, retries of earlier events included. */
  async rotateSecret(tenantId: string, id: string): Promise<EndpointWithSecret> {
    const secret = newSecret();
    const endpoint = await this.deps.webhooks.rotateSecret(tenantId, id, await this.deps.sealer.seal(secret));
    if (!endpoint) throw endpointNotFound(id);
    return { endpoint, secret };
  }

  async deliveries(tenantId: string, id: string, query: { cursor?: string; limit: number }): Promise<DeliveryPage> {
    if (!(await this.deps.webhooks.endpoint(tenantId, id))) throw endpointNotFound(id);
    const items = await this.deps.webhooks.deliveries(tenantId, id, { before: query.cursor ? decodeCursor(query.cursor) : undefined, limit: query.limit });
    const last = items.at(-1);
    return { items, ...(last && items.length === query.limit ? { next: encodeCursor(last) } : {}) };
  }

  /**
   * Sends a delivered or failed delivery again, by a workflow of its own: `webhook-<id>-r<n>`, `n`
   * being its attempts so far, so asking twice before it has made an attempt starts it once. A
   * delivery still being attempted is a 409: its own retries are under way.
   */
  async redeliver(tenantId: string, endpointId: string, deliveryId: string): Promise<{ deliveryId: string; workflowId: string }> {
    const delivery = await this.deps.webhooks.delivery(tenantId, endpointId, deliveryId);
    if (!delivery) throw notFound(`delivery ${deliveryId} of webhook endpoint ${endpointId} does not exist`);
    if (delivery.status === 'PENDING') {
      throw new HttpError(
        409,
        'conflict',
        `delivery ${deliveryId} is still being attempted (retries back off up to an hour, for 24 hours): redeliver it once it is delivered or failed`,
        { status: delivery.status },
      );
    }
    const workflowId = webhookDeliveryWorkflowId(deliveryId, delivery.attemptCount);
    try {
      await this.deps.temporal.workflow.start(webhookDeliveryWorkflow, {
        workflowId,
        taskQueue: this.deps.taskQueue,
        args: [{ deliveryId, retryInitialIntervalMs: this.deps.retryInitialIntervalMs }],
      });
    } catch (error) {
      // Asked twice: the first request's redelivery is running.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    await this.deps.webhooks.markRedelivering(deliveryId, delivery.attemptCount);
    return { deliveryId, workflowId };
  }

  private async checkUrl(url: string): Promise<void> {
    const refusal = await webhookUrlRefusal(url, { allowPrivate: this.deps.allowPrivateUrls, resolve: resolveAll });
    if (refusal)
      throw badRequest('invalid_request', `url: ${refusal.message}`, { reason: refusal.reason, issues: [{ path: 'url', message: refusal.message }] });
  }
}

function newSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

async function resolveAll(host: string): Promise<string[]> {
  return (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

function endpointNotFound(id: string): HttpError {
  return notFound(`webhook endpoint ${id} does not exist`);
}
