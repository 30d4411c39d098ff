import type { Activities } from '@enrich/activities';
import type { WebhookDeliveryInput, WebhookDeliveryStatus } from '@enrich/domain';
import { ActivityFailure, isCancellation, proxyActivities } from '@temporalio/workflow';

/** First retry interval of a delivery; it doubles up to an hour, for 24 hours (about 30 attempts). */
export const DEFAULT_WEBHOOK_RETRY_INITIAL_MS = 5_000;

const { finishDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Delivers one webhook (one event for one endpoint) durably: attempts with exponential backoff
 * (5 s doubling up to an hour) for up to 24 hours, each recorded by the activity, stopping at once
 * when the receiver refuses it (4xx other than 408/429, 410 Gone included) or its URL may not be
 * reached; then records the delivery DELIVERED or FAILED. Workflow id: `webhook-<deliveryId>`,
 * `…-r<n>` for a redelivery on request.
 */
export async function webhookDeliveryWorkflow({
  deliveryId,
  retryInitialIntervalMs,
}: WebhookDeliveryInput): Promise<Exclude<WebhookDeliveryStatus, 'PENDING'>> {
  const { deliverWebhook } = proxyActivities<Activities>({
    // The request's own timeout is 10 s; the rest is the database around it.
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval: retryInitialIntervalMs ?? DEFAULT_WEBHOOK_RETRY_INITIAL_MS, backoffCoefficient: 2, maximumInterval: '1 hour' },
  });
  let status: Exclude<WebhookDeliveryStatus, 'PENDING'> = 'DELIVERED';
  try {
    await deliverWebhook({ deliveryId });
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    status = 'FAILED';
  }
  await finishDelivery({ deliveryId, status });
  return status;
}
