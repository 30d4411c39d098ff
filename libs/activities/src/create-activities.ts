import type { FieldSealer } from '@enrich/codec';
import type {
  BlobStore,
  CustomerRepository,
  JobRepository,
  PaymentEventRepository,
  ProviderCallRepository,
  PushRequestRepository,
  WebhookRepository,
} from '@enrich/db';
import type { JobCallLedgers } from './call-ledgers';
import { createCustomerActivities } from './customers.activities';
import { createEnrichmentActivities, type PageObserver } from './enrichment.activities';
import { createJobActivities } from './jobs.activities';
import { createPaymentActivities } from './payments.activities';
import { createPushActivities } from './push.activities';
import { createResearchActivities } from './research.activities';
import type { HttpProviderOptions, LookupService, WaterfallOptions } from '@enrich/providers';
import { createStagingActivities, type StagingObserver } from './staging.activities';
import { createJobEvents, createWebhookActivities, type WebhookOptions } from './webhooks.activities';

/** Everything the activities need from the process that hosts them. */
export interface ActivityDeps {
  jobs: JobRepository;
  customers: CustomerRepository;
  pushRequests: PushRequestRepository;
  blobs: BlobStore;
  /** Webhook endpoints, deliveries and attempts. */
  webhooks: WebhookRepository;
  /** How job events become webhooks, and webhooks requests. */
  webhookOptions: WebhookOptions;
  /** Lookup providers (cache + shared rate budget each) and the waterfall order per group. */
  waterfall: WaterfallOptions;
  /** Demographics lookups for the customer refresh. */
  demographics: Pick<LookupService, 'lookupMany'>;
  /** Seals personal fields at rest and opens them for the provider call that needs them. */
  sealer: Pick<FieldSealer, 'sealRecord' | 'openRecord' | 'seal' | 'open'>;
  /** Where the web-research providers (search, crawl, extract) are. */
  webProviders: HttpProviderOptions;
  /** Stored payment events and their quarantine. */
  payments: PaymentEventRepository;
  /** Where the inference models of payment events are. */
  inference: HttpProviderOptions;
  /** Rows of a page looked up at once, each on its own (bounded further by the vendors' budgets). */
  rowsInFlight: number;
  /** The provider-call ledger: written before each call by the pages, read when a job ends. */
  providerCalls: Pick<ProviderCallRepository, 'usage'>;
  ledgers: Pick<JobCallLedgers, 'forJob'>;
  /** Aborted when the worker starts shutting down (pages hand their unstarted rows over). */
  draining?: AbortSignal;
  /** Told of rows written and handed over (metrics). */
  pageObserver?: PageObserver;
  /** Told of each staged file's rows and quarantined rows (metrics). */
  stagingObserver?: StagingObserver;
  /** Rows per multi-row insert while staging. */
  stagingBatchRows?: number;
}

/** Builds the worker's activities over their dependencies (samples-typescript style). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createStagingActivities({ ...deps, insertBatchSize: deps.stagingBatchRows, observer: deps.stagingObserver }),
    ...createEnrichmentActivities({
      jobs: deps.jobs,
      waterfall: deps.waterfall,
      sealer: deps.sealer,
      rowsInFlight: deps.rowsInFlight,
      ledgers: deps.ledgers,
      draining: deps.draining,
      observer: deps.pageObserver,
    }),
    ...createJobActivities({ ...deps, events: createJobEvents({ webhooks: deps.webhooks, options: deps.webhookOptions }) }),
    ...createPushActivities(deps),
    ...createResearchActivities({ jobs: deps.jobs, sealer: deps.sealer, http: deps.webProviders }),
    ...createCustomerActivities({ customers: deps.customers, demographics: deps.demographics }),
    ...createPaymentActivities({ payments: deps.payments, inference: deps.inference }),
    ...createWebhookActivities({ webhooks: deps.webhooks, sealer: deps.sealer, options: deps.webhookOptions }),
  };
}

/** The activity interface workflows proxy (import it with `import type`). */
export type Activities = ReturnType<typeof createActivities>;
