import type { FieldSealer } from '@enrich/codec';
import type { WebhookRepository, WebhookTarget } from '@enrich/db';
import {
  addressesRefusal,
  FAILURE_TYPES,
  jobFinishedEvent,
  WEBHOOK_DELIVERY_WORKFLOW_TYPE,
  webhookDeliveryWorkflowId,
  webhookUrlRefusal,
  type JobCounts,
  type WebhookDeliveryInput,
} from '@enrich/domain';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { lookup, promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { Agent, request, type Dispatcher } from 'undici';
import type { FinishJobInput } from './jobs.activities';
import { retryAfterMs } from '@enrich/providers';

/** Starts delivery workflows: the worker's Temporal client and task queue. */
export interface WebhookDispatcher {
  client: Pick<Client, 'workflow'>;
  taskQueue: string;
  /** First retry interval of each delivery (absent: the workflow's 5 s); tests shorten it. */
  retryInitialIntervalMs?: number;
}

/** How events become deliveries, and deliveries HTTP requests. */
export interface WebhookOptions {
  dispatcher: WebhookDispatcher;
  /** Lets webhooks go to loopback and private addresses (`WEBHOOK_ALLOW_PRIVATE_URLS`: development and tests). */
  allowPrivateUrls: boolean;
  /** How long a receiver has to answer (default 10 s). */
  timeoutMs?: number;
}

export interface WebhookDeps {
  webhooks: WebhookRepository;
  sealer: Pick<FieldSealer, 'open'>;
  options: WebhookOptions;
}

/** What a delivered attempt was. */
export interface DeliveredWebhook {
  attempt: number;
  statusCode: number;
  latencyMs: number;
}

/** Emits the events of jobs, as `finishJob` reports their final status. */
export interface JobEvents {
  jobFinished(jobId: string, status: FinishJobInput['status'], counts: JobCounts): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const USER_AGENT = 'enrich-webhooks/1';
/** Longest wait a receiver's Retry-After may ask for: the workflow's longest backoff. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The job events as webhooks: one delivery per subscribed endpoint of the job's tenant, each
 * delivered by a workflow of its own. Jobs without a tenant (tools, tests) tell no one.
 */
export function createJobEvents({ webhooks, options }: Omit<WebhookDeps, 'sealer'>): JobEvents {
  const { dispatcher } = options;
  return {
    async jobFinished(jobId, status, counts) {
      const audience = await webhooks.jobAudience(jobId);
      if (!audience?.tenantId) return;
      const event = jobFinishedEvent({ jobId, erid: audience.erid, status }, counts, new Date());
      if (!event) return;
      const endpoints = await webhooks.subscribers(audience.tenantId, event.type);
      // Made again by a retried finishJob, a delivery keeps its first payload and its one workflow.
      const deliveryIds = await webhooks.createDeliveries({ tenantId: audience.tenantId, subjectId: jobId, payload: event }, endpoints);
      for (const deliveryId of deliveryIds) {
        const input: WebhookDeliveryInput = { deliveryId, retryInitialIntervalMs: dispatcher.retryInitialIntervalMs };
        try {
          await dispatcher.client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
            workflowId: webhookDeliveryWorkflowId(deliveryId),
            taskQueue: dispatcher.taskQueue,
            args: [input],
            // Never a second run under this id, even after the first has closed: a retried finishJob delivers nothing twice.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }
      if (deliveryIds.length > 0) log.info('webhook deliveries started', { jobId, event: event.type, deliveries: deliveryIds.length });
    },
  };
}

/**
 * Delivering webhooks (Standard Webhooks): each attempt re-checks the endpoint's URL against the
 * addresses it resolves to now, and the connection only goes to addresses that pass (a name
 * rebound to a private address since registration is refused); it is signed with the endpoint's
 * current secret, opened just for the signature; and it is recorded, answer or not.
 */
export function createWebhookActivities({ webhooks, sealer, options }: WebhookDeps) {
  const allowPrivate = options.allowPrivateUrls;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new Agent({
    connect: { lookup: guardedLookup(allowPrivate), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });

  /** One POST of the delivery: its status code, or why none came, and the failure to throw when it was not a 2xx. */
  async function send(target: WebhookTarget, startedAt: Date): Promise<{ statusCode: number | null; error: string | null; failure?: ApplicationFailure }> {
    const refusal = await webhookUrlRefusal(target.url, { allowPrivate, resolve: resolveAll });
    if (refusal) {
      const error = `refused: ${refusal.message}`;
      // A name that does not resolve now may resolve later; an address webhooks may not reach stays one.
      const failure =
        refusal.reason === 'unresolvable'
          ? ApplicationFailure.retryable(error, FAILURE_TYPES.WEBHOOK_UNDELIVERED)
          : ApplicationFailure.nonRetryable(error, FAILURE_TYPES.WEBHOOK_URL_REFUSED);
      return { statusCode: null, error, failure };
    }
    const { id } = target.delivery;
    const body = JSON.stringify(target.delivery.payload);
    const signature = new Webhook(await sealer.open(target.secret)).sign(id, startedAt, body);
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(startedAt.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        signal: timeout,
        dispatcher: agent,
      });
    } catch (cause) {
      if (cause instanceof RefusedAddressError) {
        return {
          statusCode: null,
          error: `refused: ${cause.message}`,
          failure: ApplicationFailure.nonRetryable(`refused: ${cause.message}`, FAILURE_TYPES.WEBHOOK_URL_REFUSED),
        };
      }
      const error = timeout.aborted ? `no answer within ${timeoutMs} ms` : (cause as Error).message;
      return { statusCode: null, error, failure: ApplicationFailure.retryable(error, FAILURE_TYPES.WEBHOOK_UNDELIVERED) };
    }
    const { statusCode } = response;
    if (statusCode >= 200 && statusCode < 300) {
      await response.body.dump();
      return { statusCode, error: null };
    }
    const error = `answered ${statusCode}${await excerpt(response.body)}`;
    if (statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429) {
      return { statusCode, error, failure: ApplicationFailure.nonRetryable(error, FAILURE_TYPES.WEBHOOK_REJECTED) };
    }
    const retryAfter = statusCode === 429 || statusCode === 503 ? response.headers['retry-after'] : undefined;
    const failure = ApplicationFailure.create({
      message: error,
      type: FAILURE_TYPES.WEBHOOK_UNDELIVERED,
      ...(retryAfter ? { nextRetryDelay: Math.min(retryAfterMs(retryAfter), MAX_RETRY_AFTER_MS) } : {}),
    });
    return { statusCode, error, failure };
  }

  return {
    /**
     * One attempt to deliver a webhook, recorded whatever happens. Throws a retryable failure when
     * the receiver did not take it (no answer, 5xx, 408, 429) and a non-retryable one when it
     * refused it (other 4xx, 410 Gone included) or its URL may not be reached.
     */
    async deliverWebhook({ deliveryId }: { deliveryId: string }): Promise<DeliveredWebhook> {
      const target = await webhooks.target(deliveryId);
      if (!target) {
        throw ApplicationFailure.nonRetryable(`webhook delivery ${deliveryId} is gone: its endpoint was deleted`, FAILURE_TYPES.WEBHOOK_DELIVERY_NOT_FOUND);
      }
      const startedAt = new Date();
      const started = performance.now();
      const { statusCode, error, failure } = await send(target, startedAt);
      const latencyMs = Math.round(performance.now() - started);
      const attempt = await webhooks.recordAttempt(deliveryId, { startedAt, statusCode, latencyMs, error, delivered: !failure });
      const fields = { deliveryId, endpointId: target.delivery.endpointId, event: target.delivery.eventType, attempt, statusCode, latencyMs };
      if (failure) {
        log.warn('webhook not delivered', { ...fields, error, retryable: !failure.nonRetryable });
        throw failure;
      }
      log.info('webhook delivered', fields);
      return { attempt: attempt ?? 0, statusCode: statusCode as number, latencyMs };
    },

    /** Records where a delivery ended: delivered, or failed once its retries are spent or it was refused. */
    async finishDelivery({ deliveryId, status }: { deliveryId: string; status: 'DELIVERED' | 'FAILED' }): Promise<void> {
      if (status === 'DELIVERED') {
        await webhooks.markDelivered(deliveryId);
        return;
      }
      await webhooks.markFailed(deliveryId);
      log.warn('webhook delivery failed: no more retries', { deliveryId });
    },
  };
}

/** The connection's address failed the webhook URL rule. */
class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
}

async function resolveAll(host: string): Promise<string[]> {
  return (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

/**
 * The connection's own name resolution, refusing addresses webhooks may not reach: what is checked
 * is what is connected to, however the name resolves between the check and the connection.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refusal = addressesRefusal(
        hostname,
        addresses.map((entry) => entry.address),
        allowPrivate,
      );
      if (refusal) return callback(new RefusedAddressError(refusal.message), []);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first?.address ?? '', first?.family);
    });
  };
}

/** The start of an error answer's body, for the attempt's record (read no further than that). */
async function excerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += String(chunk);
    if (text.length >= 200) break;
  }
  const trimmed = text.slice(0, 200).trim();
  return trimmed ? `: ${trimmed}` : '';
}
