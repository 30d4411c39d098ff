import { z } from 'zod';
import type { JobCounts, JobStatus } from './job';

/**
 * The events a tenant's webhook endpoints may subscribe to. Receivers switch on these exact
 * strings, so they are a public contract: add new ones, never rename one.
 */
export const WEBHOOK_EVENT_TYPES = ['job.completed', 'job.failed', 'enrichment_request.completed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` });

/**
 * The body of a webhook (Standard Webhooks: `type`, `timestamp`, `data`). Ids, statuses and
 * counts only, never a contact's data: a receiver fetches results through the API, with a key
 * whose scopes decide what it may see, instead of personal data travelling to a URL.
 */
export interface WebhookEvent {
  type: WebhookEventType;
  /** When the job reached its final status (ISO 8601). */
  timestamp: string;
  data: {
    jobId: string;
    /** The erid, for `enrichment_request.*` events. */
    erid?: string;
    status: Extract<JobStatus, 'COMPLETED' | 'FAILED'>;
    counts: JobCounts;
    /** API paths (under the gateway's base URL) of the job and its results. */
    links: { self: string; results: string };
  };
}

/** Where a webhook stands: being attempted (retries included), delivered (a 2xx), or failed for good. */
export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/**
 * The event a job's final status makes, if any: completing is `enrichment_request.completed` for
 * an erid's job and `job.completed` for any other, failing is `job.failed` (with the erid, if any).
 * A cancelled job makes none: whoever cancelled it knows.
 */
export function jobFinishedEvent(
  job: { jobId: string; erid: string | null; status: Extract<JobStatus, 'COMPLETED' | 'FAILED' | 'CANCELLED'> },
  counts: JobCounts,
  at: Date,
): WebhookEvent | undefined {
  const { jobId, erid, status } = job;
  if (status === 'CANCELLED') return undefined;
  const self = erid === null ? `/v1/jobs/${jobId}` : `/v1/enrichment-requests/${encodeURIComponent(erid)}`;
  const type = status === 'FAILED' ? 'job.failed' : erid === null ? 'job.completed' : 'enrichment_request.completed';
  return {
    type,
    timestamp: at.toISOString(),
    data: { jobId, ...(erid === null ? {} : { erid }), status, counts, links: { self, results: `${self}/results` } },
  };
}

/** Prefix of webhook signing secrets (`whsec_` + base64), as Standard Webhooks libraries expect them. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * The type name of the delivery workflow: the activity that emits events starts it by name (the
 * activities cannot import the workflows package, which imports them).
 */
export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDeliveryWorkflow';

/** Input of the delivery workflow. */
export interface WebhookDeliveryInput {
  deliveryId: string;
  /** First retry interval, doubling up to an hour (default 5 s); tests shorten it. */
  retryInitialIntervalMs?: number;
}

/**
 * Workflow id of a delivery: its first run is `webhook-<deliveryId>` (so an event emitted again by
 * a retried activity starts nothing twice), redelivery `n` on request `webhook-<deliveryId>-r<n>`.
 */
export function webhookDeliveryWorkflowId(deliveryId: string, redelivery?: number): string {
  return redelivery === undefined ? `webhook-${deliveryId}` : `webhook-${deliveryId}-r${redelivery}`;
}
