import { createHash } from 'node:crypto';
import type { Sealed, WebhookDeliveryStatus, WebhookEvent, WebhookEventType } from '@enrich/domain';
import type { Pool } from 'pg';
import { sqlPool, type Prisma, type PrismaClient } from './prisma-client';

/** A tenant's webhook endpoint as listed: everything but its secret. */
export interface WebhookEndpointRecord {
  id: string;
  tenantId: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One event for one endpoint. */
export interface WebhookDeliveryRecord {
  /** The `webhook-id` every attempt carries (`msg_…`). */
  id: string;
  endpointId: string;
  tenantId: string;
  eventType: WebhookEventType;
  payload: WebhookEvent;
  status: WebhookDeliveryStatus;
  /** HTTP attempts so far, redeliveries included. */
  attemptCount: number;
  createdAt: Date;
  /** When a receiver last answered 2xx. */
  deliveredAt: Date | null;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttemptRecord {
  attempt: number;
  startedAt: Date;
  /** The receiver's status code; null when no answer came (refused, timed out). */
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** What a delivery attempt is sent with: its endpoint's URL and sealed secret. */
export interface WebhookTarget {
  delivery: WebhookDeliveryRecord;
  url: string;
  secret: Sealed<string>;
}

const ENDPOINT = { id: true, tenantId: true, url: true, events: true, description: true, createdAt: true, updatedAt: true } as const;

/**
 * Webhook endpoints of tenants, the deliveries of events to them and every attempt. Secrets come
 * in and go out sealed: this repository never sees one in the clear. Deliveries have deterministic
 * ids, so an event emitted again (a retried activity) makes no second delivery.
 */
export class WebhookRepository {
  /** The attempt and redelivery statements go to `pg` directly (see {@link sqlPool}). */
  private readonly pool: Pool;

  constructor(private readonly prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  async createEndpoint(
    tenantId: string,
    endpoint: { url: string; events: readonly WebhookEventType[]; description?: string; secret: Sealed<string> },
  ): Promise<WebhookEndpointRecord> {
    const created = await this.prisma.webhookEndpoint.create({
      data: {
        tenantId,
        url: endpoint.url,
        events: [...endpoint.events],
        description: endpoint.description ?? null,
        secret: endpoint.secret as unknown as Prisma.InputJsonValue,
      },
      select: ENDPOINT,
    });
    return asEndpoint(created);
  }

  /** The tenant's endpoints, oldest first. */
  async endpoints(tenantId: string): Promise<WebhookEndpointRecord[]> {
    const endpoints = await this.prisma.webhookEndpoint.findMany({ where: { tenantId }, select: ENDPOINT, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return endpoints.map(asEndpoint);
  }

  /** The endpoint, when `tenantId` owns it. */
  async endpoint(tenantId: string, id: string): Promise<WebhookEndpointRecord | undefined> {
    const endpoint = await this.prisma.webhookEndpoint.findFirst({ where: { id, tenantId }, select: ENDPOINT });
    return endpoint ? asEndpoint(endpoint) : undefined;
  }

  /** Replaces the endpoint's secret: attempts from now on are signed with it, retries of earlier events included. */
  async rotateSecret(tenantId: string, id: string, secret: Sealed<string>): Promise<WebhookEndpointRecord | undefined> {
    const { count } = await this.prisma.webhookEndpoint.updateMany({
      where: { id, tenantId },
      data: { secret: secret as unknown as Prisma.InputJsonValue },
    });
    return count === 1 ? this.endpoint(tenantId, id) : undefined;
  }

  /** Deletes the endpoint with its deliveries and attempts; false when the tenant has no such endpoint. */
  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.webhookEndpoint.deleteMany({ where: { id, tenantId } });
    return count === 1;
  }

  /** Who is told about a job: its tenant (none for jobs made outside the API), and its erid (which event it makes). */
  async jobAudience(jobId: string): Promise<{ tenantId: string | null; erid: string | null } | undefined> {
    return (await this.prisma.job.findUnique({ where: { id: jobId }, select: { tenantId: true, erid: true } })) ?? undefined;
  }

  /** The tenant's endpoints subscribed to `type`. */
  async subscribers(tenantId: string, type: WebhookEventType): Promise<WebhookEndpointRecord[]> {
    const endpoints = await this.prisma.webhookEndpoint.findMany({ where: { tenantId, events: { has: type } }, select: ENDPOINT, orderBy: { id: 'asc' } });
    return endpoints.map(asEndpoint);
  }

  /**
   * One delivery of `event` per endpoint, idempotent: the id derives from the endpoint, the event
   * type and `subjectId` (the job), so calling again makes none twice and returns the same ids.
   */
  async createDeliveries(
    event: { tenantId: string; subjectId: string; payload: WebhookEvent },
    endpoints: ReadonlyArray<Pick<WebhookEndpointRecord, 'id'>>,
  ): Promise<string[]> {
    if (endpoints.length === 0) return [];
    const ids = endpoints.map((endpoint) => deliveryId(endpoint.id, event.payload.type, event.subjectId));
    await this.pool.query(
      `INSERT INTO webhook_delivery (id, endpoint_id, tenant_id, event_type, payload)
       SELECT v.id, v.endpoint_id, $3::uuid, $4, $5::jsonb FROM unnest($1::text[], $2::uuid[]) AS v(id, endpoint_id)
       ON CONFLICT (id) DO NOTHING`,
      [ids, endpoints.map((endpoint) => endpoint.id), event.tenantId, event.payload.type, JSON.stringify(event.payload)],
    );
    return ids;
  }

  /** The delivery with what its next attempt needs; undefined once its endpoint is deleted. */
  async target(deliveryId: string): Promise<WebhookTarget | undefined> {
    const delivery = await this.prisma.webhookDelivery.findUnique({
      where: { id: deliveryId },
      include: { endpoint: { select: { url: true, secret: true } } },
    });
    if (!delivery) return undefined;
    const { endpoint, ...record } = delivery;
    return { delivery: asDelivery(record), url: endpoint.url, secret: endpoint.secret as unknown as Sealed<string> };
  }

  /**
   * Records an attempt under the delivery's next attempt number, and where the delivery stands
   * after it: DELIVERED after a 2xx, else PENDING (retrying). Returns the attempt number; undefined
   * when the delivery is gone.
   */
  async recordAttempt(deliveryId: string, attempt: Omit<WebhookAttemptRecord, 'attempt'> & { delivered: boolean }): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ attempt: number }>(
      `WITH counted AS (
         UPDATE webhook_delivery
            SET attempts = attempts + 1,
                status = CASE WHEN $6 THEN 'DELIVERED' ELSE 'PENDING' END,
                delivered_at = CASE WHEN $6 THEN now() ELSE delivered_at END
          WHERE id = $1
          RETURNING attempts)
       INSERT INTO webhook_attempt (delivery_id, attempt, started_at, status_code, latency_ms, error)
       SELECT $1, attempts, $2, $3, $4, $5 FROM counted
       RETURNING attempt`,
      [deliveryId, attempt.startedAt.toISOString(), attempt.statusCode, Math.round(attempt.latencyMs), attempt.error, attempt.delivered],
    );
    return rows[0]?.attempt;
  }

  async markDelivered(deliveryId: string): Promise<void> {
    await this.prisma.webhookDelivery.updateMany({ where: { id: deliveryId }, data: { status: 'DELIVERED' } });
  }

  /** Its retries are spent (or refused for good): nothing more is sent unless redelivered. */
  async markFailed(deliveryId: string): Promise<void> {
    await this.prisma.webhookDelivery.updateMany({ where: { id: deliveryId }, data: { status: 'FAILED' } });
  }

  /**
   * Shows a redelivery as PENDING from its start, unless it has made an attempt already (then
   * that attempt's outcome stands): `attemptCount` is the count the redelivery was started at.
   */
  async markRedelivering(deliveryId: string, attemptCount: number): Promise<void> {
    await this.pool.query(`UPDATE webhook_delivery SET status = 'PENDING' WHERE id = $1 AND attempts = $2 AND status <> 'PENDING'`, [deliveryId, attemptCount]);
  }

  /** The delivery, when it is one of the tenant's endpoint `endpointId`. */
  async delivery(tenantId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined> {
    const delivery = await this.prisma.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId, tenantId } });
    return delivery ? asDelivery(delivery) : undefined;
  }

  /**
   * The endpoint's deliveries, newest first, `limit` at a time, each with its attempts in order:
   * `before` is the keyset cursor (the last delivery of the previous page).
   */
  async deliveries(
    tenantId: string,
    endpointId: string,
    { before, limit }: { before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<Array<WebhookDeliveryRecord & { attempts: WebhookAttemptRecord[] }>> {
    const deliveries = await this.prisma.webhookDelivery.findMany({
      where: {
        endpointId,
        tenantId,
        ...(before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { gt: before.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: limit,
      include: { tries: { orderBy: { attempt: 'asc' }, select: { attempt: true, startedAt: true, statusCode: true, latencyMs: true, error: true } } },
    });
    return deliveries.map(({ tries, ...delivery }) => ({ ...asDelivery(delivery), attempts: tries }));
  }
}

/** `msg_` and the base64url SHA-256 of endpoint, event type and subject: the same event for the same endpoint is the same delivery. */
function deliveryId(endpointId: string, type: WebhookEventType, subjectId: string): string {
  return `msg_${createHash('sha256').update(`${endpointId}|${type}|${subjectId}`, 'utf8').digest('base64url')}`;
}

function asEndpoint(endpoint: Omit<WebhookEndpointRecord, 'events'> & { events: string[] }): WebhookEndpointRecord {
  return { ...endpoint, events: endpoint.events as WebhookEventType[] };
}

function asDelivery(delivery: Prisma.WebhookDeliveryGetPayload<object>): WebhookDeliveryRecord {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    tenantId: delivery.tenantId,
    eventType: delivery.eventType as WebhookEventType,
    payload: delivery.payload as unknown as WebhookEvent,
    status: delivery.status as WebhookDeliveryStatus,
    attemptCount: delivery.attempts,
    createdAt: delivery.createdAt,
    deliveredAt: delivery.deliveredAt,
  };
}
