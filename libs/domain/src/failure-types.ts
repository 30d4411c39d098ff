/**
 * The Temporal failure types (`ApplicationFailure.type`) the platform throws and checks, named in
 * one place: a type is matched by its exact string (`nonRetryableErrorTypes`, a caller checking
 * `error.cause.type`), and a thrower and a checker that spell it differently simply never meet.
 *
 * Each is recorded in workflow histories and may be checked by code already deployed: never rename
 * one, add a new type instead.
 */
export const FAILURE_TYPES = {
  /** `stageJob`: the job's row is gone from the database. Non-retryable: no retry brings it back. */
  JOB_NOT_FOUND: 'JobNotFound',
  /** `stageJob`: the job's file can never be staged (e.g. bytes invalid in its encoding). Non-retryable: the workflow fails the job with its message. */
  CSV_FORMAT: 'CsvFormatError',
  /** `enrichPage` and `refreshCustomersPage`: rows a provider could not serve yet. Retryable: Temporal's backoff (or the provider's Retry-After) does the rest. */
  PROVIDER_UNAVAILABLE: 'ProviderUnavailable',
  /** `enrichPage`: the worker is shutting down (SIGTERM); the page wrote its finished rows and hands the rest over. Retryable at once, on another worker. */
  WORKER_SHUTDOWN: 'WorkerShutdown',
  /** `enrichPage`: rows wait for a vendor that is out of credits (paused). Retryable after the vendor's pause, so credits added meanwhile are used. */
  PROVIDER_OUT_OF_CREDITS: 'ProviderOutOfCredits',
  /** The web-research activities: a provider refused the request, which would fail the same way again. Non-retryable. */
  PROVIDER_REJECTED: 'ProviderRejected',
  /** The batch workflow's pause/resume validators, once the job is finishing or over: the update is rejected (never retried) and the gateway answers 409. */
  JOB_NOT_CONTROLLABLE: 'JobNotControllable',
  /** The batch workflow's `resume` validator, for a job that spent its credits resumed without a higher `maxCredits`: rejected, the gateway answers 409 with what it would take. */
  CREDIT_BUDGET_EXHAUSTED: 'CreditBudgetExhausted',
  /** The push-request workflow's `contactsStaged` validator, once its erid is closing: the update is rejected (never retried), the request refused. */
  PUSH_REQUEST_CLOSED: 'PushRequestClosed',
  /** The batch workflow's own failure when the activity failure that ended the job named no type. Non-retryable. */
  JOB_FAILED: 'JobFailed',
  /** `deliverWebhook`: the receiver answered 5xx, 408, 429 or another non-2xx that may pass, or did not answer in time. Retryable: backoff up to an hour, for 24 hours. */
  WEBHOOK_UNDELIVERED: 'WebhookUndelivered',
  /** `deliverWebhook`: the receiver answered a 4xx (410 Gone included) other than 408 and 429: it refuses this webhook, and would again. Non-retryable. */
  WEBHOOK_REJECTED: 'WebhookRejected',
  /** `deliverWebhook`: the endpoint's URL is not http(s) or now resolves to an address webhooks may not reach. Non-retryable. */
  WEBHOOK_URL_REFUSED: 'WebhookUrlRefused',
  /** `deliverWebhook`: the delivery is gone (its endpoint was deleted). Non-retryable: nothing is left to send. */
  WEBHOOK_DELIVERY_NOT_FOUND: 'WebhookDeliveryNotFound',
} as const;

/** One of the {@link FAILURE_TYPES}. */
export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];
